import type { OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { inspect } from 'node:util';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { unboundedAbortController } from '../common/deadline.js';
import { maskToken } from '../common/secret.js';
import { isScopeToken, normalizeScopes } from '../common/scopes.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import type { TokenExpiry } from '../telemetry/honeybee.telemetry.js';
import type { TokenTrigger } from '../telemetry/telemetry.conventions.js';
import { traceTokenRequest } from '../telemetry/token-request.trace.js';
import { isUsable } from './cached-token.js';
import type { CachedToken } from './cached-token.js';
import { ReplicaCoordinator, SharedRefreshDeferred } from './replica.coordinator.js';
import type { ReplicaSlot } from './replica.coordinator.js';
import { TokenFetcher } from './token.fetcher.js';
import type { BeforeSleep } from './token.fetcher.js';

/** Per scope set: the current token, the request in flight, the next background attempt. */
interface Slot extends ReplicaSlot {
  current?: CachedToken;
  rejected?: string;
  /** The one token request of this scope set (single flight). */
  inflight?: Promise<CachedToken>;
  /** Epoch ms before which no new background refresh starts (after a failed or deferred one). */
  backgroundRetryAt: number;
  lastError?: HoneybeeTokenError;
  /** `current` as one settled promise, made once per token (see {@link settled}). */
  answer?: { readonly token: CachedToken; readonly promise: Promise<string> };
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
 * - Every fetch is counted and traced, and each current token's time to expiry reported
 *   (`HoneybeeTelemetry`, docs/observability.md); the cached path records nothing.
 *
 * @example
 * const token = await tokens.getAccessToken(['prescriptions:read']);
 */
@Injectable()
export class HoneybeeTokenService implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('HoneybeeTokenService');
  private readonly slots = new Map<string, Slot>();
  /** Aborts work in flight on shutdown; one listener per in-flight call, so no listener cap. */
  private readonly shutdown = unboundedAbortController();
  private readonly fetcher: TokenFetcher;
  /** With a shared token store: the other replicas' part in every refresh. */
  private readonly replicas?: ReplicaCoordinator;
  private readonly unobserve?: () => void;

  /** The slot key of the module's own scopes. */
  private defaultKey?: string;

  constructor(
    @InjectHoneybeeOptions() private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HONEYBEE_CLOCK) private readonly clock: Clock,
    @Optional() @Inject(HoneybeeTelemetry) private readonly telemetry?: HoneybeeTelemetry,
  ) {
    const { signal } = this.shutdown;
    this.fetcher = new TokenFetcher(options, clock, signal, this.logger);
    if (options.tokenStore) {
      this.replicas = new ReplicaCoordinator(
        options,
        options.tokenStore,
        clock,
        signal,
        this.logger,
        telemetry,
      );
    }
    this.unobserve = telemetry?.observeTokens(() => this.usableTokens());
  }

  /**
   * A valid access token for `scopes` (default: the module's `scopes`). Order and duplicates
   * in `scopes` do not matter. Resolves from cache when possible.
   * @throws HoneybeeTokenError when no token can be obtained.
   */
  getAccessToken(scopes?: readonly string[]): Promise<string> {
    let slot: Slot;
    try {
      slot = this.slot(this.keyOf(scopes));
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const now = this.clock.now();
    const current = slot.current;
    if (isUsable(current, now)) {
      if (now >= current.refreshAt && !slot.inflight && now >= slot.backgroundRetryAt) {
        this.refreshInBackground(slot, current);
      }
      return settled(slot, current);
    }
    slot.inflight ??= this.fetch(slot, triggerOf(slot));
    return slot.inflight.then(accessTokenOf);
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
      slot.answer = undefined;
      slot.rejected = token;
      removed = true;
      this.replicas?.evict(slot.key, current);
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
      valid: isUsable(current, this.clock.now()),
      expiresAt: current?.expiresAt,
      refreshing: !!slot?.inflight,
      storeHealthy: this.replicas?.healthy,
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
   * With a shared token store: pings it (for at most a second) and returns whether it
   * answered (undefined without a store). For health checks.
   */
  async checkStore(): Promise<boolean | undefined> {
    return this.replicas?.check();
  }

  /** Aborts requests and back-off waits in flight; later calls fail with kind `aborted`. */
  onModuleDestroy(): void {
    this.shutdown.abort();
    this.unobserve?.();
  }

  /** Closes the shared token store (see `tokenStore.closeOnShutdown`). */
  async onApplicationShutdown(): Promise<void> {
    await this.replicas?.close();
  }

  private keyOf(scopes: readonly string[] | undefined): string {
    if (scopes === undefined) return (this.defaultKey ??= this.options.scopes.join(' '));
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

  /** Starts a refresh while callers keep the current token, which is still usable. */
  private refreshInBackground(slot: Slot, current: CachedToken): void {
    const p = this.fetch(slot, 'refresh');
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

  /**
   * A new token for `slot`, through the other replicas when there is a shared store, and
   * the slot's bookkeeping: every token request, in the foreground or the background, starts
   * and ends here.
   */
  private async fetch(slot: Slot, trigger: TokenTrigger): Promise<CachedToken> {
    const trace = traceTokenRequest(this.telemetry, slot.key, trigger);
    const request = (beforeSleep?: BeforeSleep) => this.fetcher.fetch(slot.key, beforeSleep, trace);
    try {
      const token = await trace.run(() =>
        this.replicas ? this.replicas.refresh(slot, request) : request(),
      );
      slot.current = token;
      slot.lastError = undefined;
      slot.backgroundRetryAt = 0;
      trace.end();
      return token;
    } catch (err) {
      // A deferred shared refresh is not a failure to get a token.
      if (err instanceof HoneybeeTokenError) slot.lastError = err;
      trace.end({ error: err });
      throw err;
    } finally {
      slot.inflight = undefined;
    }
  }

  /** The usable token of each scope set, for `honeybee_auth.token.time_to_expiry`. */
  private *usableTokens(): Iterable<TokenExpiry> {
    const now = this.clock.now();
    for (const { key, current } of this.slots.values()) {
      if (isUsable(current, now)) yield { scopeKey: key, expiresAt: current.expiresAt };
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

/**
 * Why `slot` needs a token now (`honeybee_auth.token.trigger`): it held one that expired, or
 * one that was invalidated (a 401), or never had one.
 */
function triggerOf(slot: Slot): TokenTrigger {
  if (slot.current) return 'expired';
  return slot.rejected !== undefined ? 'invalidated' : 'initial';
}

function accessTokenOf(token: CachedToken): string {
  return token.accessToken;
}

/**
 * The cached token of `slot` as a settled promise, one per token: every caller of a cached
 * token gets the same promise, so a cached answer allocates nothing (and costs no promise
 * hook when an OpenTelemetry context manager watches every promise).
 */
function settled(slot: Slot, current: CachedToken): Promise<string> {
  if (slot.answer?.token !== current) {
    slot.answer = { token: current, promise: Promise.resolve(current.accessToken) };
  }
  return slot.answer.promise;
}
