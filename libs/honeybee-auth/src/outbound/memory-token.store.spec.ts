import { FakeClock } from '../testing/fake-clock.js';
import { MemoryTokenStore } from './memory-token.store.js';

describe('MemoryTokenStore', () => {
  let clock: FakeClock;
  let store: MemoryTokenStore;
  const key = 'token:k';

  beforeEach(() => {
    clock = new FakeClock();
    store = new MemoryTokenStore(() => clock.now());
  });

  it('a token fetched under a lapsed lock never overwrites the newer one; a lost lock does not block the write', async () => {
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

  it('forgets a value after its TTL', async () => {
    expect(await store.tryLock(key, 'a', 1000)).toBe(true);
    expect(await store.setAndUnlock(key, 'v', 5000, 'a')).toBe(true);
    clock.advance(4999);
    expect(await store.get(key)).toBe('v');
    clock.advance(1);
    expect(await store.get(key)).toBeUndefined();
  });

  it('deletes only the value it is given (compare-and-delete)', async () => {
    await store.setAndUnlock(key, 'v', 5000, 'a');
    expect(await store.deleteIfEquals(key, 'other')).toBe(false);
    expect(await store.get(key)).toBe('v');
    expect(await store.deleteIfEquals(key, 'v')).toBe(true);
    expect(await store.get(key)).toBeUndefined();
  });

  it('wakes a waiter when the value is set, and ends the wait on abort', async () => {
    let woken = false;
    const waiting = store.waitForUpdate(key, 60_000).then(() => (woken = true));
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(false);
    await store.setAndUnlock(key, 'v', 5000, 'a');
    await waiting;
    const shutdown = new AbortController();
    const aborted = store.waitForUpdate(key, 60_000, shutdown.signal);
    shutdown.abort();
    await aborted;
  });
});
