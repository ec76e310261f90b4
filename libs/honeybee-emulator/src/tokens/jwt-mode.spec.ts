import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
} from 'jose';
import { HoneybeeEmulator } from '../honeybee-emulator.js';
import type { JwtAlgorithm } from './jwt-keys.js';
import { apiGet, basic, postForm, send } from '../testing/http-test.helpers.js';
import { APP } from '../testing/emulator.fixtures.js';

describe.each<JwtAlgorithm>(['RS256', 'ES256'])('JWT mode (%s)', (algorithm) => {
  let emu: HoneybeeEmulator;

  beforeEach(async () => {
    emu = await HoneybeeEmulator.start({
      clients: [APP],
      jwt: { algorithm, audience: 'honeybee-partners' },
    });
  });

  afterEach(() => emu.stop());

  async function fetchToken(scope = 'prescriptions:read'): Promise<string> {
    const res = await postForm(
      emu.tokenUrl,
      { grant_type: 'client_credentials', scope },
      { Authorization: basic('app', 'app-secret') },
    );
    expect(res.status).toBe(200);
    return (res.json as { access_token: string }).access_token;
  }

  it('issues tokens that verify against the published JWKS, with the documented claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await fetchToken('prescriptions:read orders:write');
    const jwks = createRemoteJWKSet(new URL(emu.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: emu.issuer,
      audience: 'honeybee-partners',
      algorithms: [algorithm],
    });
    expect(protectedHeader).toEqual({ alg: algorithm, kid: await emu.currentKid(), typ: 'at+jwt' });
    expect(payload).toEqual({
      iss: emu.url,
      sub: 'app',
      aud: 'honeybee-partners',
      iat: expect.any(Number),
      exp: (payload.iat as number) + 43_200,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_id: 'app',
      scope: 'prescriptions:read orders:write',
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(emu.issuedTokens()[0]).toMatchObject({ format: 'jwt', jti: payload.jti });
  });

  it('publishes keys of the chosen algorithm with kid, alg and use', async () => {
    const res = await send(emu.jwksUri);
    expect(res.status).toBe(200);
    const { keys } = res.json as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      kid: await emu.currentKid(),
      alg: algorithm,
      use: 'sig',
      kty: algorithm === 'RS256' ? 'RSA' : 'EC',
    });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('accepts JWT-mode tokens at token info, introspection and the API, and rejects them once revoked', async () => {
    const token = await fetchToken();
    expect(
      (await send(emu.tokenInfoUrl, { headers: { Authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    const introspection = await postForm(
      emu.introspectionUrl,
      { token },
      { Authorization: basic('app', 'app-secret') },
    );
    expect(introspection.json).toMatchObject({ active: true, client_id: 'app' });
    expect((await apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, token)).status).toBe(200);
    emu.revokeToken(token);
    expect((await apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, token)).status).toBe(401);
  });

  it('rotates keys: new kid, previous key kept by default, dropped on request', async () => {
    const oldToken = await fetchToken();
    const oldKid = decodeProtectedHeader(oldToken).kid;
    const newKid = await emu.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    const newToken = await fetchToken('orders:write');
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);

    const kept = createLocalJWKSet(await emu.getJwks());
    expect((await emu.getJwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    await expect(jwtVerify(oldToken, kept)).resolves.toBeDefined();
    await expect(jwtVerify(newToken, kept)).resolves.toBeDefined();

    await emu.rotateKeys({ dropPrevious: true });
    const dropped = createRemoteJWKSet(new URL(emu.jwksUri));
    await expect(jwtVerify(oldToken, dropped)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(jwtVerify(newToken, dropped)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  describe('signJwt test helper', () => {
    let jwks: ReturnType<typeof createRemoteJWKSet>;
    beforeEach(() => {
      jwks = createRemoteJWKSet(new URL(emu.jwksUri));
    });

    it('mints a verifiable token with default and custom claims', async () => {
      const token = await emu.signJwt({ sub: 'someone', scope: 'orders:write', custom: 42 });
      const { payload } = await jwtVerify(token, jwks, {
        issuer: emu.issuer,
        audience: 'honeybee-partners',
      });
      expect(payload).toMatchObject({ sub: 'someone', scope: 'orders:write', custom: 42 });
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    });

    it('mints expired, wrong-audience and claim-less tokens that verifiers must refuse', async () => {
      const expired = await emu.signJwt({}, { expiresInSeconds: -60 });
      await expect(jwtVerify(expired, jwks)).rejects.toBeInstanceOf(errors.JWTExpired);
      const wrongAud = await emu.signJwt({ aud: 'someone-else' });
      await expect(
        jwtVerify(wrongAud, jwks, { audience: 'honeybee-partners' }),
      ).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
      const noExp = await emu.signJwt({ exp: undefined });
      await expect(jwtVerify(noExp, jwks, { requiredClaims: ['exp'] })).rejects.toBeInstanceOf(
        errors.JWTClaimValidationFailed,
      );
    });

    it('mints tokens with an unknown kid, a foreign signature or alg none', async () => {
      const unknownKid = await emu.signJwt({}, { header: { kid: 'not-published' } });
      await expect(jwtVerify(unknownKid, jwks)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
      const foreign = await emu.signJwt({}, { key: 'foreign' });
      expect(decodeProtectedHeader(foreign).kid).toBe(await emu.currentKid());
      await expect(jwtVerify(foreign, jwks)).rejects.toBeInstanceOf(
        errors.JWSSignatureVerificationFailed,
      );
      const none = await emu.signJwt({}, { unsecured: true });
      expect(decodeProtectedHeader(none).alg).toBe('none');
      await expect(jwtVerify(none, jwks)).rejects.toThrow();
    });

    it('does not make minted tokens valid at the emulator’s own endpoints', async () => {
      const minted = await emu.signJwt({ client_id: 'app', scope: 'prescriptions:read' });
      expect((await apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, minted)).status).toBe(401);
    });
  });
});

describe('RFC 8414 metadata', () => {
  let emu: HoneybeeEmulator;
  afterEach(() => emu.stop());

  it('describes the endpoints, grant types, auth methods and scopes', async () => {
    emu = await HoneybeeEmulator.start({
      clients: [APP, { clientId: 'b', clientSecret: 'b-secret', scopes: ['webhooks:manage'] }],
      jwt: {},
    });
    const res = await send(emu.metadataUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.json).toEqual({
      issuer: emu.url,
      token_endpoint: `${emu.url}/oauth/token`,
      jwks_uri: `${emu.url}/oauth/discovery/keys`,
      introspection_endpoint: `${emu.url}/oauth/introspect`,
      revocation_endpoint: `${emu.url}/oauth/revoke`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['orders:write', 'prescriptions:read', 'webhooks:manage'],
    });
    expect(emu.metadataUrl).toBe(`${emu.url}/.well-known/oauth-authorization-server`);
  });

  it('uses a configured issuer for iss and metadata', async () => {
    emu = await HoneybeeEmulator.start({
      // An application without scopes: its scopeless request gets a scopeless token.
      clients: [APP, { clientId: 'open', clientSecret: 'open-secret' }],
      jwt: { algorithm: 'ES256' },
      issuer: 'https://auth.honeybee.test',
    });
    expect((await send(emu.metadataUrl)).json).toMatchObject({
      issuer: 'https://auth.honeybee.test',
    });
    const token = (await emu.issueToken('open')).access_token;
    const { payload } = await jwtVerify(token, createLocalJWKSet(await emu.getJwks()), {
      issuer: 'https://auth.honeybee.test',
    });
    expect(payload).not.toHaveProperty('scope');
  });

  it('serves a JWKS in opaque mode too, so signJwt works without JWT mode', async () => {
    emu = await HoneybeeEmulator.start({ clients: [APP] });
    expect(emu.jwtMode).toBe(false);
    expect((await emu.issueToken('app', ['orders:write'])).access_token).toMatch(
      /^[A-Za-z0-9_-]{43}$/,
    );
    const token = await emu.signJwt({ sub: 'x' });
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(emu.jwksUri)))).resolves.toBeDefined();
  });
});
