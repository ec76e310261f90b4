import { randomUUID } from 'node:crypto';
import type { TokenStore } from './token-store.interface.js';

/**
 * Thrown out of a token request when the refresh lock could not be extended before a sleep:
 * another replica may fetch now, so this one must not fetch too.
 */
export class RefreshLockLostError extends Error {
  override readonly name = 'RefreshLockLostError';

  constructor() {
    super('The refresh lock could not be extended; another replica may be fetching');
  }
}

/**
 * The lock one replica holds in a shared {@link TokenStore} while it fetches a token for all
 * replicas: taken with a fresh random owner, extended before every sleep, and either handed
 * over with the token (a write that happens only while the lock is still held) or released.
 */
export class RefreshLock {
  private readonly owner = randomUUID();
  private held = false;

  constructor(
    private readonly store: TokenStore,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lock if nobody holds it; rejects when the store fails. */
  async acquire(): Promise<boolean> {
    this.held = await this.store.tryLock(this.key, this.owner, this.ttlMs);
    return this.held;
  }

  /**
   * Keeps the lock through a sleep of `sleepMs` and one more lock TTL after it. Resolves false,
   * after releasing what may be left of it, when the lock is no longer ours or the store does
   * not answer: the caller must then not fetch.
   */
  async extendFor(sleepMs: number): Promise<boolean> {
    const extended = await this.store
      .extendLock(this.key, this.owner, Math.ceil(sleepMs) + this.ttlMs)
      .catch(() => false);
    if (!extended) await this.release();
    return extended;
  }

  /**
   * Stores `value` for every replica and releases the lock in one step, only while no other
   * replica has taken the lock or stored a value since (see `TokenStore.setAndUnlock`).
   * Resolves whether it stored; rejects when the store fails.
   */
  async commit(value: string, ttlMs: number): Promise<boolean> {
    const stored = await this.store.setAndUnlock(this.key, value, ttlMs, this.owner);
    this.held = false;
    return stored;
  }

  /** Releases the lock if this replica may still hold it; never rejects. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.store.releaseLock(this.key, this.owner).catch(() => undefined);
  }
}
