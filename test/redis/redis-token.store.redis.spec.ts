import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { HoneybeeTokenService } from 'nestjs-honeybee-auth';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import { resolveOptions } from '../../libs/honeybee-auth/src/options/resolve-options.js';
import { systemClock } from '../../libs/honeybee-auth/src/common/clock.js';
import { RecordingTokenServer } from '../../libs/honeybee-auth/src/testing/recording-token-server.js';
import { RedisServer } from '../fixtures/redis-server.js';
import { CapturingLogger } from '../../libs/honeybee-auth/src/testing/capturing-logger.js';

const SECRET = 'redis-suite-client-secret';

describe('RedisTokenStore against a real redis-server', () => {
  let redis: RedisServer;
  let raw: Redis;
  const stores: RedisTokenStore[] = [];
  const newStore = (over: Partial<ConstructorParameters<typeof RedisTokenStore>[0]> = {}) => {
    const s = new RedisTokenStore({ url: redis.url, keyPrefix: `t${Date.now()}:`, ...over });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    raw = new Redis(redis.url);
  });

  afterAll(async () => {
    raw.disconnect();
    await redis.stop();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('sets with a TTL, gets, and deletes only a matching value', async () => {
    const s = newStore({ keyPrefix: 'ops:' });
    await s.set('k', 'v1', 60_000);
    expect(await s.get('k')).toBe('v1');
    const ttl = await raw.pttl('ops:k');
    expect(ttl).toBeGreaterThan(50_000);
    expect(await s.deleteIfEquals('k', 'other')).toBe(false);
    expect(await s.get('k')).toBe('v1');
    expect(await s.deleteIfEquals('k', 'v1')).toBe(true);
    expect(await s.get('k')).toBeUndefined();
  });

  it('locks with an owner: exclusive, extended and released only by the owner, expiring', async () => {
    const [a, b] = [newStore({ keyPrefix: 'lk:' }), newStore({ keyPrefix: 'lk:' })];
    expect(await a.tryLock('k', 'owner-a', 10_000)).toBe(true);
    expect(await b.tryLock('k', 'owner-b', 10_000)).toBe(false);
    expect(await b.extendLock('k', 'owner-b', 10_000)).toBe(false);
    await b.releaseLock('k', 'owner-b');
    expect(await raw.get('lk:lock:k')).toBe('owner-a');
    expect(await a.extendLock('k', 'owner-a', 20_000)).toBe(true);
    expect(await raw.pttl('lk:lock:k')).toBeGreaterThan(15_000);
    await a.releaseLock('k', 'owner-a');
    expect(await b.tryLock('k', 'owner-b', 30)).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(await a.tryLock('k', 'owner-a', 1000)).toBe(true);
  });

  it('wakes a waiter through pub/sub long before its poll interval', async () => {
    const [a, b] = [
      newStore({ keyPrefix: 'ps:', pollIntervalMs: 10_000 }),
      newStore({ keyPrefix: 'ps:' }),
    ];
    await a.waitForUpdate('warm-up', 50); // subscribes
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    const waiting = a.waitForUpdate('k', 10_000);
    await b.set('k', 'v', 1000);
    await waiting;
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('rejects fast, never hangs, when Redis does not answer in time', async () => {
    const s = newStore({ keyPrefix: 'slow:', operationTimeoutMs: 100 });
    await s.get('x');
    const blocker = new Redis(redis.url);
    const sleeping = blocker.call('DEBUG', 'SLEEP', '0.5');
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await expect(s.get('x')).rejects.toThrow('did not answer within 100 ms');
    expect(performance.now() - started).toBeLessThan(400);
    await sleeping;
    blocker.disconnect();
  });

  describe('under HoneybeeTokenService', () => {
    let server: RecordingTokenServer;
    let logs: CapturingLogger;
    const services: HoneybeeTokenService[] = [];
    const replica = (store: RedisTokenStore) => {
      const s = new HoneybeeTokenService(
        resolveOptions({
          clientId: 'redis-app',
          clientSecret: SECRET,
          tokenUrl: server.tokenUrl,
          apiBaseUrl: `${server.url}/v1`,
          allowInsecureLoopback: true,
          retry: { maxAttempts: 1 },
          tokenStore: { store, lockTtlMs: 3000 },
        }),
        systemClock,
      );
      services.push(s);
      return s;
    };

    beforeEach(async () => {
      server = await RecordingTokenServer.start();
      logs = new CapturingLogger();
      Logger.overrideLogger(logs);
    });

    afterEach(async () => {
      services.splice(0).forEach((s) => s.onModuleDestroy());
      await server.stop();
      Logger.overrideLogger(new Logger());
    });

    it('8 replicas with their own connections make one token request; Redis holds no readable token', async () => {
      const prefix = `svc${Date.now()}:`;
      const replicas = Array.from({ length: 8 }, () => replica(newStore({ keyPrefix: prefix })));
      const tokens = await Promise.all(replicas.map((r) => r.getAccessToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(server.requests).toHaveLength(1);
      const keys = await raw.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
      const value = (await raw.get(keys[0]))!;
      expect(value).toMatch(/^v1\./);
      expect(value).not.toContain(tokens[0]);
      expect(keys[0]).not.toContain('redis-app');
    });

    it('keeps working when Redis stops, reports it, and shares again once Redis is back', async () => {
      const prefix = `down${Date.now()}:`;
      const a = replica(newStore({ keyPrefix: prefix, operationTimeoutMs: 200 }));
      const b = replica(newStore({ keyPrefix: prefix, operationTimeoutMs: 200 }));
      const first = await a.getAccessToken();
      await redis.stop();
      try {
        a.invalidate(first);
        const local = await a.getAccessToken();
        expect(local).not.toBe(first);
        expect(await a.checkStore()).toBe(false);
        expect(a.status().storeHealthy).toBe(false);
        expect(logs.lines.filter((l) => l.includes('Shared token store unavailable'))).toHaveLength(
          1,
        );
      } finally {
        await redis.resume();
      }
      await waitUntil(async () => (await a.checkStore()) === true);
      const shared = await b.getAccessToken();
      a.invalidate(await a.getAccessToken());
      expect(await a.getAccessToken()).toBe(shared);
      raw.disconnect();
      raw = new Redis(redis.url);
    });
  });
});

async function waitUntil(cond: () => Promise<boolean>, max = 10_000): Promise<void> {
  const deadline = Date.now() + max;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 50));
  }
}
