import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { maskToken } from '../common/secret.js';
import { printable } from '../common/upstream-text.js';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HotCounter } from '../telemetry/hot-counter.js';
import { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import { GUARD_DECISIONS, GuardOutcome, guardSlot } from '../telemetry/telemetry.conventions.js';
import {
  HoneybeeBadRequestException,
  HoneybeeForbiddenException,
  HoneybeeServiceUnavailableException,
  HoneybeeUnauthorizedException,
  setResponseHeaders,
} from './bearer-challenge.exceptions.js';
import type { HoneybeeAuthException } from './bearer-challenge.exceptions.js';
import { bearerTokenProblem, findBearerToken } from './bearer-token.extractor.js';
import type { BearerTokenExtraction } from './bearer-token.extractor.js';
import { warnIfAnyClientAccepted } from './allowed-clients.policy.js';
import { ContextAuthorizer } from './contexts/context.authorizer.js';
import { readRouteAuthorization, unmetScopes } from './require-scopes.decorator.js';
import type { RouteAuthorization } from './require-scopes.decorator.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';
import { VerificationCache } from './verification.cache.js';
import type { VerdictKey } from './verification.cache.js';
import { markVerified, verifiedEarlier } from './verified-request.marker.js';

const MISSING_TOKEN = 'Missing Bearer token';
const INVALID_TOKEN = 'The access token is invalid, expired or revoked';
const CANNOT_VERIFY = 'The access token cannot be verified right now; try again later';

/** Counter slot of the first outcome of an HTTP decision (see `guardSlot`). */
const HTTP = guardSlot(0, 0);

/** At most one "verifier unavailable" warning per this many ms; the rest are counted. */
const UNAVAILABLE_LOG_INTERVAL_MS = 60_000;

/**
 * Lets a request through only with a valid Honeybee Bearer token that carries the scopes the
 * route requires ({@link RequireScopes}, {@link RequireAnyScope}); {@link Public} routes skip
 * it. On success the principal is attached as `request.honeybee` ({@link CurrentPrincipal}).
 *
 * Per route: `@UseGuards(ScopesGuard)`. Globally, in *your* app module (the library never
 * registers a global guard itself): `{ provide: APP_GUARD, useClass: ScopesGuard }`; then every
 * route that is not `@Public()` needs a valid token, even when it names no scope.
 *
 * Answers (RFC 6750, body in Nest's `{ statusCode, error, message }` shape, never the token):
 * | status | when | header |
 * |---|---|---|
 * | 401 | no Bearer credentials | `WWW-Authenticate: Bearer realm="…"` |
 * | 400 | malformed, duplicated or oversized credentials | `… error="invalid_request"` |
 * | 401 | invalid, expired or revoked token, or one of a client not in `allowedClientIds` | `… error="invalid_token"` |
 * | 403 | a required scope is missing | `… error="insufficient_scope", scope="…"` |
 * | 503 | the verifier cannot decide (down, slow, 5xx, an answer it does not recognise, too many verifications in flight) | `Retry-After` |
 *
 * It fails closed: an error while verifying is a 503, never a 200 or a 500. On Express and
 * Fastify, and with the same rules on GraphQL resolvers, WebSocket gateways and microservice
 * handlers, each answering in its own way (`contexts/`, docs/contexts.md); a handler in a
 * context of another kind is refused unless it is public. Every decision on a guarded handler
 * is counted (`honeybee_auth.guard.decisions`, docs/observability.md), in place: no allocation.
 */
@Injectable()
export class ScopesGuard implements CanActivate {
  private readonly logger = new Logger('ScopesGuard');
  private lastUnavailableLogAt = -Infinity;
  private unavailableSinceLog = 0;
  /**
   * Each route's requirement, read once: decorators run at class definition and the metadata
   * never changes afterwards. Keyed by controller, then handler (a base-class handler can sit
   * under several controllers with different requirements).
   */
  private readonly routes = new WeakMap<object, WeakMap<object, RouteAuthorization>>();
  /** GraphQL, WebSocket and microservice calls: see `contexts/`. */
  private readonly contexts: ContextAuthorizer;
  private readonly decisions: HotCounter;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @InjectHoneybeeOptions() private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HONEYBEE_CLOCK) private readonly clock: Clock,
    @Inject(VerificationCache) private readonly cache: VerificationCache,
    @Optional() @Inject(HoneybeeTelemetry) telemetry?: HoneybeeTelemetry,
  ) {
    warnIfAnyClientAccepted(options.inbound, this.logger);
    this.decisions = telemetry?.guardDecisions ?? new HotCounter(GUARD_DECISIONS);
    this.contexts = new ContextAuthorizer(
      (route, extraction, carrier, response, slot) =>
        this.authorize(route, extraction, carrier as Record<string, unknown>, response, slot),
      options.inbound,
      this.decisions,
    );
  }

  /** @inheritDoc */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = this.routeOf(context);
    if (route.public) return true;
    if (context.getType() !== 'http') return this.contexts.authorize(context, route);
    // What is specific to HTTP: where the token comes from, and the response that carries the
    // refusal's headers. Other contexts have their own (`contexts/`).
    const http = context.switchToHttp();
    const request = http.getRequest<Record<string, unknown>>();
    const extraction = findBearerToken(request, this.options.inbound);
    return this.authorize(route, extraction, request, http.getResponse<unknown>(), HTTP);
  }

  /**
   * The decision on one call, in every context: `extraction` is what its credentials are,
   * `request` receives the principal and the verified marker, `response` (when there is one) the
   * refusal's headers, `slot` (the context's first counter slot) counts the outcome. Returns
   * `true` or throws the refusal; a verdict the cache does not hold yet comes as a promise.
   */
  private authorize(
    route: RouteAuthorization,
    extraction: BearerTokenExtraction,
    request: Record<string, unknown>,
    response: unknown,
    slot: number,
  ): true | Promise<true> {
    const { realm } = this.options.inbound;
    if (extraction.kind === 'none') {
      this.decisions.add(slot + GuardOutcome.missingToken);
      this.refuse(response, new HoneybeeUnauthorizedException(MISSING_TOKEN, { realm }));
    }
    if (extraction.kind === 'invalid_request') {
      this.malformed(extraction.description, response, slot);
    }
    const { token } = extraction;
    const { maxTokenLength } = this.options.inbound;
    // Only a checked token ever gets a verdict: one with a verdict (earlier on this request, or
    // cached) passed the check already. The length first, so that nothing longer is hashed.
    const key = token.length <= maxTokenLength ? this.cache.keyOf(token) : undefined;
    if (key !== undefined) {
      const known = verifiedEarlier(request, key, this.options) ?? this.cache.cached(key);
      if (known !== undefined) return this.decide(route, key, known, request, response, slot);
    }
    const problem = bearerTokenProblem(token, maxTokenLength);
    if (problem !== undefined) this.malformed(problem, response, slot);
    const checked = key ?? this.cache.keyOf(token); // a checked token is never too long
    return this.cache.verify(token, checked).then(
      (principal) => this.decide(route, checked, principal, request, response, slot),
      (err: unknown) => this.unavailable(token, err, response, slot),
    );
  }

  /**
   * Admits `principal` (of the token whose verdict key is `key`) if it has the route's scopes;
   * refuses an invalid token or missing scopes.
   */
  private decide(
    route: RouteAuthorization,
    key: VerdictKey,
    principal: HoneybeePrincipal | null,
    request: Record<string, unknown>,
    response: unknown,
    slot: number,
  ): true {
    const { realm } = this.options.inbound;
    if (principal === null) {
      this.decisions.add(slot + GuardOutcome.invalidToken);
      const challenge = { realm, error: 'invalid_token' as const };
      this.refuse(response, new HoneybeeUnauthorizedException(INVALID_TOKEN, challenge));
    }
    if (unmetScopes(route, principal.scopes)) {
      this.decisions.add(slot + GuardOutcome.insufficientScope);
      this.refuse(response, new HoneybeeForbiddenException(route, realm));
    }
    const cacheOff = this.options.inbound.cache.maxAgeMs === 0;
    markVerified(request, principal, key, this.options, cacheOff);
    this.decisions.add(slot + GuardOutcome.pass);
    return true;
  }

  /** Refuses with 400 `invalid_request`: the credentials are malformed (`description` says how). */
  private malformed(description: string, response: unknown, slot: number): never {
    this.decisions.add(slot + GuardOutcome.invalidRequest);
    this.refuse(response, new HoneybeeBadRequestException(description, this.options.inbound.realm));
  }

  /** Refuses with 503: the verifier could not decide. */
  private unavailable(token: string, err: unknown, response: unknown, slot: number): never {
    this.logUnavailable(token, err);
    this.decisions.add(slot + GuardOutcome.unavailable);
    const retryAfter = this.options.inbound.retryAfterSeconds;
    this.refuse(response, new HoneybeeServiceUnavailableException(CANNOT_VERIFY, retryAfter));
  }

  private routeOf(context: ExecutionContext): RouteAuthorization {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.routes.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.routes.set(controller, byHandler);
    }
    let route = byHandler.get(handler);
    if (!route) {
      route = readRouteAuthorization(this.reflector, context);
      byHandler.set(handler, route);
    }
    return route;
  }

  /** Sets the exception's headers on the response too (see `setResponseHeaders`), then throws. */
  private refuse(response: unknown, exception: HoneybeeAuthException): never {
    setResponseHeaders(response, exception.headers);
    throw exception;
  }

  private logUnavailable(token: string, err: unknown): void {
    const now = this.clock.now();
    if (now - this.lastUnavailableLogAt < UNAVAILABLE_LOG_INTERVAL_MS) {
      this.unavailableSinceLog += 1;
      return;
    }
    const more = this.unavailableSinceLog;
    this.lastUnavailableLogAt = now;
    this.unavailableSinceLog = 0;
    // A custom verifier's error may quote anything an upstream server said: one line, no escapes.
    const reason = printable(err instanceof Error ? err.message : String(err), 300);
    this.logger.warn(
      `Answered 503: token ${maskToken(token)} could not be verified: ${reason}` +
        (more > 0 ? ` (${more} more since the last report)` : ''),
    );
  }
}
