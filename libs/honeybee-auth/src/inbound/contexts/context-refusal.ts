import {
  HoneybeeBadRequestException,
  HoneybeeForbiddenException,
  HoneybeeServiceUnavailableException,
  HoneybeeUnauthorizedException,
} from '../bearer-challenge.exceptions.js';
import type { BearerErrorCode, HoneybeeAuthException } from '../bearer-challenge.exceptions.js';

/**
 * Why `ScopesGuard` refused a GraphQL operation, a WebSocket message or a microservice
 * message: GraphQL's conventional error codes, one per HTTP answer of the guard.
 */
export type HoneybeeRefusalCode =
  'UNAUTHENTICATED' | 'BAD_REQUEST' | 'FORBIDDEN' | 'SERVICE_UNAVAILABLE';

/**
 * A refusal of `ScopesGuard` outside HTTP, as GraphQL error `extensions` (without `message`),
 * as the `exception` payload of a WebSocket gateway and as the error of a TCP (or other
 * non-gRPC) microservice. It carries the same facts as the HTTP answer, never the token.
 */
export interface HoneybeeRefusal {
  /** `UNAUTHENTICATED` (no or invalid token), `BAD_REQUEST` (malformed credentials), `FORBIDDEN` (missing scope), `SERVICE_UNAVAILABLE` (the token cannot be checked now). */
  code: HoneybeeRefusalCode;
  /** The HTTP status the same request would get: 401, 400, 403 or 503. */
  statusCode: 401 | 400 | 403 | 503;
  /** What went wrong, for people (the HTTP body's `message`). */
  message: string;
  /** The RFC 6750 error code, as in the HTTP challenge (absent when no token was sent). */
  oauthError?: BearerErrorCode;
  /** With `FORBIDDEN`: scopes that would satisfy the handler (the challenge's `scope`). */
  requiredScopes?: string[];
  /** With `SERVICE_UNAVAILABLE`: when to try again, in seconds (the HTTP `Retry-After`). */
  retryAfterSeconds?: number;
}

/** True for the exceptions `ScopesGuard` throws when it refuses. */
export function isHoneybeeAuthException(err: unknown): err is HoneybeeAuthException {
  return (
    err instanceof HoneybeeUnauthorizedException ||
    err instanceof HoneybeeBadRequestException ||
    err instanceof HoneybeeForbiddenException ||
    err instanceof HoneybeeServiceUnavailableException
  );
}

/** The refusal that carries what the guard's HTTP exception says. */
export function refusalOf(exception: HoneybeeAuthException): HoneybeeRefusal {
  const message = exception.message;
  if (exception instanceof HoneybeeBadRequestException) {
    return { code: 'BAD_REQUEST', statusCode: 400, message, oauthError: exception.oauthError };
  }
  if (exception instanceof HoneybeeForbiddenException) {
    return {
      code: 'FORBIDDEN',
      statusCode: 403,
      message,
      oauthError: exception.oauthError,
      requiredScopes: [...exception.scopes],
    };
  }
  if (exception instanceof HoneybeeServiceUnavailableException) {
    const { retryAfterSeconds } = exception;
    return {
      code: 'SERVICE_UNAVAILABLE',
      statusCode: 503,
      message,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    };
  }
  const { oauthError } = exception;
  return { code: 'UNAUTHENTICATED', statusCode: 401, message, ...(oauthError && { oauthError }) };
}
