import { Logger } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import { storeKeyOf } from '../../libs/honeybee-auth/src/outbound/token-sealer.js';
import { CapturingLogger } from '../../libs/honeybee-auth/src/testing/capturing-logger.js';
import { RedisCluster } from '../fixtures/redis-cluster.js';
import { TokenFleet } from '../fixtures/token-fleet.js';

describe('RedisTokenStore on a real 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  const stores: RedisTokenStore[] = [];
  /** A store from a Cluster client, as an application passes it. */
  const clusterStore = (keyPrefix?: string) => {
    const s = new RedisTokenStore({
      client: new Cluster(cluster.startupNodes, { lazyConnect: true }),
      keyPrefix,
    });
    stores.push(s);
    return s;
  };
  const slotOf = async (key: string) => {
    const r = new Redis(cluster.nodes[0].port, '127.0.0.1');
    try {
      return Number(await r.cluster('KEYSLOT', key));
    } finally {
      r.disconnect();
    }
  };

  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    Logger.overrideLogger(new CapturingLogger());
  });

  afterAll(async () => {
    Logger.overrideLogger(new Logger());
    await cluster.close();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('locks, fenced writes and pub/sub work for keys on every master', async () => {
    const [a, b] = [clusterStore('c1:'), clusterStore('c1:')];
    const keys = Array.from({ length: 24 }, (_, i) => `token:${i}`);
    const slots = await Promise.all(keys.map((k) => slotOf(`c1:{${k}}`)));
    const owners = await Promise.all(slots.map((s) => cluster.ownerOf(s)));
    expect(new Set(owners).size).toBe(3);
    await b.waitForUpdate('warm-up', 50); // subscribes
    for (const k of keys) {
      expect(await a.tryLock(k, 'a', 5000)).toBe(true);
      expect(await b.tryLock(k, 'b', 5000)).toBe(false);
      expect(await b.setAndUnlock(k, 'from-b', 60_000, 'b')).toBe(false);
      expect(await a.extendLock(k, 'a', 10_000)).toBe(true);
      const woken = b.waitForUpdate(k, 10_000);
      expect(await a.setAndUnlock(k, `from-a-${k}`, 60_000, 'a')).toBe(true);
      await woken;
      expect(await b.get(k)).toBe(`from-a-${k}`);
      expect(await b.deleteIfEquals(k, `from-a-${k}`)).toBe(true);
    }
    await a.ping();
  });

  it('4 replicas refresh through a slot migration and a master restart: no failed call, at most 2 token requests per refresh, 1 without faults', async () => {
    const fleet = await TokenFleet.start(Array.from({ length: 4 }, () => clusterStore()));
    try {
      const valueKey = `honeybee-auth:{${storeKeyOf('token:', fleet.server.tokenUrl, 'fleet-app', '')}}`;
      const slot = await slotOf(valueKey);
      await Promise.all(fleet.services.map((s) => s.getAccessToken()));
      expect(fleet.server.requests).toHaveLength(1);

      const calm = await fleet.run(delay(7000), 0);
      expect(calm.failures).toEqual([]);
      expect(calm.rounds.length).toBeGreaterThanOrEqual(2);
      expect(calm.rounds.every((n) => n === 1)).toBe(true);

      const marks: Record<string, number> = {};
      const faults = await fleet.run(
        (async () => {
          const owner = await cluster.ownerOf(slot);
          const target = cluster.nodes.find((n) => n !== owner)!;
          // 4 s in each half-way state: at least one refresh meets ASK redirections there.
          await cluster.migrateSlot(slot, target, 4000, (phase) => (marks[phase] = Date.now()));
          await fleet.nextRequest(); // the restart lands while the lock holder fetches
          await cluster.restart(target, 300);
        })(),
        4000,
      );
      expect(faults.failures).toEqual([]);
      expect(Math.max(...faults.rounds)).toBeLessThanOrEqual(2);
      const refreshedBetween = (from: number, to: number) =>
        fleet.requestTimes.some((t) => from <= t && t < to);
      expect(refreshedBetween(marks.migrating, marks.moved)).toBe(true);
      expect(refreshedBetween(marks.moved, marks.done)).toBe(true);
      console.log(
        `cluster: ${calm.calls + faults.calls} calls, requests per refresh without faults ${JSON.stringify(calm.rounds)}, through a slot migration and a master restart ${JSON.stringify(faults.rounds)}`,
      );
    } finally {
      await fleet.close();
    }
  });
});
