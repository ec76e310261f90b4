import { Logger } from '@nestjs/common';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { deferred } from '../testing/deferred.js';
import { useTokenServiceBed } from '../testing/token-service.bed.js';
import { waitFor } from '../testing/wait-for.js';
import { cacheToken } from './cached-token.js';
import type { CachedToken } from './cached-token.js';
import { MemoryTokenStore } from './memory-token.store.js';
import { RefreshLock } from './refresh-lock.js';
import { ReplicaCoordinator, SharedRefreshDeferred } from './replica.coordinator.js';
import type { FetchToken } from './replica.coordinator.js';
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

describe('ReplicaCoordinator', () => {
  const bed = useTokenServiceBed(SECRET);
  /** The store the replicas share, on the bed's clock. */
  let store: MemoryTokenStore;
  beforeEach(() => {
    store = new MemoryTokenStore(() => bed.clock.now());
  });

  describe('token services sharing a store', () => {
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
      expect(bed.server.requests).toHaveLength(1);
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
      expect(bed.logs.lines.some((l) => l.includes('cannot be decrypted'))).toBe(true);
    });

    it('a replica with another encryption key cannot use the stored token', async () => {
      await replica().getAccessToken();
      const foreign = replica(store, {
        tokenStore: { store, encryptionKey: 'k'.repeat(32) },
      });
      await foreign.getAccessToken();
      expect(bed.server.requests).toHaveLength(2);
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
      expect(bed.server.requests).toHaveLength(2);
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
      expect(bed.server.requests).toHaveLength(2);
    });

    it('one replica refreshes in the background; the others adopt its token', async () => {
      const replicas = Array.from({ length: 4 }, () => replica());
      const first = await replicas[0].getAccessToken();
      await Promise.all(replicas.map((r) => r.getAccessToken()));
      bed.clock.advance(3600_000 - 250_000);
      const during = await Promise.all(replicas.map((r) => r.getAccessToken()));
      expect(during.every((t) => t === first)).toBe(true);
      await waitFor(() => replicas.every((r) => !r.status().refreshing));
      const after = await Promise.all(replicas.map((r) => r.getAccessToken()));
      expect(new Set(after).size).toBe(1);
      expect(after[0]).not.toBe(first);
      expect(bed.server.requests).toHaveLength(2);
    });

    it('takes over after the TTL when the lock holder died', async () => {
      // Real time here: the lock's TTL is what runs out.
      const realStore = new MemoryTokenStore();
      const r = replica(realStore, { tokenStore: { store: realStore, lockTtlMs: 80 } });
      const key = storeKeyOf('token:', bed.server.tokenUrl, 'partner-app', '');
      expect(await realStore.tryLock(key, 'dead-replica', 80)).toBe(true);
      const started = performance.now();
      await expect(r.getAccessToken()).resolves.toMatch(/^tok-/);
      expect(performance.now() - started).toBeGreaterThanOrEqual(70);
      expect(bed.server.requests).toHaveLength(1);
    });

    describe('the refresh lock through back-off', () => {
      const retryAfter = (seconds: number) => () => ({
        status: 503,
        headers: { 'retry-after': String(seconds) },
        body: { error: 'temporarily_unavailable' },
      });

      it('a Retry-After longer than the lock TTL: the lock is extended first, one token for the fleet', async () => {
        const held = deferred();
        bed.server.respond(retryAfter(7), async () => {
          await held.promise;
          return { body: bed.server.tokenBody() };
        });
        const a = replica();
        const fromA = a.getAccessToken();
        await waitFor(() => bed.server.requests.length === 2);
        // A slept 7 s of (injected) time; its lock, 2 s long, was extended to 7 + 2 s first.
        expect(bed.clock.sleeps).toEqual([7000]);
        const b = replica();
        const fromB = b.getAccessToken();
        await new Promise((r) => setTimeout(r, 30));
        held.resolve();
        const [ta, tb] = await Promise.all([fromA, fromB]);
        expect(tb).toBe(ta);
        expect(bed.server.requests).toHaveLength(2);
      });

      it("a holder that cannot extend its lock before sleeping adopts the next holder's token instead of fetching", async () => {
        const first = deferred();
        const second = deferred();
        bed.server.respond(
          async () => {
            await first.promise;
            return retryAfter(1)();
          },
          async () => {
            await second.promise;
            return { body: bed.server.tokenBody() };
          },
        );
        const [a, b] = [replica(), replica()];
        const fromA = a.getAccessToken();
        await waitFor(() => bed.server.requests.length === 1);
        // A's request outlives its lock; B takes the lapsed lock and fetches.
        bed.clock.advance(2500);
        const fromB = b.getAccessToken();
        await waitFor(() => bed.server.requests.length === 2);
        first.resolve(); // A gets its 503, cannot extend, and goes back to waiting.
        await new Promise((r) => setTimeout(r, 30));
        expect(bed.clock.sleeps).toEqual([]);
        second.resolve();
        const [ta, tb] = await Promise.all([fromA, fromB]);
        expect(ta).toBe(tb);
        expect(bed.server.requests).toHaveLength(2);
        expect(bed.logs.lines.some((l) => l.includes('refresh lock could not be extended'))).toBe(
          true,
        );
      });
    });

    describe('while the store is down', () => {
      it('a replica with a usable token defers its refresh instead of fetching alone', async () => {
        const flaky = new FlakyStore(store);
        const a = replica(flaky);
        const first = await a.getAccessToken();
        flaky.down = true;
        bed.clock.advance(3600_000 - 250_000); // inside the refresh margin
        expect(await a.getAccessToken()).toBe(first);
        await waitFor(() => !a.status().refreshing);
        expect(bed.server.requests).toHaveLength(1);
        expect(a.status()).toMatchObject({
          valid: true,
          storeHealthy: false,
          lastError: undefined,
        });
        // Once the token is no longer usable, the replica fetches on its own: calls never break.
        bed.clock.advance(250_000);
        expect(await a.getAccessToken()).not.toBe(first);
        expect(bed.server.requests).toHaveLength(2);
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
      expect(bed.server.requests).toHaveLength(1);
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
      expect(
        bed.logs.lines.filter((l) => l.includes('Shared token store unavailable')),
      ).toHaveLength(1);
      flaky.down = false;
      expect(await a.checkStore()).toBe(true);
      expect(bed.logs.lines.some((l) => l.includes('reachable again'))).toBe(true);
      // Back to sharing: b fetches through the store, a adopts after its next 401.
      const tb = await b.getAccessToken();
      a.invalidate(await a.getAccessToken());
      expect(await a.getAccessToken()).toBe(tb);
    });
  });

  describe('called with a fetch function', () => {
    const key = storeKeyOf(
      'token:',
      'https://auth.honeybeehealth.com/oauth/token',
      'partner-app',
      '',
    );
    const coordinator = (tokenStore: TokenStore = store) => {
      const options = bed.options({
        tokenUrl: 'https://auth.honeybeehealth.com/oauth/token',
        tokenStore: { store: tokenStore, lockTtlMs: 2000 },
      });
      const shutdown = new AbortController();
      const c = new ReplicaCoordinator(
        options,
        options.tokenStore!,
        bed.clock,
        shutdown.signal,
        new Logger('HoneybeeTokenService'),
      );
      return { c, options };
    };
    /** A token of an hour issued now, as `TokenFetcher.fetch` returns it. */
    const issued = (accessToken: string): CachedToken =>
      cacheToken(
        { accessToken, lifetimeMs: 3600_000, obtainedAt: bed.clock.now() },
        { refreshMarginMs: 300_000, expiryLeewayMs: 10_000 },
      );

    it('fetches under the lock, keeps it through the back-off the fetch asks for, and shares the result', async () => {
      const { c } = coordinator();
      const fetch: FetchToken = async (beforeSleep) => {
        expect(await new RefreshLock(store, key, 2000).acquire()).toBe(false);
        // A 7 s back-off: the lock now lasts 7 s + its TTL.
        expect(await beforeSleep!(7000)).toBe(true);
        bed.clock.advance(8999);
        expect(await new RefreshLock(store, key, 2000).acquire()).toBe(false);
        return issued('tok-shared');
      };
      const token = await c.refresh({ key: '' }, fetch);
      expect(token).toMatchObject({
        accessToken: 'tok-shared',
        sealed: expect.stringMatching(/^v1\./),
      });
      expect(await store.get(key)).toBe(token.sealed);
      // Handed over with the token: the lock is free again.
      expect(await new RefreshLock(store, key, 2000).acquire()).toBe(true);
    });

    it("adopts the stored token without calling fetch, unless it is the slot's own or a rejected one", async () => {
      const { c } = coordinator();
      const first = await c.refresh({ key: '' }, async () => issued('tok-first'));
      let fetched = 0;
      const fetch: FetchToken = async () => issued(`tok-${++fetched}`);
      expect((await c.refresh({ key: '' }, fetch)).accessToken).toBe('tok-first');
      expect(fetched).toBe(0);
      expect((await c.refresh({ key: '', current: first }, fetch)).accessToken).toBe('tok-1');
      const replaced = await c.refresh({ key: '', rejected: 'tok-1' }, fetch);
      expect(replaced.accessToken).toBe('tok-2');
      expect(fetched).toBe(2);
    });

    it('defers without fetching when the store fails and the slot still has a usable token', async () => {
      const flaky = new FlakyStore(store);
      flaky.down = true;
      const { c } = coordinator(flaky);
      let fetched = 0;
      const refresh = c.refresh({ key: '', current: issued('tok-current') }, async () => {
        fetched += 1;
        return issued('tok-alone');
      });
      await expect(refresh).rejects.toBeInstanceOf(SharedRefreshDeferred);
      expect(fetched).toBe(0);
      expect(c.healthy).toBe(false);
    });

    it('evicts a token only while it is still the stored one', async () => {
      const { c } = coordinator();
      const old = await c.refresh({ key: '' }, async () => issued('tok-old'));
      const fresh = await c.refresh({ key: '', rejected: 'tok-old' }, async () =>
        issued('tok-new'),
      );
      c.evict('', old);
      await new Promise((r) => setImmediate(r));
      expect(await store.get(key)).toBe(fresh.sealed);
      c.evict('', fresh);
      await new Promise((r) => setImmediate(r));
      expect(await store.get(key)).toBeUndefined();
    });
  });
});

/** Writes `value` at `key` the way a replica does: under the lock. */
async function put(store: TokenStore, key: string, value: string): Promise<void> {
  expect(await store.tryLock(key, 'test-writer', 1000)).toBe(true);
  expect(await store.setAndUnlock(key, value, 60_000, 'test-writer')).toBe(true);
}
