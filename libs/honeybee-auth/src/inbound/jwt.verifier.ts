import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { Clock } from '../common/clock.js';
import { isScopeToken, normalizeScopes, parseScopeString } from '../common/scopes.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import type { HoneybeeVerifierUnavailableKind } from '../errors/honeybee-verifier-unavailable.error.js';
import type { ResolvedJwtVerifierOptions } from '../options/resolved-options.js';
import type { HoneybeePrincipal, TokenVerifier } from './token-verifier.interface.js';
import { readBoundedBody } from '../common/http.js';
import { printable } from '../common/upstream-text.js';
import { MAX_VERIFIER_RESPONSE_BYTES } from './verifier-fetch.js';

/**
 * `jose` error codes that condemn the token itself. Every other failure (JWKS unreachable,
 * slow, not 200, not a key set) says nothing about the token: unavailable.
 */
const INVALID_TOKEN_CODES = new Set([
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

/**
 * The `jwt` verifier: checks a JWT access token locally with `jose` against the issuer's JWKS.
 *
 * Signature (algorithms from the allow-list only), `iss`, `aud`, `exp` (required), `nbf`,
 * with `clockToleranceSeconds` of leeway and the module's clock as "now", and the header's
 * `typ`: `at+jwt` or `application/at+jwt` in any case (RFC 9068 §4), so that an ID token or a
 * logout token of the same issuer and audience is not taken for an access token (unless
 * `requireAtJwtType` is off, for issuers that do not set it). Scopes come from a
 * `scope` string (RFC 9068) or an `scp` array; any other type makes the token invalid. The
 * client id is `client_id`, else `azp`.
 *
 * The key set is fetched on first use and again for an unknown `kid` (at most once per
 * `jwksCooldownMs`), so key rotation needs no restart. A JWKS that cannot be fetched makes
 * the verifier unavailable (503), never "invalid token".
 */
export class JwtVerifier implements TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly options: ResolvedJwtVerifierOptions,
    private readonly clock: Clock,
  ) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUri), {
      cooldownDuration: options.jwksCooldownMs,
      timeoutDuration: Math.ceil(options.jwksTimeoutMs),
      [customFetch]: boundedJwksFetch,
    });
  }

  /** @inheritDoc */
  async verify(token: string): Promise<HoneybeePrincipal | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp'],
        currentDate: new Date(this.clock.now()),
        // jose compares case-insensitively, without an `application/` prefix (RFC 9068 §4).
        typ: this.options.requireAtJwtType ? 'at+jwt' : undefined,
      }));
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      if (typeof code === 'string' && INVALID_TOKEN_CODES.has(code)) return null;
      throw new HoneybeeVerifierUnavailableError(
        `JWT verification could not get the signing keys: ${printable(describe(err), 300)}`,
        { cause: err, kind: jwksFailureKind(err) },
      );
    }

    const scopes = readScopes(payload);
    if (!scopes) return null;
    const clientId =
      typeof payload.client_id === 'string'
        ? payload.client_id
        : typeof payload.azp === 'string'
          ? payload.azp
          : undefined;
    return {
      clientId,
      subject: typeof payload.sub === 'string' ? payload.sub : undefined,
      scopes,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      claims: payload,
    };
  }
}

/**
 * Scopes of a `scope` string or an `scp` array; `undefined` (an invalid token) when either has
 * another type or holds something that is not an RFC 6749 scope token.
 */
function readScopes(payload: JWTPayload): string[] | undefined {
  const { scope, scp } = payload;
  if (scope !== undefined && typeof scope !== 'string') return undefined;
  if (scp !== undefined && !(Array.isArray(scp) && scp.every((s) => typeof s === 'string'))) {
    return undefined;
  }
  const fromScope = typeof scope === 'string' ? parseScopeString(scope) : [];
  const all = [...fromScope, ...((scp as string[] | undefined) ?? [])];
  return all.every(isScopeToken) ? normalizeScopes(all) : undefined;
}

/** `fetch` for the JWKS with redirects refused and the body bounded. */
async function boundedJwksFetch(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    return new Response(null, { status: res.status });
  }
  const body = await readBoundedBody(res, MAX_VERIFIER_RESPONSE_BYTES);
  if (body === undefined) {
    throw new JwksTooLargeError(`JWKS exceeds ${MAX_VERIFIER_RESPONSE_BYTES} bytes`);
  }
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** Why the key set could not be had, from what `jose` (or {@link boundedJwksFetch}) threw. */
function jwksFailureKind(err: unknown): HoneybeeVerifierUnavailableKind {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  if (e?.code === 'ERR_JWKS_TIMEOUT') return 'timeout';
  if (e?.code === 'ERR_JWKS_INVALID' || err instanceof JwksTooLargeError) return 'invalid_response';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (message.startsWith('Expected 200 OK')) return 'http';
  if (message.startsWith('Failed to parse')) return 'invalid_response';
  // fetch() itself rejects with a TypeError ("fetch failed") when the connection fails.
  if (e?.name === 'TypeError') return 'network';
  return 'verifier_error';
}

/** A JWKS answer larger than {@link MAX_VERIFIER_RESPONSE_BYTES}. */
class JwksTooLargeError extends Error {
  override readonly name = 'JwksTooLargeError';
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return [e?.code, e?.cause?.code, e?.message].filter(Boolean).join(': ') || 'unknown error';
}
