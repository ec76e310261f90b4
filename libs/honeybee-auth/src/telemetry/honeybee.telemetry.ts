import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import type { Meter, Tracer } from '@opentelemetry/api';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HotCounter } from './hot-counter.js';
import type { SeriesAttributes } from './hot-counter.js';
import type { CollectedSource } from './collected-source.js';
import { MeterInstruments } from './meter.instruments.js';
import { loadOpenTelemetry } from './opentelemetry-api.loader.js';
import { backendOf, setBackend } from './telemetry.backend.js';
import {
  ATTR,
  CACHE_LOOKUPS,
  GUARD_DECISIONS,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  OTHER,
  WITHHELD_REQUESTS,
} from './telemetry.conventions.js';
import type { VerifierKind } from './telemetry.conventions.js';

/** One current token, as the token service reports it for `honeybee_auth.token.time_to_expiry`. */
export interface TokenExpiry {
  /** The scope set's key (normalized scopes, space-joined). */
  readonly scopeKey: string;
  /** Expiry, epoch ms. */
  readonly expiresAt: number;
}

/**
 * The module's OpenTelemetry metrics and spans (docs/observability.md). `@opentelemetry/api` is
 * an optional peer: it is loaded when the module starts (`onModuleInit`), unless
 * `telemetry.enabled` is false, and when it is missing nothing is recorded. Until then, and
 * without it, recording costs nothing: the hot paths count in place ({@link HotCounter}), the
 * rest asks for its backend (`backendOf`) and finds nothing.
 *
 * Metrics go to `telemetry.meterProvider` or the global `MeterProvider` as it is when the
 * module starts (so the SDK must be started before `NestFactory.create`); spans to
 * `telemetry.tracerProvider` or the global one (which may be registered later).
 */
@Injectable()
export class HoneybeeTelemetry implements OnModuleInit, OnModuleDestroy, CollectedSource {
  /** `ScopesGuard` decisions (see `GUARD_DECISIONS`). */
  readonly guardDecisions = new HotCounter(GUARD_DECISIONS);
  /** Verification-cache lookups (see `CACHE_LOOKUPS`). */
  readonly cacheLookups = new HotCounter(CACHE_LOOKUPS);
  /** Outbound requests sent without the token (see `WITHHELD_REQUESTS`). */
  readonly withheldRequests = new HotCounter(WITHHELD_REQUESTS);
  /** @inheritDoc */
  readonly hotCounters = [this.guardDecisions, this.cacheLookups, this.withheldRequests];
  /** The configured verifier, as `honeybee_auth.verifier` names it. */
  readonly verifierKind: VerifierKind;
  /** `honeybee_auth.client_id`: the attribute of every outbound series. */
  readonly clientAttributes: SeriesAttributes;
  /** `server.address` and `server.port` of the token endpoint. */
  readonly tokenServerAttributes: SeriesAttributes;

  private readonly labelled: ReadonlySet<string>;
  private readonly tokenReaders = new Set<() => Iterable<TokenExpiry>>();
  private readonly cacheReaders = new Set<() => { valid: number; invalid: number }>();

  constructor(
    @InjectHoneybeeOptions() private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HONEYBEE_CLOCK) private readonly clock: Clock,
  ) {
    const { verifier } = options.inbound;
    this.verifierKind = typeof verifier === 'function' ? 'custom' : verifier;
    this.clientAttributes = Object.freeze({ [ATTR.clientId]: options.clientId });
    const token = new URL(options.tokenUrl);
    this.tokenServerAttributes = Object.freeze({
      [ATTR.serverAddress]: token.hostname,
      [ATTR.serverPort]: Number(token.port) || (token.protocol === 'https:' ? 443 : 80),
    });
    this.labelled = new Set([options.scopes.join(' '), ...options.telemetry.scopeSets]);
  }

  /** Loads `@opentelemetry/api` (unless disabled) and starts recording when it is there. */
  async onModuleInit(): Promise<void> {
    const { enabled, meterProvider, tracerProvider } = this.options.telemetry;
    if (!enabled || backendOf(this)) return;
    const api = await loadOpenTelemetry();
    if (!api) return;
    // A configured provider was checked to have the method; it is the API's own type.
    const meter = (meterProvider ?? api.metrics.getMeterProvider()).getMeter(
      INSTRUMENTATION_SCOPE,
      INSTRUMENTATION_VERSION,
    ) as Meter;
    const tracer = (tracerProvider ?? api.trace.getTracerProvider()).getTracer(
      INSTRUMENTATION_SCOPE,
      INSTRUMENTATION_VERSION,
    ) as Tracer;
    const instruments = MeterInstruments.of(meter);
    instruments.attach(this);
    setBackend(this, { api, instruments, tracer });
  }

  /** Stops reporting this instance; what it counted stays in the totals. */
  onModuleDestroy(): void {
    backendOf(this)?.instruments.detach(this);
    setBackend(this, undefined);
  }

  /**
   * `honeybee_auth.scope` of a scope set: its key when it is the module's `scopes` or one of
   * `telemetry.scopeSets`, `_OTHER` otherwise (so that no caller can add series).
   */
  scopeLabel(scopeKey: string): string {
    return this.labelled.has(scopeKey) ? scopeKey : OTHER;
  }

  /** Reports the tokens `read` returns at every collection; returns a function that stops it. */
  observeTokens(read: () => Iterable<TokenExpiry>): () => void {
    this.tokenReaders.add(read);
    return () => this.tokenReaders.delete(read);
  }

  /** Reports the cache sizes `read` returns at every collection; returns a function that stops it. */
  observeCache(read: () => { valid: number; invalid: number }): () => void {
    this.cacheReaders.add(read);
    return () => this.cacheReaders.delete(read);
  }

  /** @inheritDoc */
  *tokenExpiries(): Iterable<readonly [SeriesAttributes, number]> {
    const now = this.clock.now();
    for (const read of this.tokenReaders) {
      for (const { scopeKey, expiresAt } of read()) {
        const attributes = { ...this.clientAttributes, [ATTR.scope]: this.scopeLabel(scopeKey) };
        yield [attributes, (expiresAt - now) / 1000];
      }
    }
  }

  /** @inheritDoc */
  cachedVerdicts(): { valid: number; invalid: number } {
    let valid = 0;
    let invalid = 0;
    for (const read of this.cacheReaders) {
      const sizes = read();
      valid += sizes.valid;
      invalid += sizes.invalid;
    }
    return { valid, invalid };
  }
}
