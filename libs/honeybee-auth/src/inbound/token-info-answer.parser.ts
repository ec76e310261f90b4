import { isFiniteNumber } from '../common/finite-number.js';
import { isScopeToken, normalizeScopes } from '../common/scopes.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

/**
 * Reads a 200 answer of Doorkeeper's `GET /oauth/token/info`. Only Doorkeeper's own shape
 * counts as "this token is valid":
 *
 * ```json
 * {"resource_owner_id":null,"scope":["a","b"],"expires_in":4223,
 *  "application":{"uid":"<client id>"},"created_at":1592972935}
 * ```
 *
 * - `scope`: an array of RFC 6749 scope tokens (possibly empty);
 * - `application`: an object whose `uid` is a non-empty string (the client id);
 * - `created_at`: a number (epoch seconds);
 * - `expires_in`: a number (remaining seconds; `<= 0` means expired: invalid) or `null`
 *   (a token without expiry);
 * - `resource_owner_id`: a string, a number, `null` or absent.
 *
 * Any other 200 (`{}`, `{"status":"ok"}`, a gateway's `{"error":…}`, `{"active":false}`, a
 * scope string) comes from something that is not Doorkeeper's token info (a wrong
 * `tokenInfoUrl`, a proxy) and says nothing about the token: `unrecognised` is thrown.
 *
 * @param sentAt - clock time the request was sent: `expires_in` is counted from it.
 * @param unrecognised - builds the error thrown for an answer of another shape.
 * @returns the principal, or `null` for an expired token.
 */
export function tokenInfoPrincipal(
  body: Record<string, unknown>,
  sentAt: number,
  unrecognised: (why: string) => Error,
): HoneybeePrincipal | null {
  const { scope, application, created_at: createdAt, expires_in: expiresIn } = body;
  if (!Array.isArray(scope) || !scope.every((s) => typeof s === 'string' && isScopeToken(s))) {
    throw unrecognised('"scope" is not an array of scope tokens');
  }
  const uid = (application as { uid?: unknown } | null | undefined)?.uid;
  if (
    application === null ||
    typeof application !== 'object' ||
    Array.isArray(application) ||
    typeof uid !== 'string' ||
    uid.length === 0
  ) {
    throw unrecognised('"application.uid" is not a string');
  }
  if (!isFiniteNumber(createdAt)) throw unrecognised('"created_at" is not a number');
  if (expiresIn !== null && !isFiniteNumber(expiresIn)) {
    throw unrecognised('"expires_in" is neither a number nor null');
  }
  const owner = body.resource_owner_id;
  if (
    owner !== undefined &&
    owner !== null &&
    typeof owner !== 'string' &&
    !isFiniteNumber(owner)
  ) {
    throw unrecognised('"resource_owner_id" is neither a string, a number nor null');
  }
  // Doorkeeper answers 401 for an expired token; a zero lifetime left means the same.
  if (expiresIn !== null && expiresIn <= 0) return null;
  return {
    clientId: uid,
    subject: owner === undefined || owner === null ? undefined : String(owner),
    scopes: normalizeScopes(scope as string[]),
    expiresAt: expiresIn === null ? undefined : sentAt + expiresIn * 1000,
    claims: body,
  };
}
