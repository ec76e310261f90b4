import { Secret } from '../common/secret.js';
import { originOf } from '../common/url.js';
import { HoneybeeConfigError } from '../errors/honeybee-config.error.js';
import type { HoneybeeAuthModuleOptions } from './honeybee-auth-options.interface.js';
import {
  integer,
  number,
  optionalBoolean,
  requiredString,
  scopes,
  urlField,
} from './option-fields.js';
import { resolveInboundOptions } from './resolve-inbound-options.js';
import { resolveTelemetryOptions } from './resolve-telemetry-options.js';
import type { ResolvedHoneybeeAuthOptions } from './resolved-options.js';

/** Production token endpoint. */
export const DEFAULT_TOKEN_URL = 'https://auth.honeybeehealth.com/oauth/token';
/** Production Partners API. */
export const DEFAULT_API_BASE_URL = 'https://partners.honeybeehealth.com/v1';

/** Shortest accepted `webhookSecret`. */
const MIN_WEBHOOK_SECRET_LENGTH = 16;

/**
 * Validates the module's options once, at start-up, and returns them normalised.
 * @throws HoneybeeConfigError naming the first bad field; never quoting a secret.
 */
export function resolveOptions(raw: HoneybeeAuthModuleOptions): ResolvedHoneybeeAuthOptions {
  if (raw === null || typeof raw !== 'object') {
    throw new HoneybeeConfigError('options', 'must be an object');
  }
  const allowInsecureLoopback = optionalBoolean(raw, 'allowInsecureLoopback', false);
  const url = urlField(allowInsecureLoopback);

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
    inbound: resolveInboundOptions(raw, tokenOrigin, url),
    telemetry: resolveTelemetryOptions(raw.telemetry),
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
