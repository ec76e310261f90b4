import { FakeClock } from '../testing/fake-clock.js';
import { RecordingTokenServer } from '../testing/recording-token-server.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import type { BasicCredentialsEncoding, ClientAuthMethod } from '../common/client-credentials.js';
import { resolveOptions } from '../options/resolve-options.js';
import { IntrospectionVerifier } from './introspection.verifier.js';

const TOKEN = 'introspected-token-0123456789abcdefghijklm';
const SECRET = 'client-secret-with:colon&amp';

describe('IntrospectionVerifier', () => {
  let server: RecordingTokenServer;
  let clock: FakeClock;

  beforeEach(async () => {
    server = await RecordingTokenServer.start();
    clock = new FakeClock();
  });
  afterEach(() => server.stop());

  const make = (
    clientAuthMethod: ClientAuthMethod = 'client_secret_post',
    basicCredentialsEncoding?: BasicCredentialsEncoding,
  ) =>
    new IntrospectionVerifier(
      resolveOptions({
        clientId: 'my-app',
        clientSecret: SECRET,
        clientAuthMethod,
        basicCredentialsEncoding,
        tokenUrl: server.tokenUrl,
        allowInsecureLoopback: true,
        inbound: { verifier: 'introspection', verifyTimeoutMs: 200 },
      }),
      clock,
    );
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  it('POSTs token and token_type_hint, with the client credentials in the body only', async () => {
    server.respond(() => ({ body: { active: false } }));
    await make('client_secret_post').verify(TOKEN);
    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/oauth/introspect');
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(req.form)).toEqual({
      token: TOKEN,
      token_type_hint: 'access_token',
      client_id: 'my-app',
      client_secret: SECRET,
    });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('with client_secret_basic, uses HTTP Basic only, credentials as they are', async () => {
    server.respond(() => ({ body: { active: false } }));
    await make('client_secret_basic').verify(TOKEN);
    const [req] = server.requests;
    const basic = Buffer.from(`my-app:${SECRET}`).toString('base64');
    expect(req.headers.authorization).toBe(`Basic ${basic}`);
    expect(req.form.has('client_id')).toBe(false);
    expect(req.form.has('client_secret')).toBe(false);
    expect(req.form.get('token')).toBe(TOKEN);
  });

  it('form-urlencodes the Basic parts with basicCredentialsEncoding rfc6749', async () => {
    server.respond(() => ({ body: { active: false } }));
    await make('client_secret_basic', 'rfc6749').verify(TOKEN);
    const basic = Buffer.from('my-app:client-secret-with%3Acolon%26amp').toString('base64');
    expect(server.requests[0].headers.authorization).toBe(`Basic ${basic}`);
  });

  it('reads an active token: scope string, client_id, sub, exp', async () => {
    const exp = nowSeconds() + 600;
    server.respond(() => ({
      body: {
        active: true,
        scope: 'rx:read  orders:write',
        client_id: 'partner',
        sub: 'user-1',
        token_type: 'Bearer',
        exp,
      },
    }));
    expect(await make().verify(TOKEN)).toEqual({
      clientId: 'partner',
      subject: 'user-1',
      scopes: ['orders:write', 'rx:read'],
      expiresAt: exp * 1000,
      claims: expect.objectContaining({ active: true }),
    });
  });

  it('reads an empty scope string as no scope', async () => {
    server.respond(() => ({ body: { active: true, scope: '', client_id: 'partner' } }));
    expect(await make().verify(TOKEN)).toMatchObject({ clientId: 'partner', scopes: [] });
  });

  it('answers null for active:false, an active token already expired, or a non-access token', async () => {
    const v = make();
    server.respond(() => ({ body: { active: false } }));
    expect(await v.verify(TOKEN)).toBeNull();
    server.respond(() => ({ body: { active: true, scope: 'a', exp: nowSeconds() - 1 } }));
    expect(await v.verify(TOKEN)).toBeNull();
    server.respond(() => ({ body: { active: true, scope: 'a', token_type: 'refresh_token' } }));
    expect(await v.verify(TOKEN)).toBeNull();
  });

  it.each([400, 401, 403])(
    'treats %i (our own credentials refused) as unavailable, not as an invalid token',
    async (status) => {
      server.respond(() => ({ status, body: { error: 'invalid_client' } }));
      const err = await make()
        .verify(TOKEN)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HoneybeeVerifierUnavailableError);
      expect((err as Error).message).toMatch(/client credentials/);
      expect((err as Error).message).not.toContain(SECRET);
      expect((err as Error).message).not.toContain(TOKEN);
    },
  );

  it.each([
    ['HTTP 503', { status: 503, body: { error: 'temporarily_unavailable' } }],
    ['HTTP 500', { status: 500, body: 'oops' }],
    ['garbage', { body: 'not json' }],
    ['active missing', { body: { scope: 'a' } }],
    ['active as a string', { body: { active: 'true' } }],
    ['scope as an array', { body: { active: true, scope: ['a'] } }],
    ['exp as a string', { body: { active: true, scope: 'a', exp: '123' } }],
    ['{}', { body: {} }],
    ['{"status":"ok"}', { body: { status: 'ok' } }],
    ['active true alone (no scope)', { body: { active: true } }],
    ['active as 1', { body: { active: 1, scope: 'a' } }],
    ['a scope with a tab', { body: { active: true, scope: 'rx:read\tadmin' } }],
    ['a scope with a quote', { body: { active: true, scope: 'rx:"read"' } }],
    ['client_id as a number', { body: { active: true, scope: 'a', client_id: 7 } }],
    ['token_type as an object', { body: { active: true, scope: 'a', token_type: {} } }],
  ])('is unavailable on %s', async (_what, answer) => {
    server.respond(() => answer);
    await expect(make().verify(TOKEN)).rejects.toBeInstanceOf(HoneybeeVerifierUnavailableError);
  });

  it('quotes no X-Request-Id that echoes the token or the client credentials it was sent', async () => {
    const basic = Buffer.from(`my-app:${SECRET}`).toString('base64');
    for (const [method, echoed] of [
      ['client_secret_post', TOKEN],
      ['client_secret_post', `x-${encodeURIComponent(SECRET)}`],
      ['client_secret_basic', basic],
    ] as const) {
      server.respond(() => ({ status: 401, headers: { 'x-request-id': echoed } }));
      const err = await make(method)
        .verify(TOKEN)
        .catch((e: unknown) => e as HoneybeeVerifierUnavailableError);
      expect(err).toMatchObject({ kind: 'http', status: 401, requestId: undefined });
    }
    server.respond(() => ({ status: 401, headers: { 'x-request-id': 'req-ok' } }));
    await expect(make().verify(TOKEN)).rejects.toMatchObject({ requestId: 'req-ok' });
  });

  it('is unavailable on timeout', async () => {
    server.respond(() => new Promise(() => undefined));
    await expect(make().verify(TOKEN)).rejects.toThrow(/timed out/);
  });
});
