import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import type { CapturingLogger } from '../testing/capturing-logger.js';
import type { FakeClock } from '../testing/fake-clock.js';
import type { RecordingTokenServer } from '../testing/recording-token-server.js';
import { useTokenServiceBed } from '../testing/token-service.bed.js';
import { resolveOptions } from '../options/resolve-options.js';
import { MemoryTokenStore } from './memory-token.store.js';
import { storeKeyOf } from './token-sealer.js';
import type { TokenStore } from './token-store.interface.js';
import type { HoneybeeTokenService } from './token.service.js';

const SECRET = 'replica-shared-secret-value';

/** A store whose every call can be made to fail, standing for Redis down. */
class FlakyStore implements TokenStore {
  down = false;
  constructor(private readonly inner: TokenStore) {}
  private gate<T>(f: () => Promise<T>): Promise<T> {
    return this.down ? Promise.reject(new Error('connection refused')) : f();
  }
  get = (k: string) => this.gate(() => this.inner.get(k));
  setAndUnlock = (k: string, v: string, t: number, o: string) =>
    this.gate(() => this.inner.setAndUnlock(k, v, t, o));
  deleteIfEquals = (k: string, v: string) => this.gate(() => this.inner.deleteIfEquals(k, v));
  tryLock = (k: string, o: string, t: number) => this.gate(() => this.inner.tryLock(k, o, t));
  extendLock = (k: string, o: string, t: number) => this.gate(() => this.inner.extendLock(k, o, t));
  releaseLock = (k: string, o: string) => this.gate(() => this.inner.releaseLock(k, o));
  waitForUpdate = (k: string, t: number, s?: AbortSignal) => this.inner.waitForUpdate(k, t, s);
}

