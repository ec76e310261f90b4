import { isFiniteNumber } from '../common/finite-number.js';
import { Secret } from '../common/secret.js';
import { isScopeToken, normalizeScopes } from '../common/scopes.js';
import { insecureUrlReason, originOf } from '../common/url.js';
import { HoneybeeConfigError } from '../errors/honeybee-config.error.js';
import type {
  HoneybeeAuthModuleOptions,
  HoneybeeJwtVerifierOptions,
  HoneybeeTelemetryOptions,
  HoneybeeWebSocketOptions,
} from './honeybee-auth-options.interface.js';
import type {
  ResolvedHoneybeeAuthOptions,
  ResolvedInboundOptions,
  ResolvedJwtVerifierOptions,
  ResolvedTelemetryOptions,
} from './resolved-options.js';

/** Production token endpoint. */
export const DEFAULT_TOKEN_URL = 'https://auth.honeybeehealth.com/oauth/token';
/** Production Partners API. */
export const DEFAULT_API_BASE_URL = 'https://partners.honeybeehealth.com/v1';

const VERIFIERS = ['token-info', 'introspection', 'jwt'];
/**
 * Default of `inbound.maxConcurrentVerifications`. A service sees few *new* tokens (each is
 * reused for hours), and a verification takes a few milliseconds to a few hundred: 64 at once
 * is hundreds of new tokens per second, far above real traffic, while a flood of junk tokens
 * costs the authorization server at most 64 calls at a time.
 */
const DEFAULT_MAX_CONCURRENT_VERIFICATIONS = 64;
/** Shortest accepted `webhookSecret`. */
const MIN_WEBHOOK_SECRET_LENGTH = 16;
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
 * Validates the module's options once, at start-up, and returns them normalised.
 * @throws HoneybeeConfigError naming the first bad field; never quoting a secret.
 */
export function resolveOptions(raw: HoneybeeAuthModuleOptions): ResolvedHoneybeeAuthOptions {
  if (raw === null || typeof raw !== 'object') {
    throw new HoneybeeConfigError('options', 'must be an object');
  }
  const allowInsecureLoopback = optionalBoolean(raw, 'allowInsecureLoopback', false);
  const url = (field: string, value: unknown, fallback?: string): string => {
    const v = value ?? fallback;
    if (typeof v !== 'string' || v.length === 0) {
      throw new HoneybeeConfigError(field, 'must be a non-empty URL string');
    }
    const reason = insecureUrlReason(v, allowInsecureLoopback);
    if (reason) throw new HoneybeeConfigError(field, reason);
    return v;
  };

  const clientId = requiredString(raw.clientId, 'clientId');
  const clientSecret = new Secret(requiredString(raw.clientSecret, 'clientSecret'));
  const tokenUrl = url('tokenUrl', raw.tokenUrl, DEFAULT_TOKEN_URL);
  const apiBaseUrl = url('apiBaseUrl', raw.apiBaseUrl, DEFAULT_API_BASE_URL).replace(/\/+$/, '');

  const clientAuthMethod = raw.clientAuthMethod ?? 'client_secret_post';
  if (clientAuthMethod !== 'client_secret_post' && clientAuthMethod !== 'client_secret_basic') {
    throw new HoneybeeConfigError(
      'clientAuthMethod',
      'must be "client_secret_post" or "client_secret_basic"',
    );
  }

  const basicCredentialsEncoding = raw.basicCredentialsEncoding ?? 'doorkeeper';
  if (basicCredentialsEncoding !== 'doorkeeper' && basicCredentialsEncoding !== 'rfc6749') {
    throw new HoneybeeConfigError('basicCredentialsEncoding', 'must be "doorkeeper" or "rfc6749"');
  }
  if (
    clientAuthMethod === 'client_secret_basic' &&
    basicCredentialsEncoding === 'doorkeeper' &&
    clientId.includes(':')
  ) {
    throw new HoneybeeConfigError(
      'clientId',
      'contains ":", which HTTP Basic cannot carry unencoded; use clientAuthMethod "client_secret_post"',
    );
  }

  const allowedOrigins = (raw.allowedOrigins ?? [apiBaseUrl]).map((o, i) => {
    const field = `allowedOrigins[${i}]`;
    url(field, o);
    const origin = originOf(o);
    if (!origin) throw new HoneybeeConfigError(field, 'is not an http(s) origin');
    return origin;
  });
  if (allowedOrigins.length === 0) {
    throw new HoneybeeConfigError('allowedOrigins', 'must list at least one origin');
  }

  const retry = raw.retry ?? {};
  const tokenOrigin = new URL(tokenUrl).origin;
  const tokenRequestTimeoutMs = number(
    raw.tokenRequestTimeoutMs,
    'tokenRequestTimeoutMs',
    10_000,
    1,
  );
  return {
    clientId,
    clientSecret,
    tokenUrl,
    apiBaseUrl,
    scopes: scopes(raw.scopes, 'scopes'),
    clientAuthMethod,
    basicCredentialsEncoding,
    allowInsecureLoopback,
    allowedOrigins: [...new Set(allowedOrigins)],
    refreshMarginMs: 1000 * number(raw.refreshMarginSeconds, 'refreshMarginSeconds', 300, 0),
    expiryLeewayMs: 1000 * number(raw.expiryLeewaySeconds, 'expiryLeewaySeconds', 10, 0),
    tokenRequestTimeoutMs,
    httpTimeoutMs: integer(raw.httpTimeoutMs, 'httpTimeoutMs', 30_000, 0),
    retry: {
      maxAttempts: integer(retry.maxAttempts, 'retry.maxAttempts', 3, 1),
      initialDelayMs: number(retry.initialDelayMs, 'retry.initialDelayMs', 250, 0),
      maxDelayMs: number(retry.maxDelayMs, 'retry.maxDelayMs', 10_000, 0),
    },
    maxTokenResponseBytes: integer(raw.maxTokenResponseBytes, 'maxTokenResponseBytes', 65_536, 256),
    tokenStore: resolveTokenStore(raw, clientSecret, tokenRequestTimeoutMs),
    webhookSecret: webhookSecret(raw.webhookSecret),
    inbound: resolveInbound(raw, tokenOrigin, url),
    telemetry: resolveTelemetry(raw.telemetry),
  };
}

