import type { OAuthErrorCode } from '../emulator.errors.js';
import type { TokenState } from '../tokens/token.store.js';
import { jsonResponse } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';

/** Doorkeeper's English error descriptions (`config/locales/en.yml`). */
export const OAUTH_ERROR_DESCRIPTIONS: Readonly<Record<OAuthErrorCode, string>> = Object.freeze({
  invalid_request:
    'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unauthorized_client: 'The client is not authorized to perform this request using this method.',
  unsupported_grant_type:
    'The authorization grant type is not supported by the authorization server.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  server_error:
    'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
  temporarily_unavailable:
    'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.',
});

/** Doorkeeper's `invalid_token` descriptions, by token state. */
export const INVALID_TOKEN_DESCRIPTIONS: Readonly<Record<Exclude<TokenState, 'active'>, string>> =
  Object.freeze({
    revoked: 'The access token was revoked',
    expired: 'The access token expired',
    unknown: 'The access token is invalid',
  });

/** An OAuth refusal: the error code and its description. */
export interface OAuthRefusal {
  /** The OAuth error code. */
  readonly error: OAuthErrorCode;
  /** The `error_description`. */
  readonly description: string;
}

/** A refusal with Doorkeeper's stock description, or a specific one. */
export function refusal(error: OAuthErrorCode, description?: string): OAuthRefusal {
  return { error, description: description ?? OAUTH_ERROR_DESCRIPTIONS[error] };
}

/** `invalid_request` for a missing parameter, worded as Doorkeeper words it. */
export function missingParam(name: string): OAuthRefusal {
  return refusal('invalid_request', `Missing required parameter: ${name}.`);
}

/**
 * HTTP status of a token-endpoint error, per HONEYBEE.md: 401 for `invalid_client`, 500 for
 * `server_error`, 503 for `temporarily_unavailable`, 400 otherwise.
 */
export function oauthErrorStatus(error: OAuthErrorCode): number {
  switch (error) {
    case 'invalid_client':
      return 401;
    case 'server_error':
      return 500;
    case 'temporarily_unavailable':
      return 503;
    default:
      return 400;
  }
}

/**
 * The `WWW-Authenticate` challenge Doorkeeper sends. Like Doorkeeper, the description is
 * interpolated as is, without escaping: a description holding `"` makes a quoted-string that a
 * strict RFC 7235 parser will misread, and clients have to live with that.
 */
export function bearerChallenge(error: string, description: string): string {
  return `Bearer realm="Doorkeeper", error="${error}", error_description="${description}"`;
}

/** Headers of every Doorkeeper error response (`Doorkeeper::OAuth::ErrorResponse#headers`). */
export function oauthErrorHeaders(error: string, description: string): Record<string, string> {
  return {
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'WWW-Authenticate': bearerChallenge(error, description),
  };
}

/** A Doorkeeper error response: JSON `{error, error_description}` with the error headers. */
export function oauthErrorResponse(
  refused: OAuthRefusal,
  status = oauthErrorStatus(refused.error),
): EmulatorResponse {
  return jsonResponse(
    status,
    { error: refused.error, error_description: refused.description },
    oauthErrorHeaders(refused.error, refused.description),
  );
}

/**
 * A Doorkeeper `invalid_token` response with a JSON body, as token info and introspection send
 * it: `{"error":"invalid_token","error_description":…,"state":"unauthorized"}` (Doorkeeper's
 * `InvalidTokenResponse` carries the `state` it was built with).
 */
export function invalidTokenJsonResponse(state: Exclude<TokenState, 'active'>): EmulatorResponse {
  const description = INVALID_TOKEN_DESCRIPTIONS[state];
  return jsonResponse(
    401,
    { error: 'invalid_token', error_description: description, state: 'unauthorized' },
    oauthErrorHeaders('invalid_token', description),
  );
}
