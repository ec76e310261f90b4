import { HoneybeeConfigError } from '../errors/honeybee-config.error.js';
import type {
  HoneybeeAuthModuleOptions,
  HoneybeeJwtVerifierOptions,
  HoneybeeWebSocketOptions,
} from './honeybee-auth-options.interface.js';
import { clientIds, integer, number, optionalBoolean, stringList } from './option-fields.js';
import type { UrlField } from './option-fields.js';
import type { ResolvedInboundOptions, ResolvedJwtVerifierOptions } from './resolved-options.js';

/** The built-in verifiers, by name (a class is the other choice). */
const VERIFIERS = ['token-info', 'introspection', 'jwt'];
/**
 * Default of `inbound.maxConcurrentVerifications`. A service sees few *new* tokens (each is
 * reused for hours), and a verification takes a few milliseconds to a few hundred: 64 at once
 * is hundreds of new tokens per second, far above real traffic, while a flood of junk tokens
 * costs the authorization server at most 64 calls at a time.
 */
const DEFAULT_MAX_CONCURRENT_VERIFICATIONS = 64;
/**
 * Asymmetric JWS algorithms only: an `HS*` verifier can be fed the public key as its HMAC
 * secret (algorithm confusion), and `none` is no signature at all.
 */
const SAFE_JWT_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/**
 * Validates the inbound options (`inbound`: the verifier, the JWT settings, the verdict cache,
 * where tokens may come from, the challenge's realm) and applies their defaults. The token-info
 * and introspection URLs default to the token endpoint's origin.
 * @throws HoneybeeConfigError naming the first bad field.
 */
export function resolveInboundOptions(
  raw: HoneybeeAuthModuleOptions,
  tokenOrigin: string,
  url: UrlField,
): ResolvedInboundOptions {
  const inbound = raw.inbound ?? {};
  const verifier = inbound.verifier ?? 'token-info';
  if (typeof verifier !== 'function' && !VERIFIERS.includes(verifier)) {
    throw new HoneybeeConfigError(
      'inbound.verifier',
      'must be "token-info", "introspection", "jwt" or a TokenVerifier class',
    );
  }
  if (verifier === 'jwt' && !inbound.jwt) {
    throw new HoneybeeConfigError('inbound.jwt', 'is required when inbound.verifier is "jwt"');
  }
  const cache = inbound.cache ?? {};
  const realm = inbound.realm ?? 'honeybee';
  if (typeof realm !== 'string' || !/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/.test(realm)) {
    throw new HoneybeeConfigError('inbound.realm', 'must be printable ASCII without " or \\');
  }
  return {
    verifier,
    allowedClientIds: clientIds(inbound.allowedClientIds, 'inbound.allowedClientIds'),
    tokenInfoUrl: url(
      'inbound.tokenInfoUrl',
      inbound.tokenInfoUrl,
      `${tokenOrigin}/oauth/token/info`,
    ),
    introspectionUrl: url(
      'inbound.introspectionUrl',
      inbound.introspectionUrl,
      `${tokenOrigin}/oauth/introspect`,
    ),
    jwt: inbound.jwt ? resolveJwt(inbound.jwt, url) : undefined,
    verifyTimeoutMs: number(inbound.verifyTimeoutMs, 'inbound.verifyTimeoutMs', 5000, 1),
    cache: {
      maxEntries: integer(cache.maxEntries, 'inbound.cache.maxEntries', 10_000, 1),
      maxAgeMs: 1000 * number(cache.maxAgeSeconds, 'inbound.cache.maxAgeSeconds', 60, 0),
      negativeTtlMs:
        1000 * number(cache.negativeTtlSeconds, 'inbound.cache.negativeTtlSeconds', 5, 0),
    },
    maxConcurrentVerifications: integer(
      inbound.maxConcurrentVerifications,
      'inbound.maxConcurrentVerifications',
      DEFAULT_MAX_CONCURRENT_VERIFICATIONS,
      1,
    ),
    realm,
    retryAfterSeconds: integer(inbound.retryAfterSeconds, 'inbound.retryAfterSeconds', 5, 0),
    allowTokenInQuery: optionalBoolean(inbound, 'allowTokenInQuery', false, 'inbound.'),
    allowTokenInBody: optionalBoolean(inbound, 'allowTokenInBody', false, 'inbound.'),
    maxTokenLength: integer(inbound.maxTokenLength, 'inbound.maxTokenLength', 4096, 16),
    webSockets: resolveWebSockets(inbound.webSockets ?? {}),
  };
}

function resolveWebSockets(ws: HoneybeeWebSocketOptions): ResolvedInboundOptions['webSockets'] {
  if (ws === null || typeof ws !== 'object') {
    throw new HoneybeeConfigError('inbound.webSockets', 'must be an object');
  }
  const prefix = 'inbound.webSockets.';
  return {
    allowTokenInAuth: optionalBoolean(ws, 'allowTokenInAuth', false, prefix),
    allowTokenInQuery: optionalBoolean(ws, 'allowTokenInQuery', false, prefix),
  };
}

function resolveJwt(jwt: HoneybeeJwtVerifierOptions, url: UrlField): ResolvedJwtVerifierOptions {
  const algorithms = jwt.algorithms ?? ['RS256', 'ES256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new HoneybeeConfigError('inbound.jwt.algorithms', 'must be a non-empty array');
  }
  for (const alg of algorithms) {
    if (!SAFE_JWT_ALGORITHMS.has(alg)) {
      throw new HoneybeeConfigError(
        'inbound.jwt.algorithms',
        `contains "${String(alg)}": only asymmetric algorithms (RS*, PS*, ES*, EdDSA) are allowed`,
      );
    }
  }
  return {
    jwksUri: url('inbound.jwt.jwksUri', jwt.jwksUri),
    issuer: stringList(jwt.issuer, 'inbound.jwt.issuer'),
    audience: stringList(jwt.audience, 'inbound.jwt.audience'),
    algorithms: [...algorithms],
    clockToleranceSeconds: number(
      jwt.clockToleranceSeconds,
      'inbound.jwt.clockToleranceSeconds',
      5,
      0,
    ),
    jwksCooldownMs: number(jwt.jwksCooldownMs, 'inbound.jwt.jwksCooldownMs', 30_000, 0),
    jwksTimeoutMs: number(jwt.jwksTimeoutMs, 'inbound.jwt.jwksTimeoutMs', 5000, 1),
    requireAtJwtType: optionalBoolean(jwt, 'requireAtJwtType', true, 'inbound.jwt.'),
  };
}