function resolveTelemetry(value: HoneybeeTelemetryOptions | undefined): ResolvedTelemetryOptions {
  const telemetry = value ?? {};
  if (telemetry === null || typeof telemetry !== 'object') {
    throw new HoneybeeConfigError('telemetry', 'must be an object');
  }
  const provider = <K extends 'meterProvider' | 'tracerProvider'>(field: K, method: string) => {
    const p = telemetry[field];
    if (
      p !== undefined &&
      (p === null || typeof (p as Record<string, unknown>)[method] !== 'function')
    ) {
      const type = field === 'meterProvider' ? 'MeterProvider' : 'TracerProvider';
      throw new HoneybeeConfigError(
        `telemetry.${field}`,
        `must be an OpenTelemetry ${type} (with ${method}())`,
      );
    }
    return p;
  };
  const sets = telemetry.scopeSets ?? [];
  if (!Array.isArray(sets)) {
    throw new HoneybeeConfigError('telemetry.scopeSets', 'must be an array of scope arrays');
  }
  return {
    enabled: optionalBoolean(telemetry, 'enabled', true, 'telemetry.'),
    meterProvider: provider('meterProvider', 'getMeter'),
    tracerProvider: provider('tracerProvider', 'getTracer'),
    scopeSets: sets.map((set, i) => scopes(set, `telemetry.scopeSets[${i}]`).join(' ')),
  };
}

