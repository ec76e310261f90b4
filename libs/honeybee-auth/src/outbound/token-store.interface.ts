/**
 * A store shared by the replicas of an application, so that they hold one token per scope set
 * and only one of them fetches it. Values are opaque strings (the token service encrypts them
 * before they reach the store); keys are already namespaced.
 *
 * Every method may reject (store down, timeout): the token service then falls back to fetching
 * locally, so an implementation should fail fast rather than queue.
 */
export interface TokenStore {
  /** The value at `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value` at `key` for `ttlMs`, releases the lock `key` and wakes the waiters of
   * {@link waitForUpdate}, in one atomic step, while `owner` holds that lock, or while nobody
   * holds it and no value is stored (the lock was lost with the data, say in a restart). A
   * fenced write: a replica whose lock lapsed never overwrites the value of the one that took
   * over. Resolves whether it stored.
   */
  setAndUnlock(key: string, value: string, ttlMs: number, owner: string): Promise<boolean>;
  /** Deletes `key` only while it still holds `value` (compare-and-delete). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /**
   * Takes the lock `key` for `owner` for `ttlMs`, if nobody holds it. Locks and values live in
   * separate namespaces: the lock `key` is not the value at `key`.
   */
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock while `owner` still holds it. */
  extendLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock only if `owner` holds it. */
  releaseLock(key: string, owner: string): Promise<void>;
  /**
   * Resolves when `key` is set by anyone, or after `timeoutMs`, whichever is first
   * (implementations may also poll). Never rejects on timeout.
   */
  waitForUpdate(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** A cheap reachability check for health reports. */
  ping?(): Promise<void>;
  /**
   * Releases what the store opened (connections); called on application shutdown unless
   * `tokenStore.closeOnShutdown` is false. Must leave alone what the caller passed in.
   */
  close?(): Promise<void>;
}
