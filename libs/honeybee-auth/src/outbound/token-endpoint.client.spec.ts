import { inspect } from 'node:util';
import { RecordingTokenServer } from '../testing/recording-token-server.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { ClientAuthMethod } from '../common/client-credentials.js';
import { resolveOptions } from '../options/resolve-options.js';
import { TokenEndpointClient } from './token-endpoint.client.js';

const CLIENT_ID = 'partner app';
/** Characters that every encoding writes differently: space, +, /, =, &, %, ~, *. */
const SECRET = 'Sec ret+/=&%~*-0123456789';
const forms = [
  SECRET,
  encodeURIComponent(SECRET),
  new URLSearchParams([['', SECRET]]).toString().slice(1),
  Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64'),
  Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(SECRET)}`).toString('base64'),
];

describe('TokenEndpointClient', () => {
  let server: RecordingTokenServer;

  beforeEach(async () => {
    server = await RecordingTokenServer.start();
  });
  afterEach(() => server.stop());

  const make = (clientAuthMethod: ClientAuthMethod = 'client_secret_post') =>
    new TokenEndpointClient(
      resolveOptions({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        clientAuthMethod,
        tokenUrl: server.tokenUrl,
        allowInsecureLoopback: true,
      }),
    );
  const failure = async (method?: ClientAuthMethod): Promise<HoneybeeTokenError> => {
    const err = await make(method)
      .request([], new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(HoneybeeTokenError);
    const e = err as HoneybeeTokenError;
    for (const text of [e.message, JSON.stringify(e), inspect(e, { depth: 5 }), e.stack ?? '']) {
      for (const form of forms) expect(text).not.toContain(form);
      // eslint-disable-next-line no-control-regex
      expect(text.replace(/\n {4}at .*/g, '')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    }
    return e;
  };

  describe('access_token must be an RFC 6750 b64token', () => {
    it.each([
      ['CR LF and a header', 'abc\r\nX-Injected: yes'],
      ['a leading space', ' abcdefgh'],
      ['a trailing space', 'abcdefgh '],
      ['an inner space', 'abc defgh'],
      ['a NUL', 'abc\u0000defgh'],
      ['non-ASCII', 'tökén-abcdefgh'],
      ['padding in the middle', 'abc=defgh'],
      ['a comma', 'abc,defgh'],
    ])('refuses one with %s (kind invalid_response)', async (_what, token) => {
      server.respond(() => ({ body: server.tokenBody({ access_token: token }) }));
      const err = await failure();
      expect(err).toMatchObject({ kind: 'invalid_response', status: 200, retryable: false });
      expect(err.message).toContain('access_token is not an RFC 6750 b64token');
    });

    it.each(['abc-._~+/xyz', 'dGVzdA==', 'x'.repeat(2048)])('accepts %s', async (token) => {
      server.respond(() => ({ body: server.tokenBody({ access_token: token }) }));
      const res = await make().request([], new AbortController().signal);
      expect(res.accessToken).toBe(token);
    });
  });

  describe('an OAuth error is checked before it is repeated', () => {
    it.each([
      ['a newline (a forged log line)', 'invalid_client\n[Nest] 1 - LOG [Forged] all good'],
      ['an ANSI escape', 'invalid_client\u001b[2J'],
      ['a C1 escape', 'invalid_client\u009b2J'],
      ['a double quote', 'invalid_"client"'],
      ['a backslash', 'invalid\\client'],
      ['non-ASCII', 'invalid_clïent'],
      ['65 characters', 'e'.repeat(65)],
      ['nothing', ''],
      ['a number', 401],
      ['an object', { code: 'invalid_client' }],
      ['the secret itself', `invalid_client:${SECRET}`],
      ['the secret form-encoded', `invalid_client:${encodeURIComponent(SECRET)}`.slice(0, 60)],
    ])('an "error" with %s is kind invalid_response', async (_what, error) => {
      server.respond(() => ({ status: 401, body: { error, error_description: 'described' } }));
      const err = await failure();
      expect(err).toMatchObject({ kind: 'invalid_response', status: 401, error: undefined });
      expect(err.errorDescription).toBeUndefined();
      expect(err.message).toContain('not an RFC 6749 error code');
    });

    it('keeps a 64-character error code and retries a 503 whose code is refused', async () => {
      server.respond(() => ({ status: 400, body: { error: 'e'.repeat(64) } }));
      expect(await failure()).toMatchObject({ kind: 'oauth', error: 'e'.repeat(64) });
      server.respond(() => ({ status: 503, body: { error: 'bad\ncode' } }));
      expect(await failure()).toMatchObject({ kind: 'invalid_response', retryable: true });
    });

    it.each<[ClientAuthMethod, string]>([
      ['client_secret_post', 'the form body'],
      ['client_secret_basic', 'the Authorization header'],
    ])(
      'redacts every form of the secret from an error_description that echoes %2$s (%1$s)',
      async (method) => {
        server.respond((req) => ({
          status: 401,
          body: {
            error: 'invalid_client',
            error_description: `got ${req.body} auth=${req.headers.authorization ?? ''} pair=${CLIENT_ID}:${SECRET} pct=${encodeURIComponent(SECRET).toLowerCase()}`,
          },
        }));
        const err = await failure(method);
        expect(err.kind).toBe('oauth');
        expect(err.errorDescription).toContain('[REDACTED]');
        expect(err.errorDescription!.length).toBeLessThanOrEqual(256);
      },
    );

    it('drops an error_description with control characters, and cuts a long one to 256', async () => {
      server.respond(() => ({
        status: 400,
        body: { error: 'invalid_request', error_description: 'line one\nline two' },
      }));
      expect((await failure()).errorDescription).toBeUndefined();
      server.respond(() => ({
        status: 400,
        body: { error: 'invalid_request', error_description: 'd'.repeat(1000) },
      }));
      const err = await failure();
      expect(err.errorDescription).toHaveLength(256);
      expect(err.errorDescription!.endsWith('…')).toBe(true);
    });
  });

  describe('X-Request-Id', () => {
    it.each([
      ['a C1 escape', 'req-\u009b2J'],
      ['a space', 'req 1'],
      ['129 characters', 'r'.repeat(129)],
      ['the Basic credentials', forms[4]],
      ['the secret form-encoded', forms[2]],
    ])('is left out when it holds %s', async (_what, id) => {
      server.respond(() => ({
        status: 401,
        headers: { 'x-request-id': id },
        body: { error: 'invalid_client' },
      }));
      expect((await failure('client_secret_basic')).requestId).toBeUndefined();
    });

    it('is quoted when it is a plain id, on success and on failure', async () => {
      server.respond(() => ({ headers: { 'x-request-id': 'req-42' }, body: server.tokenBody() }));
      expect((await make().request([], new AbortController().signal)).requestId).toBe('req-42');
      server.respond(() => ({
        status: 401,
        headers: { 'x-request-id': 'req-43' },
        body: { error: 'invalid_client' },
      }));
      expect((await failure()).requestId).toBe('req-43');
    });
  });
});
