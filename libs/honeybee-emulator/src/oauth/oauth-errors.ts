import type { OAuthErrorCode, OAuthRefusal } from '../emulator.errors.js';
import type { TokenState } from '../tokens/token.store.js';
import { jsonResponse } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';

/** Doorkeeper's `invalid_token` descriptions, by token state. */
export const INVALID_TOKEN_DESCRIPTIONS: Readonly<Record<Exclude<TokenState, 'active'>, string>> =
  Object.freeze({
    revoked: 'The access token was revoked',
    expired: 'The access token expired',
    unknown: 'The access token is invalid',
  });

/**
 * HTTP status of a token-endpoint error, as Doorkeeper answers it (docs/honeybee-server.md): 401
 * for `invalid_client`, 500 for `server_error`, 503 for `temporarily_unavailable`, 400
 * otherwise. `unauthorized_client` depends on the Doorkeeper version: the token endpoint takes
 * it from the profile (`DoorkeeperProfile.unauthorizedClientStatus`).
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
