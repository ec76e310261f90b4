import { inspect } from 'node:util';
import { HoneybeeConfigError } from '../errors/honeybee-config.error.js';
import type { TokenStore } from '../outbound/token-store.interface.js';
import type { HoneybeeAuthModuleOptions } from './honeybee-auth-options.interface.js';
import { DEFAULT_API_BASE_URL, DEFAULT_TOKEN_URL, resolveOptions } from './resolve-options.js';

const SECRET = 'never-print-this-secret';
const base: HoneybeeAuthModuleOptions = { clientId: 'id', clientSecret: SECRET };

const fieldOf = (opts: unknown): string | undefined => {
  try {
    resolveOptions(opts as HoneybeeAuthModuleOptions);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(HoneybeeConfigError);
    expect(String((e as Error).message)).not.toContain(SECRET);
    return (e as HoneybeeConfigError).field;
  }
};

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveOptions(base);
    expect(o).toMatchObject({
      tokenUrl: DEFAULT_TOKEN_URL,
      apiBaseUrl: DEFAULT_API_BASE_URL,
      scopes: [],
      clientAuthMethod: 'client_secret_post',
      basicCredentialsEncoding: 'doorkeeper',
      allowInsecureLoopback: false,
      allowedOrigins: ['https://partners.honeybeehealth.com'],
      refreshMarginMs: 300_000,
      expiryLeewayMs: 10_000,
      tokenRequestTimeoutMs: 10_000,
      httpTimeoutMs: 30_000,
      retry: { maxAttempts: 3, initialDelayMs: 250, maxDelayMs: 10_000 },
      maxTokenResponseBytes: 65_536,
    });
    expect(o.inbound).toMatchObject({
      verifier: 'token-info',
      tokenInfoUrl: 'https://auth.honeybeehealth.com/oauth/token/info',
      introspectionUrl: 'https://auth.honeybeehealth.com/oauth/introspect',
      realm: 'honeybee',
      cache: { maxEntries: 10_000, maxAgeMs: 60_000, negativeTtlMs: 5_000 },
    });
    expect(o.clientSecret.reveal()).toBe(SECRET);
  });

  it('accepts a ":" in clientId when it travels in the body or form-urlencoded', () => {
    expect(resolveOptions({ ...base, clientId: 'app:one' }).clientId).toBe('app:one');
    expect(
      resolveOptions({
        ...base,
        clientId: 'app:one',
        clientAuthMethod: 'client_secret_basic',
        basicCredentialsEncoding: 'rfc6749',
      }).basicCredentialsEncoding,
    ).toBe('rfc6749');
  });

  it('normalises scopes and strips a trailing slash from apiBaseUrl', () => {
    const o = resolveOptions({
      ...base,
      scopes: ['b', 'a', 'b'],
      apiBaseUrl: 'https://x.test/v1/',
    });
    expect(o.scopes).toEqual(['a', 'b']);
    expect(o.apiBaseUrl).toBe('https://x.test/v1');
    expect(o.allowedOrigins).toEqual(['https://x.test']);
  });

  it.each([
    ['clientId', { clientId: undefined }],
    ['clientId', { clientId: '  ' }],
    ['clientSecret', { clientSecret: '' }],
    ['clientSecret', { clientSecret: 42 }],
    ['tokenUrl', { tokenUrl: 'not a url' }],
    ['tokenUrl', { tokenUrl: 'http://auth.honeybeehealth.com/oauth/token' }],
    ['tokenUrl', { tokenUrl: 'ftp://auth.honeybeehealth.com/oauth/token' }],
    ['tokenUrl', { tokenUrl: 'https://user:pw@auth.honeybeehealth.com/oauth/token' }],
    ['apiBaseUrl', { apiBaseUrl: 'http://127.0.0.1:8080/v1' }],
    ['allowedOrigins[1]', { allowedOrigins: ['https://a.test', 'http://b.test'] }],
    ['allowedOrigins', { allowedOrigins: [] }],
    ['scopes', { scopes: 'a b' }],
    ['scopes[1]', { scopes: ['a', 'b c'] }],
    ['scopes[0]', { scopes: ['"quoted"'] }],
    ['clientAuthMethod', { clientAuthMethod: 'private_key_jwt' }],
    ['basicCredentialsEncoding', { basicCredentialsEncoding: 'base64' }],
    ['clientId', { clientAuthMethod: 'client_secret_basic', clientId: 'app:one' }],
    ['refreshMarginSeconds', { refreshMarginSeconds: -1 }],
    ['tokenRequestTimeoutMs', { tokenRequestTimeoutMs: 0 }],
    ['httpTimeoutMs', { httpTimeoutMs: -1 }],
    ['retry.maxAttempts', { retry: { maxAttempts: 0 } }],
    ['retry.maxAttempts', { retry: { maxAttempts: 1.5 } }],
    ['retry.maxDelayMs', { retry: { maxDelayMs: Number.NaN } }],
    ['allowInsecureLoopback', { allowInsecureLoopback: 'yes' }],
    ['inbound.verifier', { inbound: { verifier: 'magic' } }],
    ['inbound.jwt', { inbound: { verifier: 'jwt' } }],
    [
      'inbound.jwt.algorithms',
      {
        inbound: {
          jwt: {
            jwksUri: 'https://i.test/jwks',
            issuer: 'i',
            audience: 'a',
            algorithms: ['HS256'],
          },
        },
      },
    ],
    [
      'inbound.jwt.algorithms',
      {
        inbound: {
          jwt: { jwksUri: 'https://i.test/jwks', issuer: 'i', audience: 'a', algorithms: ['none'] },
        },
      },
    ],
    ['inbound.jwt.issuer', { inbound: { jwt: { jwksUri: 'https://i.test/jwks', audience: 'a' } } }],
    [
      'inbound.jwt.jwksUri',
      { inbound: { jwt: { jwksUri: 'http://i.test/jwks', issuer: 'i', audience: 'a' } } },
    ],
    ['inbound.realm', { inbound: { realm: 'a"b' } }],
    ['inbound.cache.maxEntries', { inbound: { cache: { maxEntries: 0 } } }],
    ['webhookSecret', { webhookSecret: '' }],
    ['webhookSecret', { webhookSecret: 'whsec-0123456789abcdef\n' }],
    ['webhookSecret', { webhookSecret: ' whsec-0123456789abcdef' }],
    ['webhookSecret', { webhookSecret: 'whsec-0123456789abcdef\t' }],
    ['webhookSecret', { webhookSecret: 'x' }],
    ['webhookSecret', { webhookSecret: 'fifteen-chars-x' }],
    ['webhookSecret', { webhookSecret: 'whsec-0123456789-é' }],
    ['webhookSecret', { webhookSecret: 'whsec-0123\n456789abcdef' }],
    ['inbound.allowedClientIds', { inbound: { allowedClientIds: [] } }],
    ['inbound.allowedClientIds', { inbound: { allowedClientIds: 'partner' } }],
    ['inbound.allowedClientIds[1]', { inbound: { allowedClientIds: ['a', ''] } }],
    ['inbound.allowedClientIds[0]', { inbound: { allowedClientIds: ['partner\n'] } }],
    ['inbound.allowedClientIds[0]', { inbound: { allowedClientIds: [7] } }],
    ['inbound.maxConcurrentVerifications', { inbound: { maxConcurrentVerifications: 0 } }],
    ['inbound.maxConcurrentVerifications', { inbound: { maxConcurrentVerifications: 2.5 } }],
    [
      'inbound.jwt.requireAtJwtType',
      {
        inbound: {
          jwt: { jwksUri: 'https://i.test/jwks', issuer: 'i', audience: 'a', requireAtJwtType: 0 },
        },
      },
    ],
  ])('refuses a bad %s', (field, over) => {
    expect(fieldOf({ ...base, ...over })).toBe(field);
  });

  it('never quotes a refused webhookSecret', () => {
    const padded = 'whsec-do-not-print-0123456789\n';
    expect(() => resolveOptions({ ...base, webhookSecret: padded })).toThrow(
      expect.objectContaining({
        field: 'webhookSecret',
        message: expect.not.stringContaining(padded.trim()),
      }),
    );
  });

  it('keeps a 16-character webhookSecret, allowedClientIds as a set, the concurrency bound and typ', () => {
    const o = resolveOptions({
      ...base,
      webhookSecret: 'sixteen-chars-xx',
      inbound: {
        allowedClientIds: ['b', 'a', 'b'],
        maxConcurrentVerifications: 8,
        jwt: { jwksUri: 'https://i.test/jwks', issuer: 'i', audience: 'a' },
      },
    });
    expect(o.webhookSecret?.reveal()).toBe('sixteen-chars-xx');
    expect(o.inbound.allowedClientIds).toEqual(new Set(['a', 'b']));
    expect(o.inbound.maxConcurrentVerifications).toBe(8);
    expect(o.inbound.jwt?.requireAtJwtType).toBe(true);
    const defaults = resolveOptions(base).inbound;
    expect(defaults.allowedClientIds).toBeUndefined();
    expect(defaults.maxConcurrentVerifications).toBe(64);
  });

  it('refuses a non-object', () => {
    expect(fieldOf(undefined)).toBe('options');
  });

  it('refuses a token store that lacks a method, naming it', () => {
    const legacy = { get() {}, set() {}, deleteIfEquals() {}, tryLock() {}, extendLock() {} };
    expect(() =>
      resolveOptions({
        ...base,
        tokenStore: { store: { ...legacy, releaseLock() {} } as unknown as TokenStore },
      }),
    ).toThrow('"tokenStore.store" must implement TokenStore (missing setAndUnlock, waitForUpdate)');
  });

  describe('http:// refusal', () => {
    it('allows http:// only for 127.0.0.1, ::1 and localhost, and only with allowInsecureLoopback', () => {
      for (const host of ['127.0.0.1:4000', '[::1]:4000', 'localhost:4000', 'LOCALHOST']) {
        const url = `http://${host}/oauth/token`;
        expect(fieldOf({ ...base, tokenUrl: url })).toBe('tokenUrl');
        expect(
          fieldOf({
            ...base,
            tokenUrl: url,
            apiBaseUrl: `http://${host}/v1`,
            allowInsecureLoopback: true,
          }),
        ).toBeUndefined();
      }
    });

    it.each([
      'http://10.0.0.1/t',
      'http://127.0.0.2/t',
      'http://localhost.evil.test/t',
      'http://0.0.0.0/t',
    ])('refuses %s even with allowInsecureLoopback', (url) => {
      expect(fieldOf({ ...base, tokenUrl: url, allowInsecureLoopback: true })).toBe('tokenUrl');
    });
  });

  it('keeps the secret out of inspect and JSON', () => {
    const o = resolveOptions({ ...base, webhookSecret: 'hook-secret-value' });
    for (const text of [inspect(o, { depth: 10 }), JSON.stringify(o), String(o.clientSecret)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('hook-secret-value');
    }
  });
});
