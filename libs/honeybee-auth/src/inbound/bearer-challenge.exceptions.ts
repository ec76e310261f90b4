import {
  BadRequestException,
  ForbiddenException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { RouteAuthorization } from './require-scopes.decorator.js';

/** RFC 6750 §3 error codes. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** The parameters of a Bearer challenge besides `realm`. */
export interface BearerChallengeParams {
  error?: BearerErrorCode;
  /** Human-readable; only %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3), other characters are dropped. */
  errorDescription?: string;
  /** Space-delimited scopes that would grant access (with `insufficient_scope`). */
  scope?: string;
}

/**
 * Formats a `WWW-Authenticate` Bearer challenge (RFC 6750 §3). Without `error`, the bare
 * challenge for a request that carried no Bearer credentials.
 *
 * @example bearerChallenge('honeybee', { error: 'invalid_token', errorDescription: 'Expired' })
 * // Bearer realm="honeybee", error="invalid_token", error_description="Expired"
 */
export function bearerChallenge(realm: string, params: BearerChallengeParams = {}): string {
  const parts = [`realm="${quotable(realm)}"`];
  if (params.error) parts.push(`error="${params.error}"`);
  if (params.errorDescription)
    parts.push(`error_description="${quotable(params.errorDescription)}"`);
  if (params.scope) parts.push(`scope="${quotable(params.scope)}"`);
  return `Bearer ${parts.join(', ')}`;
}

/** Drops the characters RFC 6750 does not allow inside its quoted attribute values. */
function quotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
}

/**
 * What the inbound guards' exceptions carry besides Nest's body: the response headers
 * (`WWW-Authenticate`, `Retry-After`) and the OAuth error code.
 *
 * The guards also set these headers on the response before throwing, so Nest's default
 * exception filter sends them on Express and Fastify. A custom exception filter that builds
 * its own response should copy `exception.headers`.
 */
export interface HoneybeeAuthExceptionDetails {
  /** Headers the answer must carry. */
  readonly headers: Readonly<Record<string, string>>;
  /** The RFC 6750 error code, when there is one. */
  readonly oauthError?: BearerErrorCode;
}

/** What a route requires: every scope of `allOf`, and one scope of each `anyOf` group. */
export type ScopeRequirement = Pick<RouteAuthorization, 'allOf' | 'anyOf'>;

/**
 * 401: no Bearer credentials (bare challenge) or an invalid, expired or revoked token
 * (`error="invalid_token"`); also the webhook guard's missing or wrong secret (no challenge).
 */
export class HoneybeeUnauthorizedException
  extends UnauthorizedException
  implements HoneybeeAuthExceptionDetails
{
  readonly headers: Readonly<Record<string, string>>;
  readonly oauthError?: 'invalid_token';

  /**
   * @param message - the body's `message`; with `invalid_token` also the challenge's
   *   `error_description`.
   * @param challenge - the Bearer challenge to send: `{ realm }` alone when the request carried
   *   no Bearer credentials (RFC 6750 §3.1: no error code then), with `error: 'invalid_token'`
   *   for a token that was refused; none for a credential that is not an HTTP authentication
   *   scheme (the webhook secret), which no client could answer.
   */
  constructor(message: string, challenge?: { realm: string; error?: 'invalid_token' }) {
    super(message);
    this.oauthError = challenge?.error;
    this.headers = challenge
      ? {
          'WWW-Authenticate': bearerChallenge(
            challenge.realm,
            challenge.error && { error: challenge.error, errorDescription: message },
          ),
        }
      : {};
  }
}

/** 400 `invalid_request`: malformed, duplicated or oversized credentials. */
export class HoneybeeBadRequestException
  extends BadRequestException
  implements HoneybeeAuthExceptionDetails
{
  readonly oauthError = 'invalid_request' as const;
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param description - what is wrong with the credentials, never quoting them: the body's
   *   `message` and the challenge's `error_description`.
   * @param realm - the challenge's `realm`.
   */
  constructor(description: string, realm: string) {
    super(description);
    this.headers = {
      'WWW-Authenticate': bearerChallenge(realm, {
        error: this.oauthError,
        errorDescription: description,
      }),
    };
  }
}

/**
 * 403 `insufficient_scope`: a valid token without the scopes the route requires. The message
 * says what the route requires; the challenge's `scope` lists a set of scopes that would do.
 */
export class HoneybeeForbiddenException
  extends ForbiddenException
  implements HoneybeeAuthExceptionDetails
{
  readonly oauthError = 'insufficient_scope' as const;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Scopes that satisfy the requirement, sorted (the challenge's `scope`). RFC 6750 cannot
   * express "one of", so every scope of each any-of group is listed; the message says which
   * are alternatives.
   */
  readonly scopes: readonly string[];

  /**
   * @param requirement - what the route requires (see `RequireScopes`, `RequireAnyScope`).
   * @param realm - the challenge's `realm`.
   */
  constructor(requirement: ScopeRequirement, realm: string) {
    super(requirementDescription(requirement));
    this.scopes = [...new Set([...requirement.allOf, ...requirement.anyOf.flat()])].sort();
    this.headers = {
      'WWW-Authenticate': bearerChallenge(realm, {
        error: this.oauthError,
        errorDescription: this.message,
        scope: this.scopes.join(' '),
      }),
    };
  }
}

/**
 * 503 with `Retry-After`: the token could not be checked (verifier down, slow, 5xx, garbage),
 * or the webhook guard has no secret configured. The request is refused: fail closed.
 */
export class HoneybeeServiceUnavailableException
  extends ServiceUnavailableException
  implements HoneybeeAuthExceptionDetails
{
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param message - the body's `message`.
   * @param retryAfterSeconds - sent as `Retry-After`; none when a retry cannot help before
   *   someone fixes the configuration.
   */
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.headers =
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  }
}

/** Any of the inbound guards' exceptions. */
export type HoneybeeAuthException =
  | HoneybeeUnauthorizedException
  | HoneybeeBadRequestException
  | HoneybeeForbiddenException
  | HoneybeeServiceUnavailableException;

/**
 * Sets `headers` on an Express response (`setHeader`) or a Fastify reply (`header`), so they
 * survive Nest's default exception filter, which only sets status and body.
 */
export function setResponseHeaders(
  response: unknown,
  headers: Readonly<Record<string, string>>,
): void {
  const res = response as {
    raw?: unknown;
    header?: (name: string, value: string) => unknown;
    setHeader?: (name: string, value: string) => unknown;
    headersSent?: boolean;
    sent?: boolean;
  } | null;
  if (!res || res.headersSent || res.sent) return;
  for (const [name, value] of Object.entries(headers)) {
    // A Fastify reply wraps the Node response in `raw` and only knows `header()`; headers set
    // on `raw` directly could be overwritten when Fastify writes its own.
    if (res.raw && typeof res.header === 'function') res.header(name, value);
    else if (typeof res.setHeader === 'function') res.setHeader(name, value);
  }
}

function requirementDescription(requirement: ScopeRequirement): string {
  const parts: string[] = [];
  if (requirement.allOf.length > 0) parts.push(`all of: ${requirement.allOf.join(' ')}`);
  for (const group of requirement.anyOf) parts.push(`one of: ${group.join(' ')}`);
  return `Insufficient scope; this route requires ${parts.join('; and ')}`;
}
