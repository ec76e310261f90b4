import {
  BadRequestException,
  ForbiddenException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';

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

/**
 * 401: no Bearer credentials (bare challenge) or an invalid, expired or revoked token
 * (`error="invalid_token"`); also the webhook guard's missing or wrong secret.
 */
export class HoneybeeUnauthorizedException
  extends UnauthorizedException
  implements HoneybeeAuthExceptionDetails
{
  constructor(
    message: string,
    readonly headers: Readonly<Record<string, string>>,
    readonly oauthError?: BearerErrorCode,
  ) {
    super(message);
  }
}

/** 400 `invalid_request`: malformed, duplicated or oversized credentials. */
export class HoneybeeBadRequestException
  extends BadRequestException
  implements HoneybeeAuthExceptionDetails
{
  readonly oauthError = 'invalid_request' as const;

  constructor(
    message: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/** 403 `insufficient_scope`: a valid token without the scopes the route requires. */
export class HoneybeeForbiddenException
  extends ForbiddenException
  implements HoneybeeAuthExceptionDetails
{
  readonly oauthError = 'insufficient_scope' as const;

  constructor(
    message: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(message);
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
  constructor(
    message: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(message);
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
