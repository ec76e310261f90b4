import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { FakeClock } from '../testing/fake-clock.js';
import { RecordingTokenServer } from '../testing/recording-token-server.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import type { HoneybeeJwtVerifierOptions } from '../options/honeybee-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { JwtVerifier } from './jwt.verifier.js';

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'partner-api';

interface Key {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(kid: string, alg = 'RS256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

describe('JwtVerifier', () => {
  let server: RecordingTokenServer;
  let clock: FakeClock;
  let keys: Key[];
  let rsa: Key;

  beforeAll(async () => {
    rsa = await makeKey('rsa-1');
  });

  beforeEach(async () => {
    server = await RecordingTokenServer.start();
    clock = new FakeClock();
    keys = [rsa];
    server.respond(() => ({ body: { keys: keys.map((k) => k.jwk) } }));
  });
  afterEach(() => server.stop());

  const make = (over: Partial<HoneybeeJwtVerifierOptions> = {}) => {
    const options = resolveOptions({
      clientId: 'me',
      clientSecret: 's',
      allowInsecureLoopback: true,
      inbound: {
        verifier: 'jwt',
        jwt: {
          jwksUri: `${server.url}/jwks`,
          issuer: ISSUER,
          audience: AUDIENCE,
          jwksCooldownMs: 0,
          jwksTimeoutMs: 200,
          ...over,
        },
      },
    });
    return new JwtVerifier(options.inbound.jwt!, clock);
  };

  const sign = (claims: JWTPayload, key = rsa, header: Record<string, unknown> = {}) => {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
      .sign(key.privateKey);
  };

  it('accepts a valid token and reads scope, client_id, sub and exp', async () => {
    const token = await sign({ scope: 'b a', client_id: 'partner', sub: 'svc' });
    const principal = await make().verify(token);
    expect(principal).toMatchObject({ clientId: 'partner', subject: 'svc', scopes: ['a', 'b'] });
    expect(principal?.expiresAt).toBe((Math.floor(clock.now() / 1000) + 300) * 1000);
    expect(server.requests[0].url).toBe('/jwks');
  });

  it('reads an scp array and falls back to azp for the client id', async () => {
    const token = await sign({ scp: ['x', 'y'], azp: 'party' });
    expect(await make().verify(token)).toMatchObject({ clientId: 'party', scopes: ['x', 'y'] });
  });

  it('uses the injected clock for exp and nbf (with clockToleranceSeconds)', async () => {
    const verifier = make({ clockToleranceSeconds: 5 });
    const token = await sign({ scope: 'a' });
    clock.advance(304_000);
    expect(await verifier.verify(token)).not.toBeNull(); // inside the tolerance
    clock.advance(2_000);
    expect(await verifier.verify(token)).toBeNull();
  });

  it.each<[string, JWTPayload]>([
    ['wrong issuer', { iss: 'https://evil.example' }],
    ['wrong audience', { aud: 'someone-else' }],
    ['expired', { exp: 1 }],
    ['not yet valid', { nbf: 4_000_000_000 }],
    ['scope as a number', { scope: 7 as unknown as string }],
    ['scp with a number', { scp: ['a', 1] }],
    ['scp as a string', { scp: 'a b' }],
    ['a scope with a quote', { scope: 'a "b' }],
    ['an scp entry with a space', { scp: ['a b'] }],
    ['an scp entry with a backslash', { scp: ['a\\b'] }],
  ])('answers null for %s', async (_what, claims) => {
    expect(await make().verify(await sign({ scope: 'a', ...claims }))).toBeNull();
  });

  it.each(['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT'])(
    'accepts typ %s (RFC 9068 §4, case-insensitive)',
    async (typ) => {
      const token = await sign({ scope: 'a' }, rsa, { typ });
      expect(await make().verify(token)).toMatchObject({ scopes: ['a'] });
    },
  );

  it.each<[string, Record<string, unknown>]>([
    ['JWT (an ID token)', { typ: 'JWT' }],
    ['absent', { typ: undefined }],
    ['logout+jwt (a logout token)', { typ: 'logout+jwt' }],
    ['at+jwt with a suffix', { typ: 'at+jwt2' }],
    ['application/jwt', { typ: 'application/jwt' }],
  ])('answers null for a genuine token whose typ is %s', async (_what, header) => {
    const token = await sign({ scope: 'a' }, rsa, header);
    expect(await make().verify(token)).toBeNull();
  });

  it('accepts any typ with requireAtJwtType: false', async () => {
    const v = make({ requireAtJwtType: false });
    for (const typ of ['JWT', undefined, 'at+jwt']) {
      expect(await v.verify(await sign({ scope: 'a' }, rsa, { typ }))).toMatchObject({
        scopes: ['a'],
      });
    }
  });

  it('answers null without exp', async () => {
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE })
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
      .sign(rsa.privateKey);
    expect(await make().verify(token)).toBeNull();
  });

  it('answers null for a bad signature, an unknown key or an algorithm not allowed', async () => {
    const impostor = await makeKey('rsa-1'); // same kid, other key
    expect(await make().verify(await sign({}, impostor))).toBeNull();
    const stranger = await makeKey('unknown-kid');
    expect(await make().verify(await sign({}, stranger))).toBeNull();
    const ec = await makeKey('ec-1', 'ES256');
    keys = [rsa, ec];
    expect(await make({ algorithms: ['RS256'] }).verify(await sign({}, ec))).toBeNull();
    expect(await make({ algorithms: ['ES256'] }).verify(await sign({}, ec))).not.toBeNull();
  });

  it.each(['not-a-jwt', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'])(
    'answers null for the malformed or unsigned token %j',
    async (token) => {
      expect(await make().verify(token)).toBeNull();
    },
  );

  it('picks up a rotated key by fetching the JWKS again', async () => {
    const verifier = make();
    expect(await verifier.verify(await sign({}))).not.toBeNull();
    const next = await makeKey('rsa-2');
    keys = [next];
    expect(await verifier.verify(await sign({}, next))).not.toBeNull();
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['HTTP 500', () => ({ status: 500, body: 'down' })],
    ['garbage', () => ({ body: 'not json' })],
    ['not a key set', () => ({ body: { keys: 'nope' } })],
    ['a redirect', () => ({ status: 302, headers: { location: 'http://127.0.0.1:9/' } })],
    ['an oversized body', () => ({ body: { keys: [], pad: 'x'.repeat(70_000) } })],
    ['a timeout', () => new Promise<never>(() => undefined)],
  ])('is unavailable when the JWKS answers with %s', async (_what, responder) => {
    server.respond(responder);
    const token = await sign({ scope: 'a' });
    const err = await make()
      .verify(token)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HoneybeeVerifierUnavailableError);
    expect((err as Error).message).not.toContain(token);
  });

  it('is unavailable when the JWKS cannot be reached', async () => {
    const verifier = make();
    await server.stop();
    await expect(verifier.verify(await sign({}))).rejects.toBeInstanceOf(
      HoneybeeVerifierUnavailableError,
    );
    server = await RecordingTokenServer.start();
  });
});
