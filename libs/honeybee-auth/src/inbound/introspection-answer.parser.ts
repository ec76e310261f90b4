import { isFiniteNumber } from '../common/finite-number.js';
import { isScopeToken, normalizeScopes, parseScopeString } from '../common/scopes.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

/**
 * Reads a 200 answer of an RFC 7662 introspection endpoint (Doorkeeper's `POST
 * /oauth/introspect`):
 *
 * - `active` must be a boolean: `false` is an invalid, expired or revoked token (`null`);
 *   `true` goes on; anything else (missing, `"true"`, `1`) is not an introspection answer;
 * - `scope`: a string of space-delimited RFC 6749 scope tokens (possibly empty; Doorkeeper
 *   always sends it);
 * - `exp`: a number (epoch seconds) or absent; once passed, the token is invalid;
 * - `client_id`, `sub`, `token_type`: strings or absent; a `token_type` other than `Bearer`
 *   (a refresh token is "active" too) is invalid.
 *
 * An answer of another shape says nothing about the token: `unrecognised` is thrown.
 *
 * @param now - the clock's time, for `exp`.
 * @param unrecognised - builds the error thrown for an answer of another shape.
 */
export function introspectionPrincipal(
  body: Record<string, unknown>,
  now: number,
  unrecognised: (why: string) => Error,
): HoneybeePrincipal | null {
  const { active, scope, exp } = body;
  if (active === false) return null;
  if (active !== true) throw unrecognised('"active" is not a boolean');
  if (typeof scope !== 'string') throw unrecognised('"scope" is not a string');
  const scopes = parseScopeString(scope);
  if (!scopes.every(isScopeToken))
    throw unrecognised('"scope" holds something other than scope tokens');
  if (exp !== undefined && exp !== null && !isFiniteNumber(exp)) {
    throw unrecognised('"exp" is not a number');
  }
  for (const field of ['client_id', 'sub', 'token_type'] as const) {
    const v = body[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw unrecognised(`"${field}" is not a string`);
    }
  }
  const expiresAt = typeof exp === 'number' ? exp * 1000 : undefined;
  if (expiresAt !== undefined && expiresAt <= now) return null;
  // A refresh token is "active" too; only an access token may open a route.
  const tokenType = body.token_type;
  if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') return null;
  const clientId = body.client_id;
  const sub = body.sub;
  return {
    clientId: typeof clientId === 'string' && clientId.length > 0 ? clientId : undefined,
    subject: typeof sub === 'string' && sub.length > 0 ? sub : undefined,
    scopes: normalizeScopes(scopes),
    expiresAt,
    claims: body,
  };
}
