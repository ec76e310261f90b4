import type { Clock } from '../common/clock.js';
import { normalizeScopes, parseScopeString } from '../common/scopes.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import type { HoneybeePrincipal, TokenVerifier } from './token-verifier.interface.js';
import { fetchVerifierResponse, parseJsonObject } from './verifier-fetch.js';

const WHAT = 'Token-info request';

/**
 * The `token-info` verifier: Doorkeeper's `GET /oauth/token/info`, authenticated with the token
 * being checked (no client credentials needed).
 *
 * - 200: valid. `scope` is an **array** here; `application.uid` is the client id;
 *   `expires_in` is the *remaining* lifetime, so the expiry is local send time + `expires_in`.
 * - 401: invalid, expired or revoked (`null`).
 * - anything else, a timeout, a network error or an unreadable 200: unavailable.
 */
export class TokenInfoVerifier implements TokenVerifier {
  constructor(
    private readonly options: ResolvedHoneybeeAuthOptions,
    private readonly clock: Clock,
  ) {}

  /** @inheritDoc */
  async verify(token: string, signal?: AbortSignal): Promise<HoneybeePrincipal | null> {
    const { tokenInfoUrl, verifyTimeoutMs } = this.options.inbound;
    const sentAt = this.clock.now();
    const res = await fetchVerifierResponse(
      WHAT,
      tokenInfoUrl,
      {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      },
      verifyTimeoutMs,
      signal,
    );
    if (res.status === 401) return null;
    const unavailable = (why: string) =>
      new HoneybeeVerifierUnavailableError(`${WHAT}: ${why}`, {
        status: res.status,
        requestId: res.requestId,
      });
    if (res.status !== 200) throw unavailable(`the endpoint answered HTTP ${res.status}`);

    const body = parseJsonObject(WHAT, res);
    const scopes = readScopes(body.scope);
    if (!scopes) throw unavailable('"scope" is neither an array of strings nor a string');
    const expiresIn = body.expires_in;
    if (expiresIn !== undefined && expiresIn !== null && !isFiniteNumber(expiresIn)) {
      throw unavailable('"expires_in" is not a number');
    }
    // Doorkeeper answers 401 for an expired token; a zero lifetime left means the same.
    if (isFiniteNumber(expiresIn) && expiresIn <= 0) return null;

    const application = body.application as { uid?: unknown } | null | undefined;
    const clientId = typeof application?.uid === 'string' ? application.uid : undefined;
    const owner = body.resource_owner_id;
    const subject =
      typeof owner === 'string' || typeof owner === 'number' ? String(owner) : undefined;
    return {
      clientId,
      subject,
      scopes,
      expiresAt: isFiniteNumber(expiresIn) ? sentAt + expiresIn * 1000 : undefined,
      claims: body,
    };
  }
}

/** Token-info's `scope` array (a space-delimited string is tolerated); `undefined` if neither. */
function readScopes(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return normalizeScopes(parseScopeString(value));
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) {
    return normalizeScopes(value as string[]);
  }
  return undefined;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
