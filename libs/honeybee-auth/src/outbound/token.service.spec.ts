import type { ServerResponse } from 'node:http';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { CapturingLogger } from '../testing/capturing-logger.js';
import type { FakeClock } from '../testing/fake-clock.js';
import { expectNoLeak } from '../testing/no-leak.js';
import type { RecordingTokenServer } from '../testing/recording-token-server.js';
import { useTokenServiceBed } from '../testing/token-service.bed.js';

const SECRET = 's3cr3t-Value-that-must-never-leak';

describe('HoneybeeTokenService', () => {
  const bed = useTokenServiceBed(SECRET);
  let server: RecordingTokenServer;
  let clock: FakeClock;
  let logs: CapturingLogger;
  beforeEach(() => ({ server, clock, logs } = bed));

  const make = (over: Partial<HoneybeeAuthModuleOptions> = {}) =>
    bed.service({ retry: { initialDelayMs: 100, maxDelayMs: 5000 }, ...over });

  /** The logs and every rendering of `things` are free of the secret and of `tokens`. */
  const assertNoLeak = (tokens: string[], ...things: unknown[]) =>
    expectNoLeak([SECRET, ...tokens], ...logs.lines, ...things);

  describe('the token request', () => {
    it('posts a form with grant_type and the credentials in the body only (client_secret_post)', async () => {
      await make({ scopes: ['orders:write', 'prescriptions:read'] }).getAccessToken();
      const [req] = server.requests;
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

    it('sends HTTP Basic only, credentials as they are (what Doorkeeper reads), for client_secret_basic', async () => {
      await make({
        clientAuthMethod: 'client_secret_basic',
        clientSecret: 'a:b c+d/e=',
      }).getAccessToken();
      const [req] = server.requests;
      expect(req.headers.authorization).toBe(
        `Basic ${Buffer.from('partner-app:a:b c+d/e=').toString('base64')}`,
      );
      expect(req.form.has('client_id')).toBe(false);
      expect(req.form.has('client_secret')).toBe(false);
      expect(req.form.get('grant_type')).toBe('client_credentials');
    });

    it('form-urlencodes the Basic parts with basicCredentialsEncoding rfc6749 (RFC 6749 §2.3.1)', async () => {
      await make({
        clientId: 'partner app',
        clientAuthMethod: 'client_secret_basic',
        basicCredentialsEncoding: 'rfc6749',
        clientSecret: 'a:b c+d/e=*~',
      }).getAccessToken();
      const [req] = server.requests;
      expect(req.headers.authorization).toBe(
        `Basic ${Buffer.from('partner+app:a%3Ab+c%2Bd%2Fe%3D*%7E').toString('base64')}`,
      );
    });

    it('sends no scope field when no scope is asked for', async () => {
      await make().getAccessToken();
      expect(server.requests[0].form.has('scope')).toBe(false);
    });
  });

  describe('caching', () => {
    it('serves the cached token until it nears expiry', async () => {
      const tokens = make();
      const first = await tokens.getAccessToken();
      clock.advance(60_000);
      expect(await tokens.getAccessToken()).toBe(first);
      expect(server.requests).toHaveLength(1);
    });

    it('caches per normalised scope set: order and duplicates do not matter', async () => {
      const tokens = make();
      const ab = await tokens.getAccessToken(['b', 'a']);
      expect(await tokens.getAccessToken(['a', 'b', 'a'])).toBe(ab);
      const a = await tokens.getAccessToken(['a']);
      expect(a).not.toBe(ab);
      expect(server.requests.map((r) => r.form.get('scope'))).toEqual(['a b', 'a']);
    });

    it('uses the module scopes by default and an explicit empty set separately', async () => {
      const tokens = make({ scopes: ['x'] });
      const def = await tokens.getAccessToken();
      expect(await tokens.getAccessToken(['x'])).toBe(def);
      expect(await tokens.getAccessToken([])).not.toBe(def);
    });

    it('shares one request among 500 concurrent callers on a cold cache', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      server.respond(async () => {
        await gate;
        return { body: server.tokenBody() };
      });
      const tokens = make();
      const all = Promise.all(Array.from({ length: 500 }, () => tokens.getAccessToken()));
      await new Promise((r) => setImmediate(r));
      release();
      const got = await all;
      expect(new Set(got).size).toBe(1);
      expect(server.requests).toHaveLength(1);
    });

    it('computes expiry from the local send time + expires_in, not created_at', async () => {
      // A reused token: old created_at, small remaining lifetime.
      server.respond(() => ({
        body: server.tokenBody({ expires_in: 100, created_at: clock.now() / 1000 - 40_000 }),
      }));
      const tokens = make({ refreshMarginSeconds: 0, expiryLeewaySeconds: 0 });
      const t = await tokens.getAccessToken();
      clock.advance(99_000);
      expect(await tokens.getAccessToken()).toBe(t);
      expect(server.requests).toHaveLength(1);
      clock.advance(1_000);
      expect(await tokens.getAccessToken()).not.toBe(t);
      expect(server.requests).toHaveLength(2);
      expect(tokens.status().expiresAt).toBe(clock.now() + 100_000);
    });

    it('stops handing out a token expiryLeewaySeconds before it expires', async () => {
      const tokens = make({ expiryLeewaySeconds: 30 });
      const t = await tokens.getAccessToken();
      clock.advance(3600_000 - 30_000);
      expect(await tokens.getAccessToken()).not.toBe(t);
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
    const skewWarnings = () => logs.lines.filter((line) => line.includes('clock differs'));

    it('needs no Date header: without one, created_at alone is the hint', async () => {
      const nowSeconds = Math.floor(clock.now() / 1000);
      server.respond(withoutDate(server.tokenBody({ created_at: nowSeconds })));
      await expect(make().getAccessToken()).resolves.toMatch(/^tok-/);
      expect(server.requests).toHaveLength(1);
      expect(skewWarnings()).toEqual([]);

      server.respond(withoutDate(server.tokenBody({ created_at: nowSeconds + 7200 })));
      const skewed = make();
      await expect(skewed.getAccessToken()).resolves.toMatch(/^tok-/);
      expect(skewWarnings()).toHaveLength(1);
      expect(skewWarnings()[0]).toContain('about 7200 s');
      // Expiry still comes from the local send time.
      expect(skewed.status().expiresAt).toBe(clock.now() + 3600_000);
    });
  });

  describe('proactive refresh', () => {
    it('refreshes inside the margin in the background while callers keep the current token', async () => {
      const tokens = make({ refreshMarginSeconds: 300 });
      const first = await tokens.getAccessToken();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      server.respond(async () => {
        await gate;
        return { body: server.tokenBody() };
      });
      // Past the latest jittered refresh point (1x margin before expiry), before expiry.
      clock.advance(3600_000 - 250_000);
      expect(await tokens.getAccessToken()).toBe(first);
      expect(await tokens.getAccessToken()).toBe(first);
      await waitFor(() => server.requests.length === 2);
      expect(tokens.status().refreshing).toBe(true);
      release();
      await waitFor(() => !tokens.status().refreshing);
      const second = await tokens.getAccessToken();
      expect(second).not.toBe(first);
      expect(server.requests).toHaveLength(2);
    });

    it('does not refresh before the jittered refresh point', async () => {
      const tokens = make({ refreshMarginSeconds: 300 });
      await tokens.getAccessToken();
      clock.advance(3600_000 - 450_001);
      await tokens.getAccessToken();
      expect(server.requests).toHaveLength(1);
    });

    it('keeps serving the valid token when a background refresh fails, logs it, retries later', async () => {
      const tokens = make({ refreshMarginSeconds: 300, retry: { maxAttempts: 1 } });
      const first = await tokens.getAccessToken();
      server.respond(() => ({ status: 503, body: { error: 'temporarily_unavailable' } }));
      clock.advance(3600_000 - 250_000);
      expect(await tokens.getAccessToken()).toBe(first);
      await waitFor(() => logs.lines.some((l) => l.includes('Background token refresh failed')));
      // Not retried on every call: the next attempt waits.
      expect(await tokens.getAccessToken()).toBe(first);
      expect(server.requests).toHaveLength(2);
      expect(tokens.status()).toMatchObject({ valid: true, lastError: { status: 503 } });
      server.respond(() => ({ body: server.tokenBody() }));
      clock.advance(10_000);
      expect(await tokens.getAccessToken()).toBe(first);
      await waitFor(() => !tokens.status().refreshing && server.requests.length === 3);
      expect(await tokens.getAccessToken()).not.toBe(first);
      assertNoLeak([first]);
    });
  });

  describe('invalidate', () => {
    it('forgets the cached token so the next call fetches a new one', async () => {
      const tokens = make();
      const t = await tokens.getAccessToken();
      expect(tokens.invalidate(t)).toBe(true);
      expect(await tokens.getAccessToken()).not.toBe(t);
    });

    it('ignores a late invalidation of an old token', async () => {
      const tokens = make();
      const old = await tokens.getAccessToken();
      tokens.invalidate(old);
      const fresh = await tokens.getAccessToken();
      expect(tokens.invalidate(old)).toBe(false);
      expect(await tokens.getAccessToken()).toBe(fresh);
      expect(server.requests).toHaveLength(2);
    });
  });

  describe('failures', () => {
    const failure = async (
      over: Partial<HoneybeeAuthModuleOptions> = {},
    ): Promise<HoneybeeTokenError> => {
      const err = await make(over)
        .getAccessToken()
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
      server.respond(() => ({
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
      expect(server.requests).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    });

    it('removes the secret from an error_description that echoes it', async () => {
      server.respond(() => ({
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
      server.respond(() => ({ status, body }));
      const err = await failure({
        retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 250 },
      });
      expect(err).toMatchObject({ status, retryable: true, attempts: 4 });
      expect(server.requests).toHaveLength(4);
      expect(clock.sleeps).toHaveLength(3);
      clock.sleeps.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(Math.min(250, 100 * 2 ** i));
      });
    });

    it('recovers when a retry succeeds', async () => {
      server.respond(
        () => ({ status: 503, body: { error: 'temporarily_unavailable' } }),
        () => ({ body: server.tokenBody() }),
      );
      await expect(make().getAccessToken()).resolves.toMatch(/^tok-/);
      expect(server.requests).toHaveLength(2);
    });

    it('waits for Retry-After on 429', async () => {
      server.respond(
        () => ({ status: 429, headers: { 'retry-after': '2' }, body: '' }),
        () => ({ body: server.tokenBody() }),
      );
      await make().getAccessToken();
      expect(clock.sleeps).toHaveLength(1);
      expect(clock.sleeps[0]).toBeGreaterThanOrEqual(2000);
    });

    it('gives up at once when Retry-After exceeds retry.maxDelayMs', async () => {
      server.respond(() => ({ status: 429, headers: { 'retry-after': '120' }, body: '' }));
      const err = await failure();
      expect(err).toMatchObject({ kind: 'http', status: 429, retryAfterSeconds: 120, attempts: 1 });
      expect(server.requests).toHaveLength(1);
    });

    it('retries a connection reset and reports kind network', async () => {
      server.respond((_req, res) => void res.socket?.destroy());
      const err = await failure();
      expect(err).toMatchObject({ kind: 'network', retryable: true, attempts: 3 });
      expect(server.requests).toHaveLength(3);
    });

    it('reports a refused connection as kind network', async () => {
      const url = server.tokenUrl;
      await server.stop();
      const err = await make({ tokenUrl: url, retry: { maxAttempts: 1 } })
        .getAccessToken()
        .catch((e) => e);
      expect(err).toMatchObject({ name: 'HoneybeeTokenError', kind: 'network' });
    });

    it('times out a server that never answers', async () => {
      server.respond(() => new Promise(() => undefined));
      const err = await failure({ tokenRequestTimeoutMs: 50, retry: { maxAttempts: 2 } });
      expect(err).toMatchObject({ kind: 'timeout', retryable: true, attempts: 2 });
      expect(err.message).toContain('50 ms');
    });

    it('does not follow a redirect (the credentials stay with tokenUrl)', async () => {
      server.respond(
        () => ({ status: 302, headers: { location: '/elsewhere' }, body: '' }),
        () => ({ body: server.tokenBody() }),
      );
      const err = await failure();
      expect(err).toMatchObject({ kind: 'http', status: 302, retryable: false });
      expect(server.requests.map((r) => r.url)).toEqual(['/oauth/token']);
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
      server.respond(() => ({ headers: { 'x-request-id': 'r-1' }, body }));
      const err = await failure();
      expect(err).toMatchObject({ kind: 'invalid_response', requestId: 'r-1', retryable: false });
      expect(err.message).toContain(why);
      expect(server.requests).toHaveLength(1);
    });

    it('accepts token_type in any case', async () => {
      server.respond(() => ({ body: server.tokenBody({ token_type: 'bearer' }) }));
      await expect(make().getAccessToken()).resolves.toMatch(/^tok-/);
    });

    it('rejects an oversized body, declared or streamed', async () => {
      server.respond(
        () => ({ body: server.tokenBody({ padding: 'x'.repeat(100_000) }) }),
        (_req, res) => {
          res.writeHead(200, {
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          });
          res.write('{"access_token":"');
          res.end('y'.repeat(100_000) + '"}');
        },
      );
      const tokens = make({ maxTokenResponseBytes: 4096 });
      for (let i = 0; i < 2; i++) {
        const err = await tokens.getAccessToken().catch((e: unknown) => e);
        expect(err).toMatchObject({ kind: 'invalid_response' });
        expect((err as Error).message).toContain('exceeds 4096 bytes');
      }
    });

    it('refuses a malformed scope argument without a request', async () => {
      const err = await make()
        .getAccessToken(['ok', 'not ok'])
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'HoneybeeTokenError', kind: 'invalid_argument' });
      expect(server.requests).toHaveLength(0);
    });

    it('lets the next caller try again after a failure (no cached failure)', async () => {
      server.respond(
        () => ({ status: 401, body: { error: 'invalid_client' } }),
        () => ({ body: server.tokenBody() }),
      );
      const tokens = make();
      await expect(tokens.getAccessToken()).rejects.toThrow(HoneybeeTokenError);
      await expect(tokens.getAccessToken()).resolves.toMatch(/^tok-/);
    });
  });

  describe('shutdown', () => {
    it('aborts a request in flight and refuses later calls', async () => {
      server.respond(() => new Promise(() => undefined));
      const tokens = make();
      const pending = tokens.getAccessToken();
      await waitFor(() => server.requests.length === 1);
      tokens.onModuleDestroy();
      await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
      await expect(tokens.getAccessToken()).rejects.toMatchObject({ kind: 'aborted' });
    });
  });

  describe('secrets', () => {
    it('never shows the secret or a token in inspect/JSON of the service or options', async () => {
      const tokens = make();
      const token = await tokens.getAccessToken();
      assertNoLeak([token], tokens, resolveOptions({ clientId: 'a', clientSecret: SECRET }));
      expect(logs.lines.join('\n')).toContain(token.slice(0, 4));
    });
  });
});

/** Polls a condition on the event loop (I/O from the loopback server), never a timed sleep. */
async function waitFor(cond: () => boolean, max = 5000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > max) throw new Error('condition not met');
    await new Promise((r) => setImmediate(r));
  }
}
