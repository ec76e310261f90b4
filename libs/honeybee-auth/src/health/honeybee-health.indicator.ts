import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { CheckedVerifier } from '../inbound/checked.verifier.js';
import {
  fetchVerifierResponse,
  okJsonObject,
  unavailableAnswer,
} from '../inbound/verifier-fetch.js';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { instrumentedTokenStore } from '../outbound/instrumented-token.store.js';
import { HoneybeeTokenService } from '../outbound/token.service.js';
import { storeErrorType } from '../telemetry/error-types.js';
import { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';

/** Default bound on each check, in milliseconds. */
const DEFAULT_TIMEOUT_MS = 3000;
/**
 * What the verifier is asked to check: no token at all, so every verifier answers "invalid"
 * when it can answer (token-info 401, introspection `active: false`).
 */
const PROBE_TOKEN = 'honeybee-health-probe';

/** Options of one {@link HoneybeeHealthIndicator} check. */
export interface HoneybeeHealthCheckOptions {
  /**
   * Longest the check waits, in milliseconds; past it the indicator is down with reason
   * `timeout` (what it started goes on in the background, bounded by its own timeout).
   * @default 3000
   */
  timeoutMs?: number;
  /**
   * `isTokenObtainable` only: the scope set to check.
   * @default the module's `scopes`
   */
  scopes?: string[];
}

/** Why a check is down, or a refresh failed: never the upstream server's text. */
type Failure = { kind: string; httpStatus?: number; requestId?: string };

const TIMEOUT: Failure = Object.freeze({ kind: 'timeout' });

/** Sentinel of a check that ran out of time. */
const TIMED_OUT = Symbol('timed out');

/**
 * Health indicators of `HoneybeeAuthModule` for `@nestjs/terminus` (an optional peer, hence
 * this sub-path, `nestjs-honeybee-auth/terminus`): whether a token can be had, whether the
 * shared token store answers, whether the inbound verifier answers. Each check is bounded by a
 * timeout and, when down, says why with a kind, an HTTP status and a request id only, never
 * what the server said: safe to serve on a public health route.
 *
 * Provide it in a module that imports `TerminusModule` and sees `HoneybeeAuthModule`'s
 * providers (imports it, or it is global).
 *
 * @example
 * \@Get('health') @HealthCheck() @Public()
 * check() {
 *   return this.health.check([
 *     () => this.honeybee.isTokenObtainable('honeybee_token'),
 *     () => this.honeybee.isStoreReachable('honeybee_token_store'),
 *     () => this.honeybee.isVerifierReachable('honeybee_verifier'),
 *   ]);
 * }
 */
@Injectable()
export class HoneybeeHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @InjectHoneybeeOptions() private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HoneybeeTokenService) private readonly tokens: HoneybeeTokenService,
    @Inject(CheckedVerifier) private readonly verifier: CheckedVerifier,
    @Optional() @Inject(HoneybeeTelemetry) private readonly telemetry?: HoneybeeTelemetry,
  ) {}

  /**
   * Up when a token for the scope set is cached and usable (nothing is sent), or when one can
   * be fetched now (through the token service, so a fetch already in flight is shared):
   * `{ token: 'valid', expiresAt }`, with `lastRefreshError` while background refreshes fail.
   * Down with `reason: { kind, httpStatus?, requestId? }`: the `HoneybeeTokenError`'s kind,
   * status and request id, or kind `timeout`.
   */
  async isTokenObtainable(
    key = 'honeybee_token',
    options: HoneybeeHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const before = this.tokens.status(options.scopes);
    if (before.valid) {
      const lastRefreshError = before.lastError && failureOf(before.lastError);
      return indicator.up({
        token: 'valid',
        expiresAt: new Date(before.expiresAt!).toISOString(),
        ...(lastRefreshError && { lastRefreshError }),
      });
    }
    const outcome = await within(timeoutOf(options), () =>
      this.tokens.getAccessToken(options.scopes),
    );
    if (outcome === TIMED_OUT) return indicator.down({ reason: TIMEOUT });
    if ('error' in outcome) {
      const { error } = outcome;
      return indicator.down({
        reason: error instanceof HoneybeeTokenError ? failureOf(error) : { kind: 'unknown' },
      });
    }
    const { expiresAt } = this.tokens.status(options.scopes);
    return indicator.up({
      token: 'valid',
      ...(expiresAt !== undefined && { expiresAt: new Date(expiresAt).toISOString() }),
    });
  }

  /**
   * Up when the shared token store answers a ping (`TokenStore.ping`, else a `get`), or when
   * there is no store (`store: 'none'`). Down with `reason: { kind }`: `timeout`, or what the
   * store's error calls itself (its `code` or class name, e.g. `not_connected`, `ECONNREFUSED`).
   */
  async isStoreReachable(
    key = 'honeybee_token_store',
    options: HoneybeeHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const configured = this.options.tokenStore?.store;
    if (!configured) return indicator.up({ store: 'none' });
    const store = instrumentedTokenStore(configured, this.telemetry);
    const outcome = await within(timeoutOf(options), async () => {
      await (store.ping ? store.ping() : store.get('health-check'));
    });
    if (outcome === TIMED_OUT) return indicator.down({ reason: TIMEOUT });
    if ('error' in outcome) {
      return indicator.down({ reason: { kind: storeErrorType(outcome.error) } });
    }
    return indicator.up({ store: 'reachable' });
  }

  /**
   * Up when the inbound verifier can decide: for `token-info`, `introspection` and a custom
   * verifier, a verification of a probe value that is no token comes back "invalid" (a call
   * to the authorization server, counted like any verification); for `jwt`, the key set is
   * fetched and is a JWKS. Down with `reason: { kind, httpStatus?, requestId? }`: the
   * `HoneybeeVerifierUnavailableError`'s kind, status and request id, or kind `timeout`.
   */
  async isVerifierReachable(
    key = 'honeybee_verifier',
    options: HoneybeeHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { verifier: configured, jwt } = this.options.inbound;
    const verifier = typeof configured === 'function' ? 'custom' : configured;
    const outcome = await within(timeoutOf(options), async () => {
      if (jwt && configured === 'jwt') await fetchKeySet(jwt.jwksUri, jwt.jwksTimeoutMs);
      else await this.verifier.verify(PROBE_TOKEN);
    });
    if (outcome === TIMED_OUT) return indicator.down({ verifier, reason: TIMEOUT });
    if ('error' in outcome) {
      const { error } = outcome;
      return indicator.down({
        verifier,
        reason:
          error instanceof HoneybeeVerifierUnavailableError
            ? failureOf(error)
            : { kind: 'verifier_error' },
      });
    }
    return indicator.up({ verifier });
  }
}

