import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { HoneybeeTokenService } from 'nestjs-honeybee-auth';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import type { RedisTokenStoreOptions } from 'nestjs-honeybee-auth/redis';
import { resolveOptions } from '../../libs/honeybee-auth/src/options/resolve-options.js';
import { systemClock } from '../../libs/honeybee-auth/src/common/clock.js';
import { RecordingTokenServer } from '../../libs/honeybee-auth/src/testing/recording-token-server.js';
import { RedisServer } from '../fixtures/redis-server.js';
import { CapturingLogger } from '../../libs/honeybee-auth/src/testing/capturing-logger.js';
import { TcpProxy } from '../fixtures/tcp-proxy.js';

const SECRET = 'redis-suite-client-secret';
/** The commands docs/replicas.md lists for an ACL user of the store. */
const ACL_COMMANDS =
  '+eval +ping +info +subscribe +time +hget +hmget +hset +hdel +del +pexpire +publish';

describe('RedisTokenStore against a real redis-server', () => {
  let redis: RedisServer;
  let raw: Redis;
  let n = 0;
  const stores: RedisTokenStore[] = [];
  const newStore = (over: Partial<RedisTokenStoreOptions> = {}) => {
    const s = new RedisTokenStore({ url: redis.url, keyPrefix: `t${++n}:`, ...over });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    raw = new Redis(redis.url);
  });

  afterAll(async () => {
    raw.disconnect();
    await redis.close();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('stores under the lock (or once lock and token are lost), with a TTL, in one hash-tagged key per scope set; deletes only a matching value', async () => {
    const s = newStore({ keyPrefix: 'ops:' });
    expect(await s.tryLock('k', 'me', 10_000)).toBe(true);
    expect(await s.setAndUnlock('k', 'v0', 60_000, 'other')).toBe(false);
    expect(await s.get('k')).toBeUndefined();
    expect(await raw.keys('ops:*')).toEqual(['ops:{k}']);
    expect(await raw.hget('ops:{k}', 'o')).toBe('me');
    expect(await s.setAndUnlock('k', 'v1', 60_000, 'me')).toBe(true);
    // The write released the lock.
    expect(await raw.hget('ops:{k}', 'o')).toBeNull();
    expect(await raw.hget('ops:{k}', 'v')).toBe('v1');
    expect(await s.get('k')).toBe('v1');
    expect(await raw.pttl('ops:{k}')).toBeGreaterThan(50_000);
    expect(await s.deleteIfEquals('k', 'other')).toBe(false);
    expect(await s.get('k')).toBe('v1');
    expect(await s.deleteIfEquals('k', 'v1')).toBe(true);
    expect(await s.get('k')).toBeUndefined();
    // A lock lost with the data (a restart, a failover): no lock, no token, the write goes in.
    expect(await s.setAndUnlock('k', 'v2', 60_000, 'lost')).toBe(true);
    expect(await s.setAndUnlock('k', 'v3', 60_000, 'lost-too')).toBe(false);
    expect(await s.get('k')).toBe('v2');
  });

  it('locks with an owner: exclusive, extended and released only by the owner, expiring', async () => {
    const [a, b] = [newStore({ keyPrefix: 'lk:' }), newStore({ keyPrefix: 'lk:' })];
    const monitor = await raw.monitor();
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0] === 'eval') seen.push(args);
    });
    expect(await a.tryLock('k', 'owner-a', 10_000)).toBe(true);
    // The take asks for a short lease (2 × operationTimeoutMs); the full TTL follows its answer.
    await until(async () => seen.length >= 2);
    monitor.disconnect();
    expect(seen[0].slice(-3)).toEqual(['lk:{k}', 'owner-a', '1000']);
    expect(seen[1].slice(-3)).toEqual(['lk:{k}', 'owner-a', '10000']);
    expect(await raw.pttl('lk:{k}')).toBeGreaterThan(9000);
    expect(await b.tryLock('k', 'owner-b', 10_000)).toBe(false);
    expect(await b.extendLock('k', 'owner-b', 10_000)).toBe(false);
    await b.releaseLock('k', 'owner-b');
    expect(await raw.hget('lk:{k}', 'o')).toBe('owner-a');
    expect(await a.extendLock('k', 'owner-a', 20_000)).toBe(true);
    expect(await raw.pttl('lk:{k}')).toBeGreaterThan(15_000);
    await a.releaseLock('k', 'owner-a');
    expect(await b.tryLock('k', 'owner-b', 30)).toBe(true);
    await until(async () => (await raw.exists('lk:{k}')) === 0);
    expect(await a.tryLock('k', 'owner-a', 1000)).toBe(true);
  });

  it('wakes a waiter through pub/sub long before its poll interval', async () => {
    const [a, b] = [
      newStore({ keyPrefix: 'ps:', pollIntervalMs: 10_000 }),
      newStore({ keyPrefix: 'ps:' }),
    ];
    await a.waitForUpdate('warm-up', 50); // subscribes
    await until(
      async () =>
        Number(await raw.call('PUBSUB', 'NUMSUB', 'ps:updates').then((r) => (r as unknown[])[1])) >
        0,
    );
    const started = performance.now();
    const waiting = a.waitForUpdate('k', 10_000);
    expect(await b.tryLock('k', 'w', 1000)).toBe(true);
    expect(await b.setAndUnlock('k', 'v', 1000, 'w')).toBe(true);
    await waiting;
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('needs no more than its documented ACL permissions', async () => {
    await raw.call(
      'ACL',
      'SETUSER',
      'honeybee-replica',
      'reset',
      'on',
      '>acl-test-password',
      '~acl:*',
      '&acl:*',
      ...ACL_COMMANDS.split(' '),
    );
    try {
      const url = `redis://honeybee-replica:acl-test-password@127.0.0.1:${redis.port}`;
      const [a, b] = [newStore({ url, keyPrefix: 'acl:' }), newStore({ url, keyPrefix: 'acl:' })];
      await a.ping();
      await b.waitForUpdate('warm-up', 50); // subscribes
      expect(await a.tryLock('k', 'a', 5000)).toBe(true);
      expect(await a.extendLock('k', 'a', 5000)).toBe(true);
      const woken = b.waitForUpdate('k', 10_000);
      expect(await a.setAndUnlock('k', 'v', 60_000, 'a')).toBe(true);
      await woken;
      expect(await b.get('k')).toBe('v');
      expect(await b.deleteIfEquals('k', 'v')).toBe(true);
      await b.releaseLock('k', 'b');
      // Outside its prefix, the user is refused: the permissions are really that narrow.
      await expect(newStore({ url, keyPrefix: 'other:' }).get('k')).rejects.toThrow(/NOPERM/);
    } finally {
      await raw.call('ACL', 'DELUSER', 'honeybee-replica');
    }
  });

  it('rejects, never hangs, when Redis does not answer in time', async () => {
    const s = newStore({ operationTimeoutMs: 100 });
    await s.get('x');
    const blocker = new Redis(redis.url);
    const sleeping = blocker.call('DEBUG', 'SLEEP', '0.5');
    await new Promise((r) => setTimeout(r, 20));
    await expect(s.get('x')).rejects.toThrow('Redis did not answer within 100 ms');
    await sleeping;
    blocker.disconnect();
  });

  describe('commands its caller gave up on', () => {
    it('while Redis is down: refused, and not run when Redis comes back', async () => {
      const s = newStore({ keyPrefix: 'down:', operationTimeoutMs: 200 });
      await s.ping();
      await redis.stop();
      try {
        // Refused (by the store, or by ioredis when the close is not yet noticed), not queued.
        await expect(s.tryLock('k', 'ghost', 60_000)).rejects.toThrow();
        await expect(s.setAndUnlock('k', 'stale', 60_000, 'ghost')).rejects.toThrow();
        await expect(s.ping()).rejects.toThrow();
      } finally {
        await redis.resume();
      }
      await until(() =>
        s.ping().then(
          () => true,
          () => false,
        ),
      );
      raw.disconnect();
      raw = new Redis(redis.url);
      expect(await raw.keys('down:*')).toEqual([]);
      expect(await s.tryLock('k', 'alive', 1000)).toBe(true);
    });

    it('on a stalled connection that delivers them late: a late lock is released, a late write is fenced off', async () => {
      const proxy = await TcpProxy.start(redis.port);
      try {
        const slow = newStore({ url: proxy.url, keyPrefix: 'stall:', operationTimeoutMs: 200 });
        const fast = newStore({ keyPrefix: 'stall:' });
        // `slow` holds the lock of `w` when its connection stalls.
        expect(await slow.tryLock('w', 'slow', 300)).toBe(true);
        proxy.pause();
        await expect(slow.tryLock('k', 'late', 60_000)).rejects.toThrow(
          'did not answer within 200 ms',
        );
        await expect(slow.setAndUnlock('w', 'from-slow', 60_000, 'slow')).rejects.toThrow(
          'did not answer within 200 ms',
        );
        // Meanwhile its lock lapses and `fast` takes over.
        await until(async () => (await raw.exists('stall:{w}')) === 0);
        expect(await fast.tryLock('w', 'fast', 10_000)).toBe(true);
        expect(await fast.setAndUnlock('w', 'from-fast', 60_000, 'fast')).toBe(true);
        proxy.resume();
        // Answered on the same connection after the late commands: they have run now.
        await slow.ping();
        expect(await raw.hget('stall:{w}', 'v')).toBe('from-fast');
        // The late take ran, and so did the release sent after it.
        expect(await raw.exists('stall:{k}')).toBe(0);
      } finally {
        await proxy.close();
      }
    });

    it('on a stalled connection: at most 100 commands wait, the rest are refused at once', async () => {
      const proxy = await TcpProxy.start(redis.port);
      try {
        const s = newStore({ url: proxy.url, operationTimeoutMs: 300 });
        await s.ping();
        proxy.pause();
        const results = await Promise.allSettled(Array.from({ length: 1000 }, () => s.ping()));
        const reasons = results.map((r) => String((r as PromiseRejectedResult).reason));
        expect(reasons.filter((r) => r.includes('did not answer within 300 ms'))).toHaveLength(100);
        expect(reasons.filter((r) => r.includes('commands unanswered'))).toHaveLength(900);
        proxy.resume();
        await until(() =>
          s.ping().then(
            () => true,
            () => false,
          ),
        );
      } finally {
        await proxy.close();
      }
    });
  });

  describe('under HoneybeeTokenService', () => {
    let server: RecordingTokenServer;
    let logs: CapturingLogger;
    const services: HoneybeeTokenService[] = [];
    const replica = (
      store: RedisTokenStore,
      over: Partial<Parameters<typeof resolveOptions>[0]> = {},
    ) => {
      const s = new HoneybeeTokenService(
        resolveOptions({
          clientId: 'redis-app',
          clientSecret: SECRET,
          tokenUrl: server.tokenUrl,
          apiBaseUrl: `${server.url}/v1`,
          allowInsecureLoopback: true,
          retry: { maxAttempts: 1 },
          tokenStore: { store, lockTtlMs: 3000 },
          ...over,
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
      const prefix = `svc${++n}:`;
      const replicas = Array.from({ length: 8 }, () => replica(newStore({ keyPrefix: prefix })));
      const tokens = await Promise.all(replicas.map((r) => r.getAccessToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(server.requests).toHaveLength(1);
      const keys = await raw.keys(`${prefix}*`);
      expect(keys).toHaveLength(1);
      const value = (await raw.hget(keys[0], 'v'))!;
      expect(value).toMatch(/^v1\./);
      expect(value).not.toContain(tokens[0]);
      expect(keys[0]).not.toContain('redis-app');
    });

    it('a Retry-After longer than the lock TTL: the holder keeps the lock through its sleep, one token for the fleet', async () => {
      // Lock 500 ms, Retry-After 1 s: without the extension before the sleep, the lock would
      // lapse half-way and a second replica would fetch a second token.
      server.respond(
        () => ({ status: 503, headers: { 'retry-after': '1' }, body: {} }),
        () => ({ body: server.tokenBody() }),
      );
      const prefix = `ra${++n}:`;
      const opts = {
        retry: { maxAttempts: 3 },
        tokenStore: { lockTtlMs: 500, waitTimeoutMs: 5000 },
      };
      const replicas = Array.from({ length: 4 }, () => {
        const store = newStore({ keyPrefix: prefix });
        return replica(store, { ...opts, tokenStore: { ...opts.tokenStore, store } });
      });
      const first = replicas[0].getAccessToken();
      await until(async () => server.requests.length === 1);
      const tokens = await Promise.all([
        first,
        ...replicas.slice(1).map((r) => r.getAccessToken()),
      ]);
      expect(new Set(tokens).size).toBe(1);
      // The 503 and the one successful request, both from the lock holder.
      expect(server.requests).toHaveLength(2);
    });

    it('keeps working when Redis stops, reports it, and shares again once Redis is back', async () => {
      const prefix = `down${++n}:`;
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
      await until(async () => (await a.checkStore()) === true);
      await until(async () => (await b.checkStore()) === true);
      const shared = await b.getAccessToken();
      a.invalidate(await a.getAccessToken());
      expect(await a.getAccessToken()).toBe(shared);
      raw.disconnect();
      raw = new Redis(redis.url);
    });
  });
});

async function until(cond: () => Promise<boolean>, max = 10_000): Promise<void> {
  const deadline = Date.now() + max;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}
