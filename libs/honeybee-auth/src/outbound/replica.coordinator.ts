import type { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../common/clock.js';
import { maskToken } from '../common/secret.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import type { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import { recordLockWait } from '../telemetry/lock-wait.record.js';
import type { LockWaitResult } from '../telemetry/telemetry.conventions.js';
import { cacheToken, isUsable } from './cached-token.js';
import type { CachedToken } from './cached-token.js';
import { RefreshLock, RefreshLockLostError } from './refresh-lock.js';
import type { BeforeSleep } from './token.fetcher.js';
import { TokenSealer, storeKeyOf } from './token-sealer.js';
import { TokenStoreHealth } from './token-store.health.js';
import { instrumentedTokenStore } from './instrumented-token.store.js';
import type { TokenStore } from './token-store.interface.js';

/**
 * How long a replica without a usable token keeps looking at a failing store before it fetches
 * on its own, in milliseconds: a Redis restart or failover is often over by then, and a token
 * fetched alone would revoke the fleet's where Honeybee revokes previous tokens.
 */
const STORE_GRACE_MS = 1000;
/** Pause between two looks at a failing store, in milliseconds. */
const STORE_RETRY_MS = 100;

/**
 * A shared refresh put off while the current token is still usable: the caller keeps that
 * token and asks again soon. Never reaches the callers of the token service.
 */
export class SharedRefreshDeferred extends Error {
  override readonly name = 'SharedRefreshDeferred';
}

/** Gets a new token from the token endpoint (see `TokenFetcher.fetch`). */
export type FetchToken = (beforeSleep?: BeforeSleep) => Promise<CachedToken>;

/**
 * What the coordinator reads of a scope set's slot, live (an invalidation may change it while
 * a refresh waits).
 */
export interface ReplicaSlot {
  /** The scope set, space-joined and normalised. */
  readonly key: string;
  /** The token this replica holds (the one being replaced), if any. */
  readonly current?: CachedToken;
  /** The last token invalidated here: never adopted again from the store. */
  readonly rejected?: string;
}

/**
 * Coordinates the replicas that share a `TokenStore`, so that they hold one token per scope set
 * and only one of them fetches it. A refresh adopts another replica's token from the store, or
 * takes the refresh lock and fetches for all (keeping the lock through every back-off sleep),
 * or waits for the lock holder's token. Tokens are sealed ({@link TokenSealer}) before they
 * reach the store; every store call reports to a {@link TokenStoreHealth}, and is counted
 * (`instrumentedTokenStore`), as is each wait for another replica's token.
 */
export class ReplicaCoordinator {
  private readonly sealer: TokenSealer;
  private readonly health: TokenStoreHealth;
  /** The shared store, every operation counted. */
  private readonly store: TokenStore;
  private undecryptableWarned = false;

  /**
   * @param signal module shutdown: ends waits at once (the fetch that follows then fails with
   *   kind `aborted`).
   */
  constructor(
    private readonly options: ResolvedHoneybeeAuthOptions,
    private readonly shared: NonNullable<ResolvedHoneybeeAuthOptions['tokenStore']>,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    private readonly logger: Logger,
    private readonly telemetry?: HoneybeeTelemetry,
  ) {
    this.sealer = new TokenSealer(shared.encryptionKey.reveal(), options.clientId);
    this.store = instrumentedTokenStore(shared.store, telemetry);
    this.health = new TokenStoreHealth(this.store, logger);
  }

  /** Whether the store answered the last time it was used. */
  get healthy(): boolean {
    return this.health.isHealthy;
  }

  /**
   * A new token for `slot`: adopt another replica's, or take the lock and `fetch` for all;
   * those without the lock wait for the winner's token. A lock that cannot be kept through a
   * back-off sends its holder back to adopting or waiting. When the store fails or the wait
   * runs out, a replica that still has a usable token defers the refresh (fetching on its own
   * would only compete with the replica holding the lock); one without looks at the store again
   * for up to {@link STORE_GRACE_MS}, then fetches locally, so Redis trouble never breaks calls.
   *
   * @throws SharedRefreshDeferred when the refresh is put off (the slot's token is usable).
   * @throws HoneybeeTokenError from `fetch`.
   */
  async refresh(slot: ReplicaSlot, fetch: FetchToken): Promise<CachedToken> {
    const { lockTtlMs, waitTimeoutMs } = this.shared;
    const key = this.storeKey(slot.key);
    // Waiting is real time (the store's TTLs and pub/sub are), not the injected clock.
    const started = performance.now();
    const deadline = started + waitTimeoutMs;
    const graceEnd = started + Math.min(waitTimeoutMs, STORE_GRACE_MS);
    /** Since when this replica waits for another one's token (it found the lock taken). */
    let waitingSince: number | undefined;
    const waited = (result: LockWaitResult) => {
      if (waitingSince === undefined) return;
      recordLockWait(this.telemetry, slot.key, performance.now() - waitingSince, result);
      waitingSince = undefined;
    };
    for (;;) {
      let failed = false;
      try {
        const attempt = { locked: false };
        const token = await this.adoptOrFetchUnderLock(slot, key, fetch, attempt);
        if (token) {
          waited(attempt.locked ? 'acquired' : 'adopted');
          return token;
        }
        waitingSince ??= performance.now();
      } catch (err) {
        if (err instanceof HoneybeeTokenError) {
          waited('acquired');
          throw err;
        }
        this.health.failed(err);
        failed = true;
      }
      let pauseMs: number;
      if (failed) {
        if (this.usable(slot) || performance.now() >= graceEnd) {
          waited('store_failed');
          return await this.withoutSharing(slot, fetch, 'the shared token store is unavailable');
        }
        pauseMs = STORE_RETRY_MS;
      } else {
        const left = deadline - performance.now();
        if (left <= 0) {
          waited('timed_out');
          return await this.withoutSharing(
            slot,
            fetch,
            `waited ${waitTimeoutMs} ms for another replica's token`,
          );
        }
        pauseMs = Math.min(left, lockTtlMs);
      }
      await this.waitForToken(key, pauseMs);
      if (this.signal.aborted) return await fetch();
    }
  }

  /**
   * Evicts `token` from the store for every replica, but only while it is still the stored
   * one (a late 401 never evicts a newer token). Does not wait for the store.
   */
  evict(scopeKey: string, token: CachedToken): void {
    if (!token.sealed) return;
    this.store.deleteIfEquals(this.storeKey(scopeKey), token.sealed).then(
      () => this.health.ok(),
      (err: unknown) => this.health.failed(err),
    );
  }

  /** Pings the store, for at most a second, and resolves whether it answered. */
  check(): Promise<boolean> {
    return this.health.check();
  }

  /** Closes the store unless `tokenStore.closeOnShutdown` is false. */
  async close(): Promise<void> {
    if (this.shared.closeOnShutdown) await this.shared.store.close?.();
  }

  /**
   * Another replica's token, or one fetched under the lock for all (then `attempt.locked` is
   * set: this replica fetched). Undefined when the lock is taken, or was lost before a back-off sleep: the caller
   * waits for the holder's token.
   */
  private async adoptOrFetchUnderLock(
    slot: ReplicaSlot,
    key: string,
    fetch: FetchToken,
    attempt: { locked: boolean },
  ): Promise<CachedToken | undefined> {
    const adopted = await this.readShared(slot, key);
    if (adopted) return adopted;
    const lock = new RefreshLock(this.store, key, this.shared.lockTtlMs);
    if (!(await lock.acquire())) return undefined;
    try {
      // Double-check: the previous holder may have stored a token just before we locked.
      const again = await this.readShared(slot, key);
      if (again) return again;
      attempt.locked = true;
      const token = await fetch((sleepMs) => lock.extendFor(sleepMs));
      return await this.writeShared(key, token, lock);
    } catch (err) {
      if (err instanceof RefreshLockLostError) {
        this.logger.warn(`${err.message}; adopting or waiting instead of fetching`);
        return undefined;
      }
      throw err;
    } finally {
      await lock.release();
    }
  }

  /**
   * Waits until the store's token for `key` changes, or `timeoutMs` passes, or shutdown: the
   * lock holder's token, or a failing store's next chance.
   */
  private async waitForToken(key: string, timeoutMs: number): Promise<void> {
    await this.store.waitForUpdate(key, timeoutMs, this.signal);
  }

  /**
   * The store cannot coordinate this refresh: with a usable token, try again later (see
   * {@link SharedRefreshDeferred}); without one, fetch locally.
   */
  private async withoutSharing(
    slot: ReplicaSlot,
    fetch: FetchToken,
    reason: string,
  ): Promise<CachedToken> {
    if (this.usable(slot)) {
      throw new SharedRefreshDeferred(`Token refresh deferred: ${reason}`);
    }
    this.logger.warn(`Fetching a token locally: ${reason}`);
    return fetch();
  }

  /** A usable token from the store that is not the one being replaced nor a rejected one. */
  private async readShared(slot: ReplicaSlot, key: string): Promise<CachedToken | undefined> {
    const value = await this.store.get(key);
    this.health.ok();
    if (!value) return undefined;
    const shared = this.sealer.open(key, value);
    if (!shared) {
      if (!this.undecryptableWarned) {
        this.undecryptableWarned = true;
        this.logger.warn(
          'A token in the shared store cannot be decrypted (replicas with different encryption keys or client secrets?); ignoring it',
        );
      }
      return undefined;
    }
    if (shared.accessToken === slot.rejected || shared.accessToken === slot.current?.accessToken) {
      return undefined;
    }
    const token = cacheToken(
      {
        accessToken: shared.accessToken,
        lifetimeMs: shared.expiresAt - shared.obtainedAt,
        obtainedAt: shared.obtainedAt,
        sealed: value,
      },
      this.options,
    );
    return isUsable(token, this.clock.now()) ? token : undefined;
  }

  /**
   * Stores a freshly fetched token for all replicas while our lock still stands; a lapsed lock
   * or a store failure only costs sharing.
   */
  private async writeShared(
    key: string,
    token: CachedToken,
    lock: RefreshLock,
  ): Promise<CachedToken> {
    const sealed = this.sealer.seal(key, {
      accessToken: token.accessToken,
      expiresAt: token.expiresAt,
      obtainedAt: token.obtainedAt,
    });
    try {
      const stored = await lock.commit(sealed, token.expiresAt - this.clock.now());
      this.health.ok();
      if (stored) return { ...token, sealed };
      this.logger.warn(
        `The refresh lock was lost before token ${maskToken(token.accessToken)} was stored; using it without sharing`,
      );
      return token;
    } catch (err) {
      this.health.failed(err);
      return token;
    }
  }

  private usable(slot: ReplicaSlot): boolean {
    return isUsable(slot.current, this.clock.now());
  }

  private storeKey(scopeKey: string): string {
    return storeKeyOf('token:', this.options.tokenUrl, this.options.clientId, scopeKey);
  }
}
