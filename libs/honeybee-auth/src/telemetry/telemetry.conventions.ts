/**
 * Every name this module records with OpenTelemetry, in one place: metric and span names,
 * attribute keys and their closed sets of values (docs/observability.md lists them).
 *
 * Names follow OpenTelemetry's semantic conventions where one exists (`error.type`,
 * `http.response.status_code`, `server.address`, `server.port`; durations in seconds as
 * histograms; counters pluralized, no `total`; units in UCUM, `{request}` style) and carry the
 * `honeybee_auth.` prefix everywhere else. Every attribute value comes from a closed set or
 * from the module's configuration, never from a request, so the number of series is bounded.
 */

import type { HotCounterSpec } from './hot-counter.js';

/** Name of the instrumentation scope (the meter and the tracer). */
export const INSTRUMENTATION_SCOPE = 'nestjs-honeybee-auth';
/** Version of the instrumentation scope: the package's version (checked by a spec). */
export const INSTRUMENTATION_VERSION = '0.1.0';

/** Metric names. */
export const METRIC = {
  tokenRequests: 'honeybee_auth.token.requests',
  tokenRequestDuration: 'honeybee_auth.token.request.duration',
  tokenRefreshFailures: 'honeybee_auth.token.refresh.failures',
  tokenTimeToExpiry: 'honeybee_auth.token.time_to_expiry',
  outboundReplays: 'honeybee_auth.outbound.replays',
  outboundWithheld: 'honeybee_auth.outbound.withheld_requests',
  guardDecisions: 'honeybee_auth.guard.decisions',
  cacheLookups: 'honeybee_auth.verification.cache.lookups',
  cacheSize: 'honeybee_auth.verification.cache.size',
  verifierDuration: 'honeybee_auth.verifier.duration',
  verifierFailures: 'honeybee_auth.verifier.failures',
  storeOperations: 'honeybee_auth.store.operations',
  storeFailures: 'honeybee_auth.store.failures',
  lockWaitTime: 'honeybee_auth.store.lock.wait_time',
} as const;

/** Span names. */
export const SPAN = {
  tokenRequest: 'honeybee_auth.token.request',
  tokenRefresh: 'honeybee_auth.token.refresh',
  verification: 'honeybee_auth.verification',
  replay: 'honeybee_auth.outbound.replay',
} as const;

/** Event of a token span: one per HTTP request to the token endpoint. */
export const TOKEN_ATTEMPT_EVENT = 'honeybee_auth.token.attempt';

/** Attribute keys. */
export const ATTR = {
  // Semantic conventions.
  errorType: 'error.type',
  httpStatus: 'http.response.status_code',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  // This module's.
  clientId: 'honeybee_auth.client_id',
  scope: 'honeybee_auth.scope',
  tokenTrigger: 'honeybee_auth.token.trigger',
  tokenOutcome: 'honeybee_auth.token.outcome',
  tokenSource: 'honeybee_auth.token.source',
  tokenAttempt: 'honeybee_auth.token.attempt',
  tokenAttempts: 'honeybee_auth.token.attempts',
  oauthError: 'honeybee_auth.oauth.error',
  requestId: 'honeybee_auth.request_id',
  replayResult: 'honeybee_auth.replay.result',
  withheldReason: 'honeybee_auth.withheld.reason',
  guardAnswer: 'honeybee_auth.guard.answer',
  guardContext: 'honeybee_auth.guard.context',
  cacheResult: 'honeybee_auth.cache.result',
  cacheVerdict: 'honeybee_auth.cache.verdict',
  verifier: 'honeybee_auth.verifier',
  verificationResult: 'honeybee_auth.verification.result',
  storeOperation: 'honeybee_auth.store.operation',
  lockWaitResult: 'honeybee_auth.store.lock.wait.result',
} as const;

/** The value of `error.type`, `honeybee_auth.scope` or `honeybee_auth.oauth.error` outside its known set. */
export const OTHER = '_OTHER';

/**
 * Why a token was requested (`honeybee_auth.token.trigger`): the first token of its scope set,
 * one after the previous expired unused, one after `invalidate()` (a 401), or a background
 * refresh before expiry.
 */
export type TokenTrigger = 'initial' | 'expired' | 'invalidated' | 'refresh';

/** Where a fetched token came from (`honeybee_auth.token.source`). */
export type TokenSource = 'endpoint' | 'store';

/** What became of a 401 that answered our token (`honeybee_auth.replay.result`). */
export type ReplayResult = 'replayed' | 'not_replayable' | 'same_token' | 'token_failed';

/** An operation on the shared token store (`honeybee_auth.store.operation`). */
export type StoreOperation =
  'get' | 'lock' | 'extend_lock' | 'release_lock' | 'commit' | 'delete' | 'wait' | 'ping';

/**
 * How a wait for another replica's token ended (`honeybee_auth.store.lock.wait.result`): its
 * token arrived (`adopted`), the lock came free and this replica took it (`acquired`), the wait
 * ran out (`timed_out`), or the store failed (`store_failed`).
 */
