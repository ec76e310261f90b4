import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import { CapturingLogger } from '../../libs/honeybee-auth/src/testing/capturing-logger.js';
import { MASTER_NAME, RedisSentinelSet } from '../fixtures/redis-sentinel.js';
import { TokenFleet } from '../fixtures/token-fleet.js';

describe('RedisTokenStore on a real Sentinel set (master, replica, 3 Sentinels)', () => {
  let set: RedisSentinelSet;

  beforeAll(async () => {
    set = await RedisSentinelSet.start();
    Logger.overrideLogger(new CapturingLogger());
  });

  afterAll(async () => {
    Logger.overrideLogger(new Logger());
    await set.close();
  });

  it('failovers in the middle of refreshes (managed, then a crashed master, each while a token is being fetched): no failed getAccessToken(), at most one extra token request each', async () => {
    // Both ways of passing a Sentinel deployment: options, or an ioredis client.
    const stores = [0, 1, 2, 3].map((i) =>
      i % 2
        ? new RedisTokenStore({ redisOptions: { sentinels: set.sentinels, name: MASTER_NAME } })
        : new RedisTokenStore({
            client: new Redis({ sentinels: set.sentinels, name: MASTER_NAME, lazyConnect: true }),
          }),
    );
    // Tokens of 9 s: refreshes every 4.5 to 6 s, each with room for a 2 s failover.
    const fleet = await TokenFleet.start(stores, 9);
    try {
      await Promise.all(fleet.services.map((s) => s.getAccessToken()));
      const before = await set.master();
      let failedOverAt = 0;
      const run = await fleet.run(
        (async () => {
          // Each failover starts while a replica holds the lock and fetches.
          await fleet.nextRequest();
          await set.failover();
          // The Sentinels reconfigure the old master and cut its clients off within 10 s.
          await delay(10_000);
          await fleet.nextRequest();
          await set.crashMaster();
          failedOverAt = Date.now();
        })(),
        6000,
      );
      expect(await set.master()).toBe(before);
      expect(run.failures).toEqual([]);
      const requests = run.rounds.reduce((a, b) => a + b, 0);
      expect(requests - run.rounds.length).toBeLessThanOrEqual(2);
      // Refreshes went on after the failover, through the new master.
      expect(fleet.requestTimes.some((t) => t > failedOverAt + 1000)).toBe(true);
      expect(fleet.services.every((s) => s.status().storeHealthy)).toBe(true);
      console.log(
        `sentinel: ${run.calls} calls, ${requests} token requests in ${run.rounds.length} refreshes ${JSON.stringify(run.rounds)} across two failovers`,
      );
    } finally {
      await fleet.close();
    }
  });
});