function resolveTokenStore(
  raw: HoneybeeAuthModuleOptions,
  clientSecret: Secret,
  tokenRequestTimeoutMs: number,
): ResolvedHoneybeeAuthOptions['tokenStore'] {
  const ts = raw.tokenStore;
  if (ts === undefined) return undefined;
  const store = ts?.store as unknown as Record<string, unknown> | undefined;
  const methods = [
    'get',
    'setAndUnlock',
    'deleteIfEquals',
    'tryLock',
    'extendLock',
    'releaseLock',
    'waitForUpdate',
  ];
  const missing = methods.filter((m) => typeof store?.[m] !== 'function');
  if (missing.length) {
    throw new HoneybeeConfigError(
      'tokenStore.store',
      `must implement TokenStore (missing ${missing.join(', ')})`,
    );
  }
  if (
    ts.encryptionKey !== undefined &&
    (typeof ts.encryptionKey !== 'string' || ts.encryptionKey.length < 32)
  ) {
    throw new HoneybeeConfigError(
      'tokenStore.encryptionKey',
      'must be a string of at least 32 characters',
    );
  }
  const lockTtlMs = number(ts.lockTtlMs, 'tokenStore.lockTtlMs', tokenRequestTimeoutMs + 5000, 1);
  return {
    store: ts.store,
    encryptionKey: ts.encryptionKey ? new Secret(ts.encryptionKey) : clientSecret,
    lockTtlMs,
    waitTimeoutMs: number(ts.waitTimeoutMs, 'tokenStore.waitTimeoutMs', 2 * lockTtlMs, 1),
    closeOnShutdown: optionalBoolean(ts, 'closeOnShutdown', true, 'tokenStore.'),
  };
}

function resolveInbound(
  raw: HoneybeeAuthModuleOptions,
  tokenOrigin: string,
  url: (field: string, value: unknown, fallback?: string) => string,
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

function resolveJwt(
  jwt: HoneybeeJwtVerifierOptions,
  url: (field: string, value: unknown, fallback?: string) => string,
): ResolvedJwtVerifierOptions {
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

/**
 * `webhookSecret` as a {@link Secret}: at least {@link MIN_WEBHOOK_SECRET_LENGTH} printable
 * ASCII characters, no leading or trailing whitespace. Header values arrive trimmed and as
 * Latin-1, so a secret with surrounding whitespace (a file's trailing newline) or characters
 * outside printable ASCII could never match: every delivery would get 401 instead of the 503
 * of a misconfiguration. Refused here, at start-up, instead.
 */
function webhookSecret(value: unknown): Secret | undefined {
  if (value === undefined) return undefined;
  const secret = requiredString(value, 'webhookSecret');
  if (secret.trim() !== secret) {
    throw new HoneybeeConfigError(
      'webhookSecret',
      'has leading or trailing whitespace (a trailing newline from a file?); it could never match the X-Honeybee-Secret header',
    );
  }
  if (!/^[\x20-\x7E]+$/.test(secret)) {
    throw new HoneybeeConfigError(
      'webhookSecret',
      'must be printable ASCII; other characters could never match the X-Honeybee-Secret header',
    );
  }
  if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    throw new HoneybeeConfigError(
      'webhookSecret',
      `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters long`,
    );
  }
  return new Secret(secret);
}

/** `allowedClientIds` as a set: a non-empty array of non-empty strings without surrounding whitespace. */
function clientIds(value: unknown, field: string): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw new HoneybeeConfigError(field, 'must be a non-empty array of client ids');
  }
  value.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.trim() !== id) {
      throw new HoneybeeConfigError(
        `${field}[${i}]`,
        'must be a non-empty string without leading or trailing whitespace',
      );
    }
  });
  return new Set(value as string[]);
}

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new HoneybeeConfigError(field, 'is required and must be a non-empty string');
  }
  return value;
}

function stringList(value: unknown, field: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' || v.length === 0)) {
    throw new HoneybeeConfigError(field, 'must be a non-empty string or array of strings');
  }
  return list as string[];
}

function scopes(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new HoneybeeConfigError(field, 'must be an array of strings');
  value.forEach((s, i) => {
    if (typeof s !== 'string' || !isScopeToken(s)) {
      throw new HoneybeeConfigError(
        `${field}[${i}]`,
        'is not a valid scope (printable ASCII, no spaces, quotes or backslashes)',
      );
    }
  });
  return normalizeScopes(value as string[]);
}

function number(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!isFiniteNumber(value) || value < min) {
    throw new HoneybeeConfigError(field, `must be a finite number >= ${min}`);
  }
  return value;
}

function integer(value: unknown, field: string, fallback: number, min: number): number {
  const n = number(value, field, fallback, min);
  if (!Number.isInteger(n)) throw new HoneybeeConfigError(field, 'must be an integer');
  return n;
}

function optionalBoolean<T extends object>(
  obj: T,
  key: keyof T & string,
  fallback: boolean,
  prefix = '',
): boolean {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new HoneybeeConfigError(prefix + key, 'must be a boolean');
  return value;
}