export type LockWaitResult = 'adopted' | 'acquired' | 'timed_out' | 'store_failed';

/** The verifier behind `ScopesGuard` (`honeybee_auth.verifier`). */
export type VerifierKind = 'token-info' | 'introspection' | 'jwt' | 'custom';

/** OAuth error codes of RFC 6749 §5.2 (and RFC 6750 §3.1): the only `honeybee_auth.oauth.error` values besides `_OTHER`. */
export const OAUTH_ERROR_CODES: ReadonlySet<string> = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'insufficient_scope',
]);

/** Bucket boundaries of the duration histograms, in seconds (those of `http.client.request.duration`). */
export const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Where a `ScopesGuard` decision was made (`honeybee_auth.guard.context`); the index is part of a counter slot. */
export const GUARD_CONTEXTS = ['http', 'graphql', 'ws', 'rpc', OTHER] as const;

/**
 * A `ScopesGuard` decision: its answer (`honeybee_auth.guard.answer`: the HTTP status the same
 * request gets, or `pass`) and, for a refusal, why (`error.type`). The index is part of a
 * counter slot (see {@link guardSlot}).
 */
export const GUARD_OUTCOMES = [
  { answer: 'pass' },
  { answer: '400', errorType: 'invalid_request' },
  { answer: '401', errorType: 'missing_token' },
  { answer: '401', errorType: 'invalid_token' },
  { answer: '403', errorType: 'insufficient_scope' },
  { answer: '403', errorType: 'unsupported_context' },
  { answer: '503', errorType: 'verifier_unavailable' },
] as const;

/** Index of an outcome in {@link GUARD_OUTCOMES}. */
export const GuardOutcome = {
  pass: 0,
  invalidRequest: 1,
  missingToken: 2,
  invalidToken: 3,
  insufficientScope: 4,
  unsupportedContext: 5,
  unavailable: 6,
} as const;

/** The counter slot of a decision in context `context` (an index of {@link GUARD_CONTEXTS}) with `outcome`. */
export function guardSlot(context: number, outcome: number): number {
  return context * GUARD_OUTCOMES.length + outcome;
}

/** `honeybee_auth.cache.result`: a cached verdict, a verification started, or one joined while in flight. */
export const CACHE_RESULTS = ['hit', 'miss', 'joined'] as const;

/** Index of a result in {@link CACHE_RESULTS}. */
export const CacheResult = { hit: 0, miss: 1, joined: 2 } as const;

/**
 * `honeybee_auth.withheld.reason`: a request to an origin not in `allowedOrigins`, one that an
 * interceptor pointed elsewhere after the token was attached, or a redirect away from the origin.
 */
export const WITHHELD_REASONS = ['origin_not_allowed', 'origin_changed', 'redirect'] as const;

/** Index of a reason in {@link WITHHELD_REASONS}. */
export const WithheldReason = { originNotAllowed: 0, originChanged: 1, redirect: 2 } as const;

/** `honeybee_auth.guard.decisions`: one slot per context and outcome (see {@link guardSlot}). */
export const GUARD_DECISIONS: HotCounterSpec = {
  name: METRIC.guardDecisions,
  description:
    'ScopesGuard decisions on guarded (non-public) handlers, by answer and context; ' +
    'error.type says why a call was refused',
  unit: '{decision}',
  slots: GUARD_CONTEXTS.flatMap((context) =>
    GUARD_OUTCOMES.map((outcome) =>
      Object.freeze({
        [ATTR.guardAnswer]: outcome.answer,
        [ATTR.guardContext]: context,
        ...('errorType' in outcome && { [ATTR.errorType]: outcome.errorType }),
      }),
    ),
  ),
};

/** `honeybee_auth.verification.cache.lookups`: one slot per {@link CACHE_RESULTS} entry. */
export const CACHE_LOOKUPS: HotCounterSpec = {
  name: METRIC.cacheLookups,
  description:
    'Lookups of the verification cache: a cached verdict (hit), a verification started (miss) ' +
    'or joined while in flight (joined)',
  unit: '{lookup}',
  slots: CACHE_RESULTS.map((result) => Object.freeze({ [ATTR.cacheResult]: result })),
};

/** `honeybee_auth.outbound.withheld_requests`: one slot per {@link WITHHELD_REASONS} entry. */
export const WITHHELD_REQUESTS: HotCounterSpec = {
  name: METRIC.outboundWithheld,
  description:
    'Requests through an authorized axios instance that were sent without the token because ' +
    'of the origin allow-list (allowedOrigins)',
  unit: '{request}',
  slots: WITHHELD_REASONS.map((reason) => Object.freeze({ [ATTR.withheldReason]: reason })),
};

/** Every hot counter, in the order of `HoneybeeTelemetry.hotCounters`. */
export const HOT_COUNTERS: readonly HotCounterSpec[] = [
  GUARD_DECISIONS,
  CACHE_LOOKUPS,
  WITHHELD_REQUESTS,
];
