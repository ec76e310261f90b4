import type { ServerResponse } from 'node:http';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { useTokenServiceBed } from '../testing/token-service.bed.js';
import { RefreshLockLostError } from './refresh-lock.js';
import type { TokenFetcher } from './token.fetcher.js';

const SECRET = 's3cr3t-Value-that-must-never-leak';

describe('TokenFetcher', () => {
  const bed = useTokenServiceBed(SECRET);

  const make = (over: Partial<HoneybeeAuthModuleOptions> = {}, signal?: AbortSignal) =>
    bed.fetcher({ retry: { initialDelayMs: 100, maxDelayMs: 5000 }, ...over }, signal);
  /** The access token of a fetch without scopes. */
  const accessToken = (fetcher: TokenFetcher) => fetcher.fetch('').then((t) => t.accessToken);

  /** The logs and every rendering of `things` are free of the secret and of `tokens`. */
  const assertNoLeak = (tokens: string[], ...things: unknown[]) =>
    expectNoLeak([SECRET, ...tokens], ...bed.logs.lines, ...things);

  describe('the token request', () => {
    it('posts a form with grant_type and the credentials in the body only (client_secret_post)', async () => {
      await make().fetch('orders:write prescriptions:read');
      const [req] = bed.server.requests;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/oauth/token');
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=utf-8');
      expect(req.headers.accept).toBe('application/json');
      expect(req.headers.authorization).toBeUndefined();
      expect(Object.fromEntries(req.form)).toEqual({
        grant_type: 'client_credentials',
        client_id: 'partner-app',
        client_secret: SECRET,
        scope: 'orders:write prescriptions:read',
      });
    });

    it.each([
      [
        'as they are (what Doorkeeper reads), by default',
        { clientId: 'partner-app', clientSecret: 'a:b c+d/e=' },
        'partner-app:a:b c+d/e=',
      ],
      [
        'form-urlencoded with basicCredentialsEncoding rfc6749 (RFC 6749 §2.3.1)',
        {
          clientId: 'partner app',
          clientSecret: 'a:b c+d/e=*~',
          basicCredentialsEncoding: 'rfc6749',
        },
        'partner+app:a%3Ab+c%2Bd%2Fe%3D*%7E',
      ],
    ] as const)(
      'sends HTTP Basic only for client_secret_basic, credentials %s',
      async (_how, credentials, basic) => {
        await make({ clientAuthMethod: 'client_secret_basic', ...credentials }).fetch('');
        const [req] = bed.server.requests;
        expect(req.headers.authorization).toBe(`Basic ${Buffer.from(basic).toString('base64')}`);
        expect(req.form.has('client_id')).toBe(false);
        expect(req.form.has('client_secret')).toBe(false);
        expect(req.form.get('grant_type')).toBe('client_credentials');
      },
    );

    it('sends no scope field when no scope is asked for', async () => {
      await make().fetch('');
      expect(bed.server.requests[0].form.has('scope')).toBe(false);
    });
  });

  describe('clock-skew hint', () => {
    /** A token response as Puma sends it: no `Date` header. */
    const withoutDate =
      (body: Record<string, unknown>) =>
      (_req: unknown, res: ServerResponse): void => {
        res.sendDate = false;
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
    const skewWarnings = () => bed.logs.lines.filter((line) => line.includes('clock differs'));

    it('needs no Date header: without one, created_at alone is the hint', async () => {
      const nowSeconds = Math.floor(bed.clock.now() / 1000);
      bed.server.respond(withoutDate(bed.server.tokenBody({ created_at: nowSeconds })));
      await expect(accessToken(make())).resolves.toMatch(/^tok-/);
      expect(bed.server.requests).toHaveLength(1);
      expect(skewWarnings()).toEqual([]);

      bed.server.respond(withoutDate(bed.server.tokenBody({ created_at: nowSeconds + 7200 })));
      const skewed = await make().fetch('');
      expect(skewed.accessToken).toMatch(/^tok-/);
      expect(skewWarnings()).toHaveLength(1);
      expect(skewWarnings()[0]).toContain('about 7200 s');
      // Expiry still comes from the local send time.
      expect(skewed.expiresAt).toBe(bed.clock.now() + 3600_000);
    });
  });

  describe('failures', () => {
    const failure = async (
      over: Partial<HoneybeeAuthModuleOptions> = {},
    ): Promise<HoneybeeTokenError> => {
      const err = await make(over)
        .fetch('')
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(HoneybeeTokenError);
      assertNoLeak([], err);
      return err as HoneybeeTokenError;
    };

    it.each([
      [401, 'invalid_client'],
      [400, 'invalid_scope'],
      [400, 'invalid_request'],
      [400, 'unauthorized_client'], // Doorkeeper 6.0 and later
      [401, 'unauthorized_client'], // every Doorkeeper 5.x
      [400, 'unsupported_grant_type'],
      [400, 'invalid_grant'],
    ])('%i %s is definitive: one request, no retry', async (status, code) => {
      bed.server.respond(() => ({
        status,
        headers: {
          'x-request-id': 'req-42',
          'www-authenticate': `Bearer realm="Doorkeeper", error="${code}"`,
        },
        body: { error: code, error_description: `described ${code}` },
      }));
      const err = await failure();
      expect(err).toMatchObject({
        kind: 'oauth',
        error: code,
        errorDescription: `described ${code}`,
        status,
        requestId: 'req-42',
        retryable: false,
        attempts: 1,
      });
      expect(err.message).toContain(code);
      expect(err.message).toContain('req-42');
      expect(bed.server.requests).toHaveLength(1);
      expect(bed.clock.sleeps).toEqual([]);
    });

    it('removes the secret from an error_description that echoes it', async () => {
      bed.server.respond(() => ({
        status: 401,
        body: { error: 'invalid_client', error_description: `bad secret ${SECRET}` },
      }));
      const err = await failure();
      expect(err.errorDescription).toBe('bad secret [REDACTED]');
    });

    it.each([
      ['500 server_error', 500, { error: 'server_error' }],
      ['503 temporarily_unavailable', 503, { error: 'temporarily_unavailable' }],
      ['502 HTML proxy page', 502, '<html><body>Bad Gateway</body></html>'],
    ])('%s is retried with capped, jittered back-off, then thrown', async (_n, status, body) => {
      bed.server.respond(() => ({ status, body }));
      const err = await failure({
        retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 250 },
      });
      expect(err).toMatchObject({ status, retryable: true, attempts: 4 });
      expect(bed.server.requests).toHaveLength(4);
      expect(bed.clock.sleeps).toHaveLength(3);
      bed.clock.sleeps.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(Math.min(250, 100 * 2 ** i));
      });
    });

    it('recovers when a retry succeeds', async () => {
      bed.server.respond(
        () => ({ status: 503, body: { error: 'temporarily_unavailable' } }),
        () => ({ body: bed.server.tokenBody() }),
      );
      await expect(accessToken(make())).resolves.toMatch(/^tok-/);
      expect(bed.server.requests).toHaveLength(2);
    });

    it('waits for Retry-After on 429', async () => {
      bed.server.respond(
        () => ({ status: 429, headers: { 'retry-after': '2' }, body: '' }),
        () => ({ body: bed.server.tokenBody() }),
      );
      await make().fetch('');
      expect(bed.clock.sleeps).toHaveLength(1);
      expect(bed.clock.sleeps[0]).toBeGreaterThanOrEqual(2000);
    });

    it('gives up at once when Retry-After exceeds retry.maxDelayMs', async () => {
      bed.server.respond(() => ({ status: 429, headers: { 'retry-after': '120' }, body: '' }));
      const err = await failure();
      expect(err).toMatchObject({ kind: 'http', status: 429, retryAfterSeconds: 120, attempts: 1 });
      expect(bed.server.requests).toHaveLength(1);
    });

    it('retries a connection reset and reports kind network', async () => {
      bed.server.respond((_req, res) => void res.socket?.destroy());
      const err = await failure();
      expect(err).toMatchObject({ kind: 'network', retryable: true, attempts: 3 });
      expect(bed.server.requests).toHaveLength(3);
    });

    it('reports a refused connection as kind network', async () => {
      const url = bed.server.tokenUrl;
      await bed.server.stop();
      const err = await make({ tokenUrl: url, retry: { maxAttempts: 1 } })
        .fetch('')
        .catch((e) => e);
      expect(err).toMatchObject({ name: 'HoneybeeTokenError', kind: 'network' });
    });

    it('times out a server that never answers', async () => {
      bed.server.respond(() => new Promise(() => undefined));
      const err = await failure({ tokenRequestTimeoutMs: 50, retry: { maxAttempts: 2 } });
      expect(err).toMatchObject({ kind: 'timeout', retryable: true, attempts: 2 });
      expect(err.message).toContain('50 ms');
    });

    it('does not follow a redirect (the credentials stay with tokenUrl)', async () => {
      bed.server.respond(
        () => ({ status: 302, headers: { location: '/elsewhere' }, body: '' }),
        () => ({ body: bed.server.tokenBody() }),
      );
      const err = await failure();
      expect(err).toMatchObject({ kind: 'http', status: 302, retryable: false });
      expect(bed.server.requests.map((r) => r.url)).toEqual(['/oauth/token']);
    });

    it.each([
      ['not JSON', '<html>ok</html>', 'the body is not JSON'],
      ['a JSON array', [], 'not a JSON object'],
      [
        'no access_token',
        { token_type: 'Bearer', expires_in: 10 },
        'access_token is missing or empty',
      ],
      [
        'an empty access_token',
        { access_token: '', token_type: 'Bearer', expires_in: 10 },
        'access_token is missing or empty',
      ],
      [
        'token_type mac',
        { access_token: 'abcdefgh', token_type: 'mac', expires_in: 10 },
        'token_type is "mac"',
      ],
      ['no token_type', { access_token: 'abcdefgh', expires_in: 10 }, 'token_type is null'],
      [
        'no expires_in',
        { access_token: 'abcdefgh', token_type: 'Bearer' },
        'expires_in is missing',
      ],
      [
        'non-numeric expires_in',
        { access_token: 'abcdefgh', token_type: 'Bearer', expires_in: 'soon' },
        'expires_in is missing, not a number',
      ],
      [
        'zero expires_in',
        { access_token: 'abcdefgh', token_type: 'Bearer', expires_in: 0 },
        'not positive',
      ],
      [
        'negative expires_in',
        { access_token: 'abcdefgh', token_type: 'Bearer', expires_in: -5 },
        'not positive',
      ],
    ])('rejects a 200 with %s', async (_n, body, why) => {
      bed.server.respond(() => ({ headers: { 'x-request-id': 'r-1' }, body }));
      const err = await failure();
      expect(err).toMatchObject({ kind: 'invalid_response', requestId: 'r-1', retryable: false });
      expect(err.message).toContain(why);
      expect(bed.server.requests).toHaveLength(1);
    });

    it('accepts token_type in any case', async () => {
      bed.server.respond(() => ({ body: bed.server.tokenBody({ token_type: 'bearer' }) }));
      await expect(accessToken(make())).resolves.toMatch(/^tok-/);
    });

    it('rejects an oversized body, declared or streamed', async () => {
      bed.server.respond(
        () => ({ body: bed.server.tokenBody({ padding: 'x'.repeat(100_000) }) }),
        (_req, res) => {
          res.writeHead(200, {
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          });
          res.write('{"access_token":"');
          res.end('y'.repeat(100_000) + '"}');
        },
      );
      const fetcher = make({ maxTokenResponseBytes: 4096 });
      for (let i = 0; i < 2; i++) {
        const err = await fetcher.fetch('').catch((e: unknown) => e);
        expect(err).toMatchObject({ kind: 'invalid_response' });
        expect((err as Error).message).toContain('exceeds 4096 bytes');
      }
    });
  });

  describe('back-off sleeps', () => {
    const unavailable = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });

    it('asks beforeSleep first, with the wait; false stops the retries without sleeping', async () => {
      bed.server.respond(unavailable, () => ({ body: bed.server.tokenBody() }));
      const asked: number[] = [];
      const err = await make()
        .fetch('', async (ms) => {
          asked.push(ms);
          return false;
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RefreshLockLostError);
      expect(asked).toHaveLength(1);
      expect(asked[0]).toBeGreaterThanOrEqual(0);
      expect(asked[0]).toBeLessThanOrEqual(100);
      expect(bed.server.requests).toHaveLength(1);
      expect(bed.clock.sleeps).toEqual([]);
    });

    it('sleeps when beforeSleep resolves true, then tries again', async () => {
      bed.server.respond(unavailable, () => ({ body: bed.server.tokenBody() }));
      const asked: number[] = [];
      const token = await make().fetch('', async (ms) => {
        asked.push(ms);
        return true;
      });
      expect(token.accessToken).toMatch(/^tok-/);
      expect(bed.clock.sleeps).toEqual(asked);
      expect(bed.server.requests).toHaveLength(2);
    });

    it('a shutdown during the back-off ends it with kind aborted, the last failure as cause', async () => {
      bed.server.respond(unavailable);
      const shutdown = new AbortController();
      const err = await make({}, shutdown.signal)
        .fetch('', async () => {
          shutdown.abort();
          return true;
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'HoneybeeTokenError', kind: 'aborted', attempts: 1 });
      expect((err as Error).cause).toMatchObject({ kind: 'oauth', status: 503, retryable: true });
      expect(bed.server.requests).toHaveLength(1);
    });

    it('after shutdown, fails with kind aborted without a request', async () => {
      const shutdown = new AbortController();
      shutdown.abort();
      const err = await make({}, shutdown.signal)
        .fetch('')
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'HoneybeeTokenError', kind: 'aborted', attempts: 0 });
      expect(bed.server.requests).toHaveLength(0);
    });
  });
});
