import type { OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { maskToken } from '../common/secret.js';
import { isScopeToken, normalizeScopes } from '../common/scopes.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { HONEYBEE_AUTH_OPTIONS } from '../options/resolved-options.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { TokenEndpointClient } from './token-endpoint.client.js';
import { TokenSealer, storeKeyOf } from './token-sealer.js';
import { RefreshLock, RefreshLockLostError } from './refresh-lock.js';
import { unboundedAbortController } from '../common/deadline.js';

/** Longest `checkStore()` waits for the store, in milliseconds. */
const STORE_CHECK_TIMEOUT_MS = 1000;
/**
 * How long a replica without a usable token keeps looking at a failing store before it fetches
 * on its own, in milliseconds: a Redis restart or failover is often over by then, and a token
 * fetched alone would revoke the fleet's where Honeybee revokes previous tokens.
 */
const STORE_GRACE_MS = 1000;
/** Pause between two looks at a failing store, in milliseconds. */
const STORE_RETRY_MS = 100;

/** A shared refresh put off while the current token is still usable (never reaches callers). */
class SharedRefreshDeferred extends Error {
  override readonly name = 'SharedRefreshDeferred';
}

/** A cached token and the moments that matter for it, in epoch ms. */
interface CachedToken {
  readonly accessToken: string;
  /** Local send time + `expires_in`. */
  readonly expiresAt: number;
  /** Local send time of the token request. */
  readonly obtainedAt: number;
  /** After this, a background refresh starts (margin + jitter before expiry). */
  readonly refreshAt: number;
  /** After this, the token is no longer handed out (leeway before expiry). */
  readonly usableUntil: number;
  /** The encrypted value in the shared store, when it came from or went to one. */
  readonly sealed?: string;
}

/** Per scope set: the current token, the request in flight, the next background attempt. */
interface Slot {
  readonly key: string;
  current?: CachedToken;
  inflight?: Promise<CachedToken>;
  backgroundRetryAt: number;
  lastError?: HoneybeeTokenError;
  /** The last token invalidated here: never adopted again from the shared store. */
  rejected?: string;
}

/** A snapshot of the provider's state for one scope set, for health checks. */
export interface HoneybeeTokenStatus {
  /** A token is cached and may still be handed out. */
  valid: boolean;
  /** Its expiry in epoch ms. */
  expiresAt?: number;
  /** A token request is in flight. */
  refreshing: boolean;
  /** With a shared token store: whether it answered the last time it was used. */
  storeHealthy?: boolean;
  /** The last failure, if the last attempt failed. */
  lastError?: Pick<HoneybeeTokenError, 'kind' | 'status' | 'error' | 'requestId' | 'message'>;
}

/**
 * Holds valid Honeybee access tokens (OAuth 2.0 client credentials), one per scope set.
 *
 * - Single flight: concurrent callers on a cold or expired cache share one token request.
 * - Expiry is the local time the request was sent plus `expires_in` (Honeybee's
 *   `expires_in` is the *remaining* lifetime; `created_at` is only a skew hint).
 * - Inside `refreshMarginSeconds` (with jitter), the token is refreshed in the background
 *   while callers keep getting the current one.
 * - Transient failures are retried with capped, jittered exponential back-off; OAuth errors
 *   such as `invalid_client` are not. Failures surface as {@link HoneybeeTokenError}.
 *
 * @example
 * const token = await tokens.getAccessToken(['prescriptions:read']);
 */
@Injectable()
export class HoneybeeTokenService implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('HoneybeeTokenService');
  private readonly client: TokenEndpointClient;
  private readonly slots = new Map<string, Slot>();
  /** Aborts work in flight on shutdown; one listener per in-flight call, so no listener cap. */
  private readonly shutdown = unboundedAbortController();
  private readonly sealer?: TokenSealer;
  private skewWarned = false;
  private storeHealthy = true;
  private undecryptableWarned = false;

  constructor(
    @Inject(HONEYBEE_AUTH_OPTIONS) private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HONEYBEE_CLOCK) private readonly clock: Clock,
  ) {
    this.client = new TokenEndpointClient(options);
    if (options.tokenStore) {
      this.sealer = new TokenSealer(options.tokenStore.encryptionKey.reveal(), options.clientId);
    }
  }

  /**
   * A valid access token for `scopes` (default: the module's `scopes`). Order and duplicates
   * in `scopes` do not matter. Resolves from cache when possible.
   * @throws HoneybeeTokenError when no token can be obtained.
   */
  async getAccessToken(scopes?: readonly string[]): Promise<string> {
    const slot = this.slot(this.keyOf(scopes));
    const now = this.clock.now();
    const current = slot.current;
    if (current && now < current.usableUntil) {
      if (now >= current.refreshAt && !slot.inflight && now >= slot.backgroundRetryAt) {
        this.refreshInBackground(slot, current);
      }
      return current.accessToken;
    }
    slot.inflight ??= this.fetch(slot);
    return (await slot.inflight).accessToken;
  }

  /**
   * Forgets `token` (after a 401, say), but only while it is still the cached one: a late 401
   * for an old token never evicts a fresh one. Returns whether anything was forgotten.
   */
  invalidate(token: string): boolean {
    let removed = false;
    for (const slot of this.slots.values()) {
      const current = slot.current;
      if (current?.accessToken !== token) continue;
      slot.current = undefined;
      slot.rejected = token;
      removed = true;
      const store = this.options.tokenStore?.store;
      if (store && current.sealed) {
        // Evict it for every replica, but only while it is still the stored one.
        store.deleteIfEquals(this.storeKey(slot), current.sealed).then(
          () => this.storeOk(),
          (err: unknown) => this.storeFailed(err),
        );
      }
    }
    if (removed) this.logger.log(`Invalidated access token ${maskToken(token)}`);
    return removed;
  }

  /** The state of the token for `scopes` (default: the module's), for health checks. */
  status(scopes?: readonly string[]): HoneybeeTokenStatus {
    const slot = this.slots.get(this.keyOf(scopes));
    const current = slot?.current;
    const err = slot?.lastError;
    return {
      valid: !!current && this.clock.now() < current.usableUntil,
      expiresAt: current?.expiresAt,
      refreshing: !!slot?.inflight,
      storeHealthy: this.options.tokenStore ? this.storeHealthy : undefined,
      lastError: err && {
        kind: err.kind,
        status: err.status,
        error: err.error,
        requestId: err.requestId,
        message: err.message,
      },
    };
  }

  /**
   * With a shared token store: pings it and returns whether it answered (undefined without a
   * store). For health checks.
   */
  async checkStore(): Promise<boolean | undefined> {
    const store = this.options.tokenStore?.store;
    if (!store) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Bounded, so that a hanging custom store cannot hang a health check.
      await Promise.race([
        store.ping ? store.ping() : store.get('ping'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${STORE_CHECK_TIMEOUT_MS} ms`)),
            STORE_CHECK_TIMEOUT_MS,
          ).unref();
        }),
      ]);
      this.storeOk();
    } catch (err) {
      this.storeFailed(err);
    } finally {
      clearTimeout(timer);
    }
    return this.storeHealthy;
  }

  /** Aborts requests and back-off waits in flight; later calls fail with kind `aborted`. */
  onModuleDestroy(): void {
    this.shutdown.abort();
  }

  /** Closes the shared token store (see `tokenStore.closeOnShutdown`). */
  async onApplicationShutdown(): Promise<void> {
    const ts = this.options.tokenStore;
    if (ts?.closeOnShutdown) await ts.store.close?.();
  }

  private keyOf(scopes: readonly string[] | undefined): string {
    if (scopes === undefined) return this.options.scopes.join(' ');
    for (const s of scopes) {
      if (typeof s !== 'string' || !isScopeToken(s)) {
        throw new HoneybeeTokenError(
          `Invalid scope ${JSON.stringify(s)}: printable ASCII without spaces, quotes or backslashes`,
          { kind: 'invalid_argument' },
        );
      }
    }
    return normalizeScopes(scopes).join(' ');
  }

  private slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { key, backgroundRetryAt: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  private refreshInBackground(slot: Slot, current: CachedToken): void {
    const p = this.fetch(slot);
    slot.inflight = p;
    p.catch((err: Error) => {
      // The current token is still valid: keep serving it and try again later.
      const remaining = current.usableUntil - this.clock.now();
      if (err instanceof SharedRefreshDeferred) {
        // Asking the store again costs little: soon, to share again as soon as it answers.
        slot.backgroundRetryAt = this.clock.now() + Math.min(1000, Math.max(50, remaining / 8));
        this.logger.debug(`${err.message}; the current token stays in use`);
        return;
      }
      slot.backgroundRetryAt =
        this.clock.now() + Math.min(this.options.retry.maxDelayMs, Math.max(1000, remaining / 4));
      this.logger.warn(
        `Background token refresh failed; the current token ${maskToken(current.accessToken)} stays in use until it expires: ${err.message}`,
      );
    });
  }

  private async fetch(slot: Slot): Promise<CachedToken> {
    try {
      const token = this.options.tokenStore
        ? await this.fetchShared(slot)
        : await this.requestWithRetries(slot.key);
      slot.current = token;
      slot.lastError = undefined;
      slot.backgroundRetryAt = 0;
      return token;
    } catch (err) {
      // A deferred shared refresh is not a failure to get a token.
      if (err instanceof HoneybeeTokenError) slot.lastError = err;
      throw err;
    } finally {
      slot.inflight = undefined;
    }
  }

  /**
   * With a shared store: adopt another replica's token, or take the lock and fetch for all;
   * those without the lock wait for the winner's token. A lock that cannot be kept through a
   * back-off sends its holder back to adopting or waiting. When the store fails or the wait
   * runs out, a replica that still has a usable token defers the refresh (fetching on its own
   * would only compete with the replica holding the lock); one without looks at the store again
   * for up to {@link STORE_GRACE_MS}, then fetches locally, so Redis trouble never breaks calls.
   */
  private async fetchShared(slot: Slot): Promise<CachedToken> {
    const { store, lockTtlMs, waitTimeoutMs } = this.options.tokenStore!;
    const key = this.storeKey(slot);
    // Waiting is real time (the store's TTLs and pub/sub are), not the injected clock.
    const started = performance.now();
    const deadline = started + waitTimeoutMs;
    const graceEnd = started + Math.min(waitTimeoutMs, STORE_GRACE_MS);
    for (;;) {
      try {
        const adopted = await this.readShared(slot, key);
        if (adopted) return adopted;
        const lock = new RefreshLock(store, key, lockTtlMs);
        if (await lock.acquire()) {
          const token = await this.fetchUnderLock(slot, key, lock);
          if (token) return token;
        }
      } catch (err) {
        if (err instanceof HoneybeeTokenError) throw err;
        this.storeFailed(err);
        if (this.usable(slot) || performance.now() >= graceEnd) {
          return await this.withoutSharing(slot, 'the shared token store is unavailable');
        }
        await store.waitForUpdate(key, STORE_RETRY_MS, this.shutdown.signal);
        if (this.shutdown.signal.aborted) return await this.requestWithRetries(slot.key);
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        return await this.withoutSharing(
          slot,
          `waited ${waitTimeoutMs} ms for another replica's token`,
        );
      }
      await store.waitForUpdate(key, Math.min(left, lockTtlMs), this.shutdown.signal);
      if (this.shutdown.signal.aborted) return await this.requestWithRetries(slot.key);
    }
  }

  /**
   * Holding the lock: fetch, then hand the token to every replica. Undefined when the lock
   * was lost before a back-off sleep (nothing more was fetched).
   */
  private async fetchUnderLock(
    slot: Slot,
    key: string,
    lock: RefreshLock,
  ): Promise<CachedToken | undefined> {
    try {
      // Double-check: the previous holder may have stored a token just before we locked.
      const again = await this.readShared(slot, key);
      if (again) return again;
      const token = await this.requestWithRetries(slot.key, (sleepMs) => lock.extendFor(sleepMs));
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
   * The store cannot coordinate this refresh: with a usable token, try again later (see
   * `refreshInBackground`); without one, fetch locally.
   */
  private async withoutSharing(slot: Slot, reason: string): Promise<CachedToken> {
    if (this.usable(slot)) {
      throw new SharedRefreshDeferred(`Token refresh deferred: ${reason}`);
    }
    this.logger.warn(`Fetching a token locally: ${reason}`);
    return this.requestWithRetries(slot.key);
  }

  /** A usable token from the store that is not the one being replaced nor a rejected one. */
  private async readShared(slot: Slot, key: string): Promise<CachedToken | undefined> {
    const value = await this.options.tokenStore!.store.get(key);
    this.storeOk();
    if (!value) return undefined;
    const shared = this.sealer!.open(key, value);
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
    const token = this.toCached(
      shared.accessToken,
      (shared.expiresAt - shared.obtainedAt) / 1000,
      shared.obtainedAt,
      value,
    );
    return this.clock.now() < token.usableUntil ? token : undefined;
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
    const sealed = this.sealer!.seal(key, {
      accessToken: token.accessToken,
      expiresAt: token.expiresAt,
      obtainedAt: token.obtainedAt,
    });
    try {
      const stored = await lock.commit(sealed, token.expiresAt - this.clock.now());
      this.storeOk();
      if (stored) return { ...token, sealed };
      this.logger.warn(
        `The refresh lock was lost before token ${maskToken(token.accessToken)} was stored; using it without sharing`,
      );
      return token;
    } catch (err) {
      this.storeFailed(err);
      return token;
    }
  }

  /** Whether the slot holds a token that may still be handed out. */
  private usable(slot: Slot): boolean {
    return !!slot.current && this.clock.now() < slot.current.usableUntil;
  }

  private storeKey(slot: Slot): string {
    return storeKeyOf('token:', this.options.tokenUrl, this.options.clientId, slot.key);
  }

  private storeFailed(err: unknown): void {
    if (!this.storeHealthy) return;
    this.storeHealthy = false;
    this.logger.warn(
      `Shared token store unavailable (${(err as Error)?.message ?? String(err)}); tokens are not shared until it recovers`,
    );
  }

  private storeOk(): void {
    if (this.storeHealthy) return;
    this.storeHealthy = true;
    this.logger.log('Shared token store reachable again; sharing tokens across replicas');
  }

  /**
   * Token requests with back-off. `beforeSleep` runs before every back-off or `Retry-After`
   * sleep; when it resolves false the retries stop with {@link RefreshLockLostError}.
   */
  private async requestWithRetries(
    key: string,
    beforeSleep?: (sleepMs: number) => Promise<boolean>,
  ): Promise<CachedToken> {
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.options.retry;
    const scopes = key ? key.split(' ') : [];
    for (let attempt = 1; ; attempt++) {
      if (this.shutdown.signal.aborted) {
        throw new HoneybeeTokenError('HoneybeeTokenService has been shut down', {
          kind: 'aborted',
          attempts: attempt - 1,
        });
      }
      const sentAt = this.clock.now();
      try {
        const res = await this.client.request(scopes, this.shutdown.signal);
        this.checkSkew(res.createdAt, res.serverDate, sentAt);
        const token = this.toCached(res.accessToken, res.expiresIn, sentAt);
        this.logger.log(
          `Obtained access token ${maskToken(token.accessToken)} for scopes "${key}" (expires in ${res.expiresIn} s${res.requestId ? `, X-Request-Id ${res.requestId}` : ''})`,
        );
        return token;
      } catch (e) {
        const err = e as HoneybeeTokenError;
        err.attempts = attempt;
        if (!err.retryable || attempt >= maxAttempts) throw err;
        const backoff = Math.random() * Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
        const asked = (err.retryAfterSeconds ?? 0) * 1000;
        if (asked > maxDelayMs) throw err;
        const wait = Math.max(backoff, asked);
        this.logger.warn(
          `Token request attempt ${attempt}/${maxAttempts} failed (${err.message}); retrying in ${Math.round(wait)} ms`,
        );
        if (beforeSleep && !(await beforeSleep(wait))) throw new RefreshLockLostError();
        try {
          await this.clock.sleep(wait, this.shutdown.signal);
        } catch {
          throw new HoneybeeTokenError('HoneybeeTokenService has been shut down', {
            kind: 'aborted',
            attempts: attempt,
            cause: err,
          });
        }
      }
    }
  }

  private toCached(
    accessToken: string,
    expiresIn: number,
    sentAt: number,
    sealed?: string,
  ): CachedToken {
    const lifetime = expiresIn * 1000;
    const expiresAt = sentAt + lifetime;
    const margin = Math.min(this.options.refreshMarginMs, lifetime / 3);
    // Jitter: refresh between 1x and 1.5x the margin before expiry, so replicas spread out.
    const refreshAt = expiresAt - margin * (1 + 0.5 * Math.random());
    const usableUntil = expiresAt - Math.min(this.options.expiryLeewayMs, lifetime / 10);
    return { accessToken, expiresAt, obtainedAt: sentAt, refreshAt, usableUntil, sealed };
  }

  private checkSkew(createdAt: number | undefined, serverDate: number | undefined, sentAt: number) {
    if (this.skewWarned) return;
    const local = this.clock.now();
    // created_at of a reused token is in the past by design, so only a future one is suspect.
    const skews = [
      serverDate !== undefined ? Math.abs(serverDate - local) : 0,
      createdAt !== undefined ? createdAt * 1000 - local : 0,
    ];
    const worst = Math.max(...skews);
    if (worst > 60_000) {
      this.skewWarned = true;
      this.logger.warn(
        `The token server's clock differs from ours by about ${Math.round(worst / 1000)} s; expiry is computed from our own clock (request sent at ${new Date(sentAt).toISOString()})`,
      );
    }
  }

  /** Never shows a token or the secret. */
  [inspect.custom](): string {
    return `HoneybeeTokenService { clientId: '${this.options.clientId}', scopeSets: ${this.slots.size} }`;
  }

  toJSON(): Record<string, unknown> {
    return { clientId: this.options.clientId, scopeSets: this.slots.size };
  }
}
