import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import * as crypto from 'node:crypto';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HotCounter } from '../telemetry/hot-counter.js';
import { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import { CACHE_LOOKUPS, CacheResult } from '../telemetry/telemetry.conventions.js';
import { CheckedVerifier } from './checked.verifier.js';
import type { HoneybeePrincipal, TokenVerifier } from './token-verifier.interface.js';

/** The key of a token's verdict ({@link VerificationCache.keyOf}): never the token itself. */
export type VerdictKey = string & { readonly __verdictKey: never };

/** A cached verdict and the clock time (epoch ms) until which it may be used. */
interface Verdict {
  readonly principal: HoneybeePrincipal | null;
  readonly until: number;
}

/**
 * The verdicts of the token verifier, remembered so that a busy route does not call Honeybee
 * for every request. Only a cache: the verifier behind it ({@link CheckedVerifier}) bounds,
 * checks and filters every answer before it gets here.
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
 * - Lookups are counted (hit, miss, joined) and the sizes reported to OpenTelemetry
 *   (docs/observability.md).
 */
@Injectable()
export class VerificationCache implements OnModuleDestroy {
  private readonly valid: LRUCache<string, Verdict>;
  private readonly invalid: LRUCache<string, Verdict>;
  /** Both stores, valid verdicts first: one array for every lookup. */
  private readonly stores: readonly LRUCache<string, Verdict>[];
  private readonly inflight = new Map<string, Promise<HoneybeePrincipal | null>>();
  private readonly lookups: HotCounter;
  private readonly unobserve?: () => void;

  constructor(
    @InjectHoneybeeOptions() private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HONEYBEE_CLOCK) private readonly clock: Clock,
    @Inject(CheckedVerifier) private readonly verifier: TokenVerifier,
    @Optional() @Inject(HoneybeeTelemetry) telemetry?: HoneybeeTelemetry,
  ) {
    const { maxEntries } = options.inbound.cache;
    this.valid = new LRUCache({ max: maxEntries });
    this.invalid = new LRUCache({ max: maxEntries });
    this.stores = [this.valid, this.invalid];
    this.lookups = telemetry?.cacheLookups ?? new HotCounter(CACHE_LOOKUPS);
    this.unobserve = telemetry?.observeCache(() => ({
      valid: this.valid.size,
      invalid: this.invalid.size,
    }));
  }

  /**
   * The principal of a valid token, `null` for an invalid, expired or revoked one.
   * @param key - `keyOf(token)`, when the caller has it already (the guard, after
   *   {@link cached} missed): the verdict is stored under it.
   * @throws HoneybeeVerifierUnavailableError when the verifier cannot decide.
   */
  async verify(
    token: string,
    key: VerdictKey = this.keyOf(token),
  ): Promise<HoneybeePrincipal | null> {
    const hit = this.cached(key);
    if (hit !== undefined) return hit;
    const pending = this.inflight.get(key);
    if (pending) {
      this.lookups.add(CacheResult.joined);
      return pending;
    }
    this.lookups.add(CacheResult.miss);

    const run = this.verifyAndStore(key, token).finally(() => this.inflight.delete(key));
    this.inflight.set(key, run);
    return run;
  }

  /**
   * The cached verdict on the token with this key, synchronously: its principal (counted as a
   * hit), `null` for a token known to be invalid, `undefined` when no usable verdict is cached
   * (then {@link verify}, given the same key, decides); an expired one is dropped. The guard
   * decides a cached verdict in the same tick: no promise, no microtask.
   */
  cached(key: VerdictKey): HoneybeePrincipal | null | undefined {
    const now = this.clock.now();
    for (const store of this.stores) {
      const verdict = store.get(key);
      if (verdict === undefined) continue;
      if (verdict.until > now) {
        this.lookups.add(CacheResult.hit);
        return verdict.principal;
      }
      store.delete(key);
    }
    return undefined;
  }

  /**
   * The key of `token`'s verdict: the SHA-256 of the token, so the cache never holds a usable
   * credential. Its 32 bytes as a one-byte string (`binary`, i.e. latin1): the shortest key to
   * build, store and compare.
   */
  keyOf(token: string): VerdictKey {
    // One-shot crypto.hash (every Node in `engines` has it) skips the Hash object.
    return crypto.hash('sha256', token, 'binary') as VerdictKey;
  }

  /** Forgets the verdict on one token (e.g. after a revocation webhook). */
  evict(token: string): void {
    const key = this.keyOf(token);
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
    this.clear();
    this.unobserve?.();
  }

  private async verifyAndStore(key: VerdictKey, token: string): Promise<HoneybeePrincipal | null> {
    const principal = await this.verifier.verify(token);
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
}