/** Runs `work`; its value or error, or {@link TIMED_OUT} after `timeoutMs`. */
async function within<T>(
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<{ value: T } | { error: unknown } | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const done = Promise.resolve()
    .then(work)
    .then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  const late = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

function timeoutOf(options: HoneybeeHealthCheckOptions): number {
  const { timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError('HoneybeeHealthIndicator: timeoutMs must be a positive number');
  }
  return timeoutMs;
}

/** Fetches the JWKS at `url`; rejects with {@link HoneybeeVerifierUnavailableError} unless it is one. */
async function fetchKeySet(url: string, timeoutMs: number): Promise<void> {
  const what = 'JWKS request';
  const res = await fetchVerifierResponse(
    what,
    url,
    { method: 'GET', headers: { accept: 'application/json' } },
    timeoutMs,
  );
  if (!Array.isArray(okJsonObject(what, res).keys)) {
    throw unavailableAnswer(what, res, 'the answer has no "keys" array');
  }
}

/** A token or verifier failure as reported: its kind, status and request id, nothing else. */
function failureOf(failure: { kind: string; status?: number; requestId?: string }): Failure {
  return {
    kind: failure.kind,
    ...(failure.status !== undefined && { httpStatus: failure.status }),
    ...(failure.requestId !== undefined && { requestId: failure.requestId }),
  };
}
