import { FakeClock } from '../testing/fake-clock.js';
import { RecordingTokenServer } from '../testing/recording-token-server.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { resolveOptions } from '../options/resolve-options.js';
import { TokenInfoVerifier } from './token-info.verifier.js';

const TOKEN = 'tOkEn-under-test-0123456789abcdefghijklmno';

describe('TokenInfoVerifier', () => {
  let server: RecordingTokenServer;
  let clock: FakeClock;
  let verifier: TokenInfoVerifier;

  beforeEach(async () => {
    server = await RecordingTokenServer.start();
    clock = new FakeClock();
    const options = resolveOptions({
      clientId: 'me',
      clientSecret: 'secret',
      tokenUrl: server.tokenUrl,
      allowInsecureLoopback: true,
      inbound: { verifyTimeoutMs: 200 },
    });
    verifier = new TokenInfoVerifier(options, clock);
  });
  afterEach(() => server.stop());

  const unavailable = async () => {
    const err = await verifier.verify(TOKEN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HoneybeeVerifierUnavailableError);
    expect(String((err as Error).message)).not.toContain(TOKEN);
    return err as HoneybeeVerifierUnavailableError;
  };

  it('asks GET /oauth/token/info with the token as Bearer and reads the principal', async () => {
    server.respond(() => ({
      body: {
        resource_owner_id: null,
        scope: ['rx:write', 'rx:read'],
        expires_in: 4223,
        application: { uid: 'partner-app' },
        created_at: 1592972935,
      },
    }));
    const principal = await verifier.verify(TOKEN);
    expect(principal).toEqual({
      clientId: 'partner-app',
      subject: undefined,
      scopes: ['rx:read', 'rx:write'],
      expiresAt: clock.now() + 4_223_000,
      claims: expect.objectContaining({ expires_in: 4223 }),
    });
    const [req] = server.requests;
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/oauth/token/info');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers.accept).toBe('application/json');
  });

  /** Doorkeeper's token-info answer, with `over` replacing (or, as `undefined`, removing) fields. */
  const doorkeeper = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      resource_owner_id: null,
      scope: ['rx:read'],
      expires_in: 4223,
      application: { uid: 'partner-app' },
      created_at: 1592972935,
      ...over,
    });

  it('reads a resource owner as the subject and a null expires_in as no expiry', async () => {
    server.respond(() => ({
      body: doorkeeper({ resource_owner_id: 42, scope: [], expires_in: null }),
    }));
    expect(await verifier.verify(TOKEN)).toMatchObject({ subject: '42', scopes: [] });
    expect((await verifier.verify(TOKEN))?.expiresAt).toBeUndefined();
  });

  it('answers null (invalid) on 401 and on a token with no lifetime left', async () => {
    server.respond(() => ({ status: 401, body: '' }));
    expect(await verifier.verify(TOKEN)).toBeNull();
    // Doorkeeper's own 401: a JSON body, one description for revoked, expired and unknown.
    server.respond(() => ({
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
      },
      body: {
        error: 'invalid_token',
        error_description: 'The access token is invalid',
        state: 'unauthorized',
      },
    }));
    expect(await verifier.verify(TOKEN)).toBeNull();
    server.respond(() => ({ body: doorkeeper({ expires_in: 0 }) }));
    expect(await verifier.verify(TOKEN)).toBeNull();
  });

  // A 200 that is not Doorkeeper's token info (a wrong tokenInfoUrl, a proxy, a gateway) says
  // nothing about the token: "cannot verify", never a principal without scopes.
  it.each([
    ['{}', '{}'],
    ['{"status":"ok"}', '{"status":"ok"}'],
    ['a gateway error', '{"error":"upstream_timeout"}'],
    ['an introspection answer', '{"active":false}'],
    ['an active introspection answer', '{"active":true,"scope":"rx:read","client_id":"x"}'],
    ['no scope', doorkeeper({ scope: undefined })],
    ['scope as a string', doorkeeper({ scope: 'rx:read' })],
    ['scope holding a space', doorkeeper({ scope: ['rx:read admin'] })],
    ['no application', doorkeeper({ application: undefined })],
    ['application null', doorkeeper({ application: null })],
    ['application.uid missing', doorkeeper({ application: {} })],
    ['application.uid a number', doorkeeper({ application: { uid: 7 } })],
    ['application.uid empty', doorkeeper({ application: { uid: '' } })],
    ['no created_at', doorkeeper({ created_at: undefined })],
    ['created_at a string', doorkeeper({ created_at: '1592972935' })],
    ['no expires_in', doorkeeper({ expires_in: undefined })],
    ['resource_owner_id an object', doorkeeper({ resource_owner_id: { id: 1 } })],
  ])('is unavailable on a 200 with %s', async (_what, body) => {
    server.respond(() => ({ body }));
    const err = await unavailable();
    expect(err.message).toMatch(/not Doorkeeper's token info/);
    expect(err.kind).toBe('invalid_response');
  });

  it.each([500, 502, 503, 403, 404, 429])('is unavailable on HTTP %i', async (status) => {
    server.respond(() => ({ status, body: { error: 'x' }, headers: { 'x-request-id': 'req-9' } }));
    const err = await unavailable();
    expect(err).toMatchObject({ status, requestId: 'req-9', kind: 'http' });
  });

  it('quotes no X-Request-Id that echoes the token it was sent', async () => {
    for (const echoed of [TOKEN, `id-${TOKEN}`, `Bearer-${TOKEN}`]) {
      server.respond(() => ({ status: 503, headers: { 'x-request-id': echoed } }));
      const err = await unavailable();
      expect(err.requestId).toBeUndefined();
      expect(JSON.stringify(err)).not.toContain(TOKEN);
    }
  });

  it('quotes no X-Request-Id that is not 1 to 128 visible ASCII characters', async () => {
    server.respond(() => ({ status: 503, headers: { 'x-request-id': 'req\u009b31m-9' } }));
    expect((await unavailable()).requestId).toBeUndefined();
    server.respond(() => ({ status: 503, headers: { 'x-request-id': 'r'.repeat(129) } }));
    expect((await unavailable()).requestId).toBeUndefined();
  });

  it('does not follow a redirect', async () => {
    server.respond(() => ({ status: 302, headers: { location: `${server.url}/elsewhere` } }));
    await unavailable();
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['HTML', '<html>bad gateway</html>'],
    ['a JSON array', '[]'],
    ['scope of the wrong type', doorkeeper({ scope: 7 })],
    ['scope with a non-string', doorkeeper({ scope: ['a', 1] })],
    ['expires_in as a string', doorkeeper({ expires_in: '10' })],
  ])('is unavailable on a 200 with %s', async (_what, body) => {
    server.respond(() => ({ body }));
    await unavailable();
  });

  it('is unavailable on a body larger than 64 KiB', async () => {
    server.respond(() => ({ body: JSON.stringify({ scope: [], pad: 'x'.repeat(70_000) }) }));
    const err = await unavailable();
    expect(err.message).toMatch(/exceeds 65536 bytes/);
    expect(err.kind).toBe('invalid_response');
  });

  it('is unavailable when the answer takes longer than verifyTimeoutMs', async () => {
    server.respond(() => new Promise(() => undefined)); // never answers
    const err = await unavailable();
    expect(err.message).toMatch(/timed out after 200 ms/);
    expect(err.kind).toBe('timeout');
  });

  it('is unavailable when the connection drops', async () => {
    server.respond((_req, res) => void res.socket?.destroy());
    const err = await unavailable();
    expect(err.message).toMatch(/failed/);
    expect(err.kind).toBe('network');
  });

  it('is unavailable when nothing listens', async () => {
    await server.stop();
    await unavailable();
    server = await RecordingTokenServer.start(); // for afterEach
  });

  it('gives up when the caller aborts', async () => {
    server.respond(() => new Promise(() => undefined));
    const ctl = new AbortController();
    const pending = verifier.verify(TOKEN, ctl.signal);
    ctl.abort();
    await expect(pending).rejects.toMatchObject({
      message: expect.stringMatching(/aborted/),
      kind: 'aborted',
    });
  });
});
