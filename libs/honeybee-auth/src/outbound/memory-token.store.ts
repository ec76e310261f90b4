import { EventEmitter } from 'node:events';
import type { TokenStore } from './token-store.interface.js';

/**
 * A {@link TokenStore} in this process's memory: lets several `HoneybeeTokenService` instances
 * (several modules, or tests standing in for replicas) share tokens and locks. For replicas in
 * separate processes use `RedisTokenStore`.
 */
export class MemoryTokenStore implements TokenStore {
  private readonly values = new Map<string, { value: string; expiresAt: number }>();
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();
  private readonly updates = new EventEmitter().setMaxListeners(0);

  /** @param now the clock, in epoch ms (inject a fake one in tests). */
  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | undefined> {
    const e = this.values.get(key);
    if (e && e.expiresAt > this.now()) return e.value;
    this.values.delete(key);
    return undefined;
  }

  async setAndUnlock(key: string, value: string, ttlMs: number, owner: string): Promise<boolean> {
    const free = !this.lockedByAnyone(key) && (await this.get(key)) === undefined;
    if (!this.holds(key, owner) && !free) return false;
    this.locks.delete(key);
    this.values.set(key, { value, expiresAt: this.now() + ttlMs });
    this.updates.emit(key);
    return true;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.values.get(key)?.value !== value) return false;
    return this.values.delete(key);
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    if (this.lockedByAnyone(key)) return false;
    this.locks.set(key, { owner, expiresAt: this.now() + ttlMs });
    return true;
  }

  async extendLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!this.holds(key, owner)) return false;
    this.locks.get(key)!.expiresAt = this.now() + ttlMs;
    return true;
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    if (this.locks.get(key)?.owner === owner) this.locks.delete(key);
  }

  waitForUpdate(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.updates.off(key, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs).unref();
      this.updates.once(key, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private holds(key: string, owner: string): boolean {
    return this.lockedByAnyone(key) && this.locks.get(key)!.owner === owner;
  }

  private lockedByAnyone(key: string): boolean {
    return (this.locks.get(key)?.expiresAt ?? 0) > this.now();
  }
}
