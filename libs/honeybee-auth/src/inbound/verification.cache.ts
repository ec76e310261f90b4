import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import * as crypto from 'node:crypto';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { HONEYBEE_AUTH_OPTIONS } from '../options/resolved-options.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import type { HoneybeePrincipal, TokenVerifier } from './token-verifier.interface.js';
import { HONEYBEE_TOKEN_VERIFIER } from './token-verifier.provider.js';
import { deadline } from '../common/deadline.js';
import { unboundedAbortController } from '../common/deadline.js';
import { allowedOrNull } from './allowed-clients.policy.js';
import { checkedPrincipal } from './principal.validator.js';
import { VerificationLimiter } from './verification.limiter.js';

/** A cached verdict and the clock time (epoch ms) until which it may be used. */
interface Verdict {
  readonly principal: HoneybeePrincipal | null;
  readonly until: number;
}

/**
 * The configured {@link TokenVerifier} behind a verdict cache, so that a busy route does not
 * call Honeybee for every request.
 *
 * - Keyed by the SHA-256 of the token: the raw token is never stored.
 * - A valid token is trusted until its expiry or for `cache.maxAgeSeconds`, whichever comes
 *   first; so a **revoked token stays accepted for up to `maxAgeSeconds`**.
 * - An invalid token is remembered for `cache.negativeTtlSeconds` (`0`: not at all).
 * - "Unavailable" is never cached: the next request tries again.
 * - Concurrent requests with the same uncached token share one verification (single flight).
 * - Bounded: at most `cache.maxEntries` valid and as many invalid verdicts (LRU). The two are
 *   kept apart so a flood of junk tokens cannot evict the verdicts of real ones.
 * - Every expiry is measured with the injected {@link Clock} (`HONEYBEE_CLOCK`), not with
 *   lru-cache's own TTL (which reads `performance.now()`).
 * - Every verification is bounded by `inbound.verifyTimeoutMs`, even a custom verifier that
 *   ignores its `AbortSignal`.
 * - At most `inbound.maxConcurrentVerifications` verifications run at once; beyond that a cache
 *   miss is "unavailable" at once (503), so a flood of distinct junk tokens costs a bounded
 *   number of calls and bounded memory.
 * - Every answer is checked ({@link checkedPrincipal}: a malformed principal is "unavailable"),
 *   then the token's client against `inbound.allowedClientIds`: a token of another client is
 *   an invalid token, cached as such.
 */
@Injectable()
export class VerificationCache implements OnModuleDestroy {
  private readonly valid: LRUCache<string, Verdict>;
  private readonly invalid: LRUCache<string, Verdict>;
  private readonly inflight = new Map<string, Promise<HoneybeePrincipal | null>>();
  private readonly limiter: VerificationLimiter;
  private readonly logger = new Logger('VerificationCache');
  /** Aborts work in flight on shutdown; one listener per in-flight call, so no listener cap. */
  private readonly shutdown = unboundedAbortController();

  constructor(
    @Inject(HONEYBEE_AUTH_OPTIONS) private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HONEYBEE_CLOCK) private readonly clock: Clock,
    @Inject(HONEYBEE_TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {
    const { maxEntries } = options.inbound.cache;
    this.valid = new LRUCache({ max: maxEntries });
    this.invalid = new LRUCache({ max: maxEntries });
    this.limiter = new VerificationLimiter(options.inbound.maxConcurrentVerifications);
  }

  /**
   * The principal of a valid token, `null` for an invalid, expired or revoked one.
   * @throws HoneybeeVerifierUnavailableError when the verifier cannot decide.
   */
  async verify(token: string): Promise<HoneybeePrincipal | null> {
    const key = keyOf(token);
    const now = this.clock.now();
    for (const store of [this.valid, this.invalid]) {
      const hit = store.get(key);
      if (hit && hit.until > now) return hit.principal;
      if (hit) store.delete(key);
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;

    if (!this.limiter.tryAcquire()) {
      throw new HoneybeeVerifierUnavailableError(
        `${this.limiter.capacity} token verifications are in flight already ` +
          '(inbound.maxConcurrentVerifications)',
      );
    }
    const run = this.verifyAndStore(key, token).finally(() => {
      this.inflight.delete(key);
      this.limiter.release();
    });
    this.inflight.set(key, run);
    return run;
  }

  /** Forgets the verdict on one token (e.g. after a revocation webhook). */
  evict(token: string): void {
    const key = keyOf(token);
    this.valid.delete(key);
    this.invalid.delete(key);
  }

  /** Forgets every verdict. */
  clear(): void {
    this.valid.clear();
    this.invalid.clear();
  }

  /** How many verdicts are cached (valid + invalid), expired ones possibly included. */
  get size(): number {
    return this.valid.size + this.invalid.size;
  }

  onModuleDestroy(): void {
    this.shutdown.abort(new Error('HoneybeeAuthModule is shutting down'));
    this.clear();
  }

  private async verifyAndStore(key: string, token: string): Promise<HoneybeePrincipal | null> {
    const verified = await this.callVerifier(token);
    const principal =
      verified === null ? null : allowedOrNull(this.options.inbound, verified, token, this.logger);
    // Measured after the call: a slow answer must not stretch the cache lifetime.
    const now = this.clock.now();
    const { maxAgeMs, negativeTtlMs } = this.options.inbound.cache;
    if (principal === null) {
      if (negativeTtlMs > 0) this.invalid.set(key, { principal, until: now + negativeTtlMs });
      return null;
    }
    const until = Math.min(now + maxAgeMs, principal.expiresAt ?? Infinity);
    if (until > now) {
      this.valid.set(key, { principal, until });
      this.invalid.delete(key);
    }
    return principal;
  }

  private async callVerifier(token: string): Promise<HoneybeePrincipal | null> {
    const { verifyTimeoutMs } = this.options.inbound;
    const limit = deadline(verifyTimeoutMs, this.shutdown.signal);
    const { signal } = limit;
    let onAbort!: () => void;
    // A custom verifier may ignore the signal: the race still ends the wait.
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () =>
        reject(
          new HoneybeeVerifierUnavailableError(
            limit.timedOut()
              ? `Token verification timed out after ${verifyTimeoutMs} ms`
              : 'Token verification was aborted',
          ),
        );
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const verification = Promise.resolve().then(() => this.verifier.verify(token, signal));
    verification.catch(() => undefined); // it may settle after losing the race
    try {
      const result = await Promise.race([verification, aborted]);
      return result === null ? null : checkedPrincipal(result);
    } catch (err) {
      if (err instanceof HoneybeeVerifierUnavailableError) throw err;
      // A custom verifier's unexpected error: still "cannot decide", never a 500 or a pass.
      throw new HoneybeeVerifierUnavailableError('Token verifier failed', { cause: err });
    } finally {
      signal.removeEventListener('abort', onAbort);
      limit.dispose();
    }
  }
}

/** The cache key: a SHA-256 of the token, so the cache never holds a usable credential. */
function keyOf(token: string): string {
  // One-shot crypto.hash (Node >= 20.12) skips the Hash object; same digest.
  return typeof crypto.hash === 'function'
    ? crypto.hash('sha256', token, 'base64url')
    : crypto.createHash('sha256').update(token).digest('base64url');
}
