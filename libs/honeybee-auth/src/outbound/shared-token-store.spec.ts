import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import type { CapturingLogger } from '../testing/capturing-logger.js';
import type { FakeClock } from '../testing/fake-clock.js';
import type { RecordingTokenServer } from '../testing/recording-token-server.js';
import { useTokenServiceBed } from '../testing/token-service.bed.js';
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
  set = (k: string, v: string, t: number) => this.gate(() => this.inner.set(k, v, t));
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
      set: async (k: string, v: string, t: number) => {
        seen.set(k, v);
        return store.set(k, v, t);
      },
    });
    const token = await replica(spy).getAccessToken();
    const [[key, value]] = [...seen];
    expect(value).toMatch(/^v1\./);
    expect(value).not.toContain(token);
    expect(key).not.toContain('partner-app');
    // Tampered or moved values are ignored: a new replica fetches its own.
    await store.set(key, value.slice(0, -4) + 'AAAA', 60_000);
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

async function waitFor(cond: () => boolean, max = 5000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > max) throw new Error('condition not met');
    await new Promise((r) => setImmediate(r));
  }
}