describe('HoneybeeTokenService with a shared token store', () => {
  const bed = useTokenServiceBed(SECRET);
  let server: RecordingTokenServer;
  let clock: FakeClock;
  let store: MemoryTokenStore;
  let logs: CapturingLogger;
  beforeEach(() => {
    ({ server, clock, logs } = bed);
    store = new MemoryTokenStore(() => clock.now());
  });

  const replica = (
    tokenStore: TokenStore = store,
    over: Partial<HoneybeeAuthModuleOptions> = {},
  ): HoneybeeTokenService =>
    bed.service({ tokenStore: { store: tokenStore, lockTtlMs: 2000 }, ...over });

  it('8 replicas on a cold cache make one token request and share the token', async () => {
    const replicas = Array.from({ length: 8 }, () => replica());
    const tokens = await Promise.all(
      replicas.flatMap((r) => [r.getAccessToken(), r.getAccessToken()]),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('stores the token encrypted, bound to its key', async () => {
    const seen = new Map<string, string>();
    const spy: TokenStore = Object.assign(Object.create(store) as TokenStore, {
      setAndUnlock: async (k: string, v: string, t: number, o: string) => {
        seen.set(k, v);
        return store.setAndUnlock(k, v, t, o);
      },
    });
    const token = await replica(spy).getAccessToken();
    const [[key, value]] = [...seen];
    expect(value).toMatch(/^v1\./);
    expect(value).not.toContain(token);
    expect(key).not.toContain('partner-app');
    // Tampered or moved values are ignored: a new replica fetches its own.
    await put(store, key, value.slice(0, -4) + 'AAAA');
    const other = replica();
    expect(await other.getAccessToken()).not.toBe(token);
    expect(logs.lines.some((l) => l.includes('cannot be decrypted'))).toBe(true);
  });

  it('a replica with another encryption key cannot use the stored token', async () => {
    await replica().getAccessToken();
    const foreign = replica(store, {
      tokenStore: { store, encryptionKey: 'k'.repeat(32) },
    });
    await foreign.getAccessToken();
    expect(server.requests).toHaveLength(2);
  });

  it('a 401 on one replica evicts the token for all; the others adopt the new one', async () => {
    const [a, b] = [replica(), replica()];
    const old = await a.getAccessToken();
    expect(await b.getAccessToken()).toBe(old);
    a.invalidate(old);
    const fresh = await a.getAccessToken();
    expect(fresh).not.toBe(old);
    // b still holds old locally until its own 401; then it adopts a's token without a request.
    b.invalidate(old);
    expect(await b.getAccessToken()).toBe(fresh);
    expect(server.requests).toHaveLength(2);
  });

  it('a late 401 for an old token does not evict the newer stored token', async () => {
    const [a, b, c] = [replica(), replica(), replica()];
    const old = await a.getAccessToken();
    await b.getAccessToken();
    a.invalidate(old);
    const fresh = await a.getAccessToken();
    b.invalidate(old); // late
    await new Promise((r) => setImmediate(r));
    expect(await c.getAccessToken()).toBe(fresh);
    expect(server.requests).toHaveLength(2);
  });

  it('one replica refreshes in the background; the others adopt its token', async () => {
    const replicas = Array.from({ length: 4 }, () => replica());
    const first = await replicas[0].getAccessToken();
    await Promise.all(replicas.map((r) => r.getAccessToken()));
    clock.advance(3600_000 - 250_000);
    const during = await Promise.all(replicas.map((r) => r.getAccessToken()));
    expect(during.every((t) => t === first)).toBe(true);
    await waitFor(() => replicas.every((r) => !r.status().refreshing));
    const after = await Promise.all(replicas.map((r) => r.getAccessToken()));
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(first);
    expect(server.requests).toHaveLength(2);
  });

  it('takes over after the TTL when the lock holder died', async () => {
    // Real time here: the lock's TTL is what runs out.
    const realStore = new MemoryTokenStore();
    const r = replica(realStore, { tokenStore: { store: realStore, lockTtlMs: 80 } });
    const key = storeKeyOf('token:', server.tokenUrl, 'partner-app', '');
    expect(await realStore.tryLock(key, 'dead-replica', 80)).toBe(true);
    const started = performance.now();
    await expect(r.getAccessToken()).resolves.toMatch(/^tok-/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    expect(server.requests).toHaveLength(1);
  });

  describe('the refresh lock through back-off', () => {
    const retryAfter = (seconds: number) => () => ({
      status: 503,
      headers: { 'retry-after': String(seconds) },
      body: { error: 'temporarily_unavailable' },
    });

    it('a Retry-After longer than the lock TTL: the lock is extended first, one token for the fleet', async () => {
      const held = gate();
      server.respond(retryAfter(7), async () => {
        await held.promise;
        return { body: server.tokenBody() };
      });
      const a = replica();
      const fromA = a.getAccessToken();
      await waitFor(() => server.requests.length === 2);
      // A slept 7 s of (injected) time; its lock, 2 s long, was extended to 7 + 2 s first.
      expect(clock.sleeps).toEqual([7000]);
      const b = replica();
      const fromB = b.getAccessToken();
      await new Promise((r) => setTimeout(r, 30));
      held.open();
      const [ta, tb] = await Promise.all([fromA, fromB]);
      expect(tb).toBe(ta);
      expect(server.requests).toHaveLength(2);
    });

    it("a holder that cannot extend its lock before sleeping adopts the next holder's token instead of fetching", async () => {
      const first = gate();
      const second = gate();
      server.respond(
        async () => {
          await first.promise;
          return retryAfter(1)();
        },
        async () => {
          await second.promise;
          return { body: server.tokenBody() };
        },
      );
      const [a, b] = [replica(), replica()];
      const fromA = a.getAccessToken();
      await waitFor(() => server.requests.length === 1);
      // A's request outlives its lock; B takes the lapsed lock and fetches.
      clock.advance(2500);
      const fromB = b.getAccessToken();
      await waitFor(() => server.requests.length === 2);
      first.open(); // A gets its 503, cannot extend, and goes back to waiting.
      await new Promise((r) => setTimeout(r, 30));
      expect(clock.sleeps).toEqual([]);
      second.open();
      const [ta, tb] = await Promise.all([fromA, fromB]);
      expect(ta).toBe(tb);
      expect(server.requests).toHaveLength(2);
      expect(logs.lines.some((l) => l.includes('refresh lock could not be extended'))).toBe(true);
    });

    it('a token fetched under a lapsed lock never overwrites the newer one; a lost lock does not block the write', async () => {
      const key = storeKeyOf('token:', server.tokenUrl, 'partner-app', '');
      expect(await store.tryLock(key, 'slow', 1000)).toBe(true);
      clock.advance(1500);
      expect(await store.tryLock(key, 'fast', 1000)).toBe(true);
      expect(await store.setAndUnlock(key, 'newer', 60_000, 'fast')).toBe(true);
      expect(await store.setAndUnlock(key, 'older', 60_000, 'slow')).toBe(false);
      expect(await store.get(key)).toBe('newer');
      // Lock and token lost (a restart): the write goes in, once.
      const fresh = new MemoryTokenStore(() => clock.now());
      expect(await fresh.setAndUnlock(key, 'after-restart', 60_000, 'slow')).toBe(true);
      expect(await fresh.setAndUnlock(key, 'again', 60_000, 'fast')).toBe(false);
    });
  });

  describe('while the store is down', () => {
    it('a replica with a usable token defers its refresh instead of fetching alone', async () => {
      const flaky = new FlakyStore(store);
      const a = replica(flaky);
      const first = await a.getAccessToken();
      flaky.down = true;
      clock.advance(3600_000 - 250_000); // inside the refresh margin
      expect(await a.getAccessToken()).toBe(first);
      await waitFor(() => !a.status().refreshing);
      expect(server.requests).toHaveLength(1);
      expect(a.status()).toMatchObject({ valid: true, storeHealthy: false, lastError: undefined });
      // Once the token is no longer usable, the replica fetches on its own: calls never break.
      clock.advance(250_000);
      expect(await a.getAccessToken()).not.toBe(first);
      expect(server.requests).toHaveLength(2);
    });
  });

  it('a replica without a token looks at a failing store again for a moment: back within it, the token is adopted, not fetched', async () => {
    const flaky = new FlakyStore(store);
    const shared = await replica(flaky).getAccessToken();
    flaky.down = true;
    const late = replica(flaky);
    const asking = late.getAccessToken();
    await new Promise((r) => setTimeout(r, 250));
    flaky.down = false;
    expect(await asking).toBe(shared);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses at start-up a store that lacks a method, naming it', () => {
    const legacy = { get() {}, set() {}, deleteIfEquals() {}, tryLock() {}, extendLock() {} };
    expect(() =>
      resolveOptions({
        clientId: 'partner-app',
        clientSecret: SECRET,
        tokenStore: { store: { ...legacy, releaseLock() {} } as unknown as TokenStore },
      }),
    ).toThrow('"tokenStore.store" must implement TokenStore (missing setAndUnlock, waitForUpdate)');
  });

  it('reports a store that never answers as unhealthy within a second', async () => {
    const hanging: TokenStore = Object.assign(Object.create(store) as TokenStore, {
      ping: () => new Promise<void>(() => undefined),
    });
    const started = performance.now();
    expect(await replica(hanging).checkStore()).toBe(false);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('closes the store on application shutdown unless told not to', async () => {
    let closed = 0;
    const closable: TokenStore = Object.assign(Object.create(store) as TokenStore, {
      close: async () => void (closed += 1),
    });
    await replica(closable).onApplicationShutdown();
    expect(closed).toBe(1);
    await replica(closable, {
      tokenStore: { store: closable, closeOnShutdown: false },
    }).onApplicationShutdown();
    expect(closed).toBe(1);
  });

  it('falls back to local fetching when the store is down, logs once, and recovers', async () => {
    const flaky = new FlakyStore(store);
    const a = replica(flaky);
    const b = replica(flaky);
    flaky.down = true;
    const ta = await a.getAccessToken();
    expect(ta).toMatch(/^tok-/);
    expect(a.status().storeHealthy).toBe(false);
    a.invalidate(ta);
    await a.getAccessToken();
    expect(logs.lines.filter((l) => l.includes('Shared token store unavailable'))).toHaveLength(1);
    flaky.down = false;
    expect(await a.checkStore()).toBe(true);
    expect(logs.lines.some((l) => l.includes('reachable again'))).toBe(true);
    // Back to sharing: b fetches through the store, a adopts after its next 401.
    const tb = await b.getAccessToken();
    a.invalidate(await a.getAccessToken());
    expect(await a.getAccessToken()).toBe(tb);
  });
});

/** A promise the test opens when it chooses. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Writes `value` at `key` the way a replica does: under the lock. */
async function put(store: TokenStore, key: string, value: string): Promise<void> {
  expect(await store.tryLock(key, 'test-writer', 1000)).toBe(true);
  expect(await store.setAndUnlock(key, value, 60_000, 'test-writer')).toBe(true);
}

async function waitFor(cond: () => boolean, max = 5000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > max) throw new Error('condition not met');
    await new Promise((r) => setImmediate(r));
  }
}
