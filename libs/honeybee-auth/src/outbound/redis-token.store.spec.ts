import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RedisTokenStore } from './redis-token.store.js';
import type { RedisTokenStoreOptions } from './redis-token.store.js';

/** Redis down without a redis-server: these run in `npm test`; test/redis has the rest. */
describe('RedisTokenStore while Redis is away', () => {
  const stores: RedisTokenStore[] = [];
  const servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A store on `port` and the connections it opened (spied on through `duplicate`). */
  const storeOn = (port: number, over: Partial<RedisTokenStoreOptions> = {}) => {
    // After the first refusal the connection waits in 'reconnecting' for the whole test.
    // (A short disconnectTimeout: ioredis keeps a timer for a socket already gone otherwise.)
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => 60_000,
      disconnectTimeout: 10,
    });
    const opened: Redis[] = [];
    const duplicate = client.duplicate.bind(client);
    client.duplicate = ((o?: Partial<RedisOptions>) => {
      const c = duplicate(o);
      opened.push(c);
      return c;
    }) as typeof client.duplicate;
    const store = new RedisTokenStore({ client, operationTimeoutMs: 50, ...over });
    stores.push(store);
    return { store, opened };
  };

  it('validates its options, naming the field', () => {
    expect(() => new RedisTokenStore({})).toThrow('needs `client`, `url` or `redisOptions`');
    expect(() => new RedisTokenStore({ url: 'http://x' })).toThrow('redis:// or rediss://');
    expect(() => new RedisTokenStore({ url: 'redis://x', keyPrefix: 'a{b}:' })).toThrow(
      '`keyPrefix` must be a string without { or }',
    );
    expect(() => new RedisTokenStore({ url: 'redis://x', operationTimeoutMs: 0 })).toThrow(
      '`operationTimeoutMs` must be a positive number',
    );
    const client = new Redis({ lazyConnect: true });
    expect(() => new RedisTokenStore({ client, url: 'redis://x' })).toThrow('not both');
  });

  it('5,000 concurrent callers while Redis is down: refused at once, nothing left behind', async () => {
    const { store, opened } = storeOn(await closedPort());
    await until(() => opened[0].status === 'reconnecting');
    await expectNothingLeftBehind(opened, async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 5000 }, (_, i) =>
          [
            () => store.ping(),
            () => store.tryLock('k', `o${i}`, 60_000),
            () => store.setAndUnlock('k', 'v', 60_000, `o${i}`),
            () => store.get('k'),
          ][i % 4](),
        ),
      );
      // Refused for being down, not after waiting out the operation timeout.
      const reasons = new Set(results.map((r) => String((r as PromiseRejectedResult).reason)));
      expect([...reasons]).toEqual(['RedisCommandError: Redis is not connected (reconnecting)']);
    });
  });

  it('5,000 concurrent callers while a connection attempt hangs: each waits its own bounded time, then nothing is left and nothing was sent', async () => {
    const blackhole = await silentServer();
    servers.push(blackhole.server);
    const { store, opened } = storeOn(blackhole.port);
    await until(() => opened[0].status === 'connect');
    const reasons = new Set<string>();
    await expectNothingLeftBehind(opened, async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 5000 }, (_, i) =>
          i % 2 ? store.tryLock('k', `o${i}`, 60_000) : store.ping(),
        ),
      );
      for (const r of results) reasons.add(String((r as PromiseRejectedResult).reason));
    });
    // Each waited out its own 50 ms. (After 2 s of silence the connection is dropped, which a
    // loaded machine may reach: then the rest are refused at once, as while Redis is down.)
    expect(reasons.has('RedisCommandError: Redis did not become ready within 50 ms')).toBe(true);
    for (const reason of reasons) {
      expect(reason).toMatch(/did not become ready within 50 ms|Redis is not connected/);
    }
    // Only the connection handshake reached the server: not one of the 15,000 commands.
    expect(blackhole.received()).not.toMatch(/\bSET\b|EVAL|PING/i);
  });
});

/**
 * Runs `round` once to warm up, then twice more, and expects the second and third to leave no
 * listener on `connections`, no timer, no heap growth and no process warning behind.
 */
async function expectNothingLeftBehind(connections: Redis[], round: () => Promise<void>) {
  const leftovers = watch(connections);
  await round(); // warm-up: code paths compiled, caches filled
  const before = leftovers.measure();
  await round();
  await round();
  const after = leftovers.measure();
  // The connection's own listeners and timers come and go (a loaded machine may see it dropped
  // and reopened between two measures); one per caller would be thousands.
  expect(after.listeners - before.listeners).toBeLessThan(5);
  expect(after.timers - before.timers).toBeLessThan(5);
  expect(after.heapBytes - before.heapBytes).toBeLessThan(2 * 1024 * 1024);
  expect(leftovers.warnings()).toEqual([]);
}

/** Listener, timer and heap counts around a test, and the process warnings it raised. */
function watch(connections: Redis[]) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const seen: string[] = [];
  const onWarning = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  return {
    measure() {
      gc();
      gc();
      return {
        listeners: connections.reduce(
          (n, c) => n + c.eventNames().reduce((m, e) => m + c.listenerCount(e), 0),
          0,
        ),
        timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length,
        heapBytes: process.memoryUsage().heapUsed,
      };
    },
    warnings() {
      process.off('warning', onWarning);
      return seen;
    },
  };
}

/** A loopback port with nothing listening: connections are refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A server that accepts connections and never answers; it records what it receives. */
async function silentServer(): Promise<{ server: Server; port: number; received: () => string }> {
  let data = '';
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => (data += d.toString('latin1')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return {
    server,
    port: (server.address() as { port: number }).port,
    received: () => data,
  };
}

async function until(cond: () => boolean, max = 5000): Promise<void> {
  const deadline = Date.now() + max;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}
