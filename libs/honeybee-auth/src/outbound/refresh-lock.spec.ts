import { FakeClock } from '../testing/fake-clock.js';
import { MemoryTokenStore } from './memory-token.store.js';
import { RefreshLock } from './refresh-lock.js';
import type { TokenStore } from './token-store.interface.js';

describe('RefreshLock', () => {
  let clock: FakeClock;
  let store: MemoryTokenStore;

  beforeEach(() => {
    clock = new FakeClock();
    store = new MemoryTokenStore(() => clock.now());
  });

  it('is exclusive: a second lock on the key is not acquired until the first is released', async () => {
    const [a, b] = [new RefreshLock(store, 'k', 1000), new RefreshLock(store, 'k', 1000)];
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    await a.release();
    expect(await b.acquire()).toBe(true);
  });

  it('extends for the sleep plus its TTL', async () => {
    const [a, b] = [new RefreshLock(store, 'k', 1000), new RefreshLock(store, 'k', 1000)];
    await a.acquire();
    expect(await a.extendFor(7000)).toBe(true);
    clock.advance(7999);
    expect(await b.acquire()).toBe(false);
    clock.advance(2);
    expect(await b.acquire()).toBe(true);
  });

  it('a lost lock cannot be extended, and is not taken from its new holder', async () => {
    const [a, b] = [new RefreshLock(store, 'k', 1000), new RefreshLock(store, 'k', 1000)];
    await a.acquire();
    clock.advance(1001);
    expect(await b.acquire()).toBe(true);
    expect(await a.extendFor(5000)).toBe(false);
    await a.release();
    expect(await new RefreshLock(store, 'k', 1000).acquire()).toBe(false);
  });

  it('a store that fails to extend counts as a lost lock', async () => {
    const failing: TokenStore = Object.assign(Object.create(store) as TokenStore, {
      extendLock: () => Promise.reject(new Error('Redis did not answer within 500 ms')),
    });
    const lock = new RefreshLock(failing, 'k', 1000);
    await lock.acquire();
    expect(await lock.extendFor(1000)).toBe(false);
    // …and it let go of what may be left of it.
    expect(await new RefreshLock(store, 'k', 1000).acquire()).toBe(true);
  });

  it('commits the value and the release in one step, only while it holds the lock', async () => {
    const [a, b] = [new RefreshLock(store, 'k', 1000), new RefreshLock(store, 'k', 1000)];
    await a.acquire();
    expect(await a.commit('token-a', 60_000)).toBe(true);
    expect(await store.get('k')).toBe('token-a');
    expect(await b.acquire()).toBe(true);
    expect(await new RefreshLock(store, 'k', 1000).commit('late', 60_000)).toBe(false);
    expect(await store.get('k')).toBe('token-a');
  });
});
