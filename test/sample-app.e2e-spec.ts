import { MemoryTokenStore } from 'nestjs-honeybee-auth';
import type { TokenStore } from 'nestjs-honeybee-auth';
import { htmlProxyErrorFault, maskSecret, oauthErrorFault } from 'honeybee-emulator';
import type { Fault, HoneybeeEmulator } from 'honeybee-emulator';
import { SAMPLE_APP_CLIENT_ID } from '../apps/sample-app/src/honeybee/embedded-honeybee.js';
import { SharedTokenStore } from '../apps/sample-app/src/honeybee/shared-token-store.js';
import {
  APP_TOKEN_LIFETIME,
  call,
  embeddedSettings,
  startSampleApp,
  tokenFor,
} from './fixtures/sample-app/start-sample-app.js';
import type { SampleAppUnderTest } from './fixtures/sample-app/start-sample-app.js';

const ORDER = {
  patient_id: 'p_1',
  medication_request_id: 'mr_p_1_1',
  shipping_address: { line1: '1 Main St', city: 'Springfield', state: 'IL', postal_code: '62701' },
};
const INVALID_TOKEN = { 'WWW-Authenticate': 'Bearer realm="Doorkeeper", error="invalid_token"' };

/**
 * The sample app end to end: the real AppModule and its embedded Honeybee emulator, both on
 * 127.0.0.1 and free ports, one fake clock for the module and the emulator. A fresh app (and
 * emulator) per test.
 */
describe('Sample app (e2e, embedded emulator)', () => {
  let sut: SampleAppUnderTest;
  let emu: HoneybeeEmulator;
  let writer: string;
  let reader: string;

  /** The app's own tokens, oldest first. */
  const appTokens = () =>
    emu.issuedTokens().filter((token) => token.clientId === SAMPLE_APP_CLIENT_ID);
  /** Token requests the app made (the demo callers' tokens are issued without HTTP here). */
  const tokenRequests = () => emu.requests('token');
  const apiRequests = () => emu.requests('api');
  const get = (path: string, token?: string) => call(sut.url, 'GET', path, { token });
  const post = (path: string, body: unknown, token?: string, headers?: Record<string, string>) =>
    call(sut.url, 'POST', path, { token, body, headers });

  async function start(...args: Parameters<typeof startSampleApp>) {
    sut = await startSampleApp(...args);
    emu = sut.embedded!.emulator;
    writer = await tokenFor(emu, 'demo-writer');
    reader = await tokenFor(emu, 'demo-reader');
  }

  afterEach(async () => {
    // Nothing secret ever reaches a log line: no token (ours or a caller's), no client secret.
    const secrets = [
      ...emu.issuedTokens().map((t) => t.accessToken),
      sut.embedded!.appClient.clientSecret,
      sut.embedded!.webhookSecret,
    ];
    await sut.app.close();
    expect(sut.logger.lines.length).toBeGreaterThan(0); // the logs were captured
    expect(sut.logger.lines.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  });

  describe('start-up and shutdown', () => {
    beforeEach(() => start());

    it('fetches the app token once at start-up, and GET /health reports it (public)', async () => {
      expect(tokenRequests()).toHaveLength(1);
      expect(tokenRequests()[0].body).toMatchObject({
        grant_type: 'client_credentials',
        client_id: SAMPLE_APP_CLIENT_ID,
        scope: 'prescriptions:read',
      });
      const health = await get('/health');
      const details = {
        honeybeeToken: {
          status: 'up',
          token: 'valid',
          expiresAt: new Date(sut.clock.now() + APP_TOKEN_LIFETIME * 1000).toISOString(),
        },
        tokenStore: { status: 'up', store: 'none' },
        honeybeeVerifier: { status: 'up', verifier: 'token-info' },
      };
      expect(health).toMatchObject({ status: 200 });
      expect(health.body).toEqual({ status: 'ok', info: details, error: {}, details });
      // The token was cached: /health sent no token request.
      expect(tokenRequests()).toHaveLength(1);
    });

    it('stops the embedded emulator on app.close()', async () => {
      const { url } = emu;
      await sut.app.close();
      await expect(fetch(`${url}/oauth/token`, { method: 'POST' })).rejects.toThrow();
    });
  });

  describe('GET /patients/:id/prescriptions', () => {
    beforeEach(() => start());

    it('answers 200 with the prescriptions, fetched with the app token (not the caller token)', async () => {
      const answer = await get('/patients/p_1/prescriptions', reader);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        patient_id: 'p_1',
        prescriptions: [expect.objectContaining({ id: 'mr_p_1_1', patient_id: 'p_1' })],
      });
      const [request] = apiRequests();
      expect(request).toMatchObject({ method: 'GET', path: '/v1/patients/p_1/rx' });
      expect(request.headers.authorization).toBe(
        `Bearer ${maskSecret(appTokens()[0].accessToken)}`,
      );
      expect(request.headers.accept).toBe('application/json');
      expect(tokenRequests()).toHaveLength(1); // the start-up token, reused
    });

    it('answers 401 with a Bearer challenge without a token, and for an unknown token', async () => {
      const none = await get('/patients/p_1/prescriptions');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="honeybee"');
      const unknown = await get('/patients/p_1/prescriptions', 'not-a-real-token');
      expect(unknown.status).toBe(401);
      expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(apiRequests()).toHaveLength(0);
    });

    it('answers 403 to a token without prescriptions:read', async () => {
      const ordersOnly = (await emu.issueToken('demo-writer', ['orders:write'])).access_token;
      const answer = await get('/patients/p_1/prescriptions', ordersOnly);
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toContain('scope="prescriptions:read"');
      expect(apiRequests()).toHaveLength(0);
    });

    it('answers 401 to a valid token of a client that is not a demo caller (allowedClientIds)', async () => {
      emu.addClient({
        clientId: 'outsider',
        clientSecret: 'outsider-secret',
        scopes: ['prescriptions:read'],
        defaultScopes: ['prescriptions:read'],
      });
      const answer = await get('/patients/p_1/prescriptions', await tokenFor(emu, 'outsider'));
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(apiRequests()).toHaveLength(0);
    });

    it('answers 404 with Honeybee’s X-Request-Id for an unknown patient', async () => {
      const answer = await get('/patients/p_404/prescriptions', reader);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        message: 'Honeybee has no patient "p_404"',
        error: 'Not Found',
        statusCode: 404,
        honeybeeRequestId: apiRequests()[0].requestId,
      });
    });

    it.each(['p%201', '%2E%2E%2F', 'p_1%2F..%2F..%2Forders', 'x'.repeat(65)])(
      'answers 400 to the malformed id %s without calling Honeybee',
      async (id) => {
        const answer = await get(`/patients/${id}/prescriptions`, reader);
        expect(answer.status).toBe(400);
        expect(answer.body.message).toMatch(/^The patient id must be an id of 1-64 letters/);
        expect(apiRequests()).toHaveLength(0);
      },
    );
  });

  describe('POST /orders', () => {
    beforeEach(() => start());

    it('answers 201 with Honeybee’s order, created with an orders:write token', async () => {
      const answer = await post('/orders', ORDER, writer);
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ ...ORDER, id: 'ord_1', status: 'received' });
      expect(emu.orders()).toEqual([expect.objectContaining({ ...ORDER, id: 'ord_1' })]);
      const orderToken = appTokens().at(-1)!;
      expect(orderToken.scopes).toEqual(['orders:write']);
      expect(apiRequests()[0].headers.authorization).toBe(
        `Bearer ${maskSecret(orderToken.accessToken)}`,
      );
    });

    it('answers 403 to demo-reader (no orders:write) without calling Honeybee', async () => {
      const answer = await post('/orders', ORDER, reader);
      expect(answer.status).toBe(403);
      expect(answer.body.message).toBe(
        'Insufficient scope; this route requires all of: orders:write',
      );
      expect(apiRequests()).toHaveLength(0);
    });

    it.each([
      ['not JSON', '{"patient_id":', /^The order is not valid JSON: /],
      ['not an object', '[1,2]', /^The order must be a JSON object/],
      ['form-encoded', 'patient_id=p_1', /^The order must be a JSON object/],
    ])('answers 400 to a body that is %s', async (_label, body, message) => {
      const headers: Record<string, string> =
        body === 'patient_id=p_1' ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
      const answer = await post('/orders', body, writer, headers);
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(message);
      expect(apiRequests()).toHaveLength(0);
    });

    it('answers 400 listing every problem of a bad order', async () => {
      const answer = await post(
        '/orders',
        {
          patient_id: '../p_1',
          medication_request_id: 42,
          shipping_address: { line1: ' ', city: 'Springfield', state: 'Illinois', zip: '1' },
          priority: 'high',
        },
        writer,
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [
          'priority is not a known field',
          'patient_id must be an id of 1-64 letters, digits, "_", "-" or "."',
          'medication_request_id must be a non-empty string',
          'shipping_address.zip is not a known field',
          'shipping_address.line1 must be a non-empty string',
          'shipping_address.state must be a two-letter state code (IL)',
          'shipping_address.postal_code is required',
        ],
      });
      expect(apiRequests()).toHaveLength(0);
    });

    it('checks the token before the body: 401 for a bad body without a token', async () => {
      const answer = await post('/orders', '{"patient_id":');
      expect(answer.status).toBe(401);
    });

    it('answers 422 with Honeybee’s message when Honeybee refuses the order', async () => {
      const answer = await post('/orders', { ...ORDER, patient_id: 'p_9' }, writer);
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual({
        message: ['patient_id not found'],
        error: 'Unprocessable Entity',
        statusCode: 422,
        honeybeeRequestId: apiRequests()[0].requestId,
      });
    });
  });

  describe('when Honeybee fails', () => {
    beforeEach(() => start());

    it.each<[string, number, Fault, RegExp, { retryAfter?: string; requestId?: boolean }]>([
      [
        'a 500',
        502,
        { status: 500, body: { error: 'boom' } },
        /^Honeybee answered 500$/,
        { requestId: true },
      ],
      [
        'an nginx 502 page',
        502,
        htmlProxyErrorFault(502),
        /^Honeybee answered 502$/,
        { requestId: false },
      ],
      [
        'a 503 with Retry-After',
        503,
        { status: 503, headers: { 'Retry-After': '7' } },
        /^Honeybee is unavailable \(503\)$/,
        { retryAfter: '7', requestId: true },
      ],
      [
        'a 429',
        503,
        { rateLimit: { retryAfterSeconds: 30 } },
        /^Honeybee is rate-limiting this app$/,
        { retryAfter: '30' },
      ],
      [
        'a reset connection',
        503,
        { resetConnection: true },
        /^Honeybee is unreachable \(ECONNRESET\)$/,
        { requestId: false },
      ],
      [
        'a 200 that is not JSON',
        502,
        { status: 200, malformedBody: true },
        /^Honeybee sent an unexpected answer \(200\)$/,
        {},
      ],
      [
        'a 403 (our client lacks a scope)',
        502,
        { status: 403 },
        /^This app's Honeybee client lacks the scope/,
        {},
      ],
    ])('maps %s to %i', async (_label, status, fault, message, expected) => {
      emu.injectFault('api', fault, { times: 1 });
      const answer = await get('/patients/p_1/prescriptions', reader);
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({
        statusCode: status,
        message: expect.stringMatching(message),
      });
      expect(answer.headers.get('retry-after')).toBe(expected.retryAfter ?? null);
      if (expected.requestId !== undefined) {
        expect('honeybeeRequestId' in answer.body).toBe(expected.requestId);
      }
      if (expected.requestId)
        expect(answer.body.honeybeeRequestId).toBe(apiRequests()[0].requestId);
      // The next call works again.
      expect((await get('/patients/p_1/prescriptions', reader)).status).toBe(200);
    });

    it('maps a 401 that survives the replay with a fresh token to 502', async () => {
      emu.injectFault('api', { status: 401, headers: INVALID_TOKEN }, { times: 2 });
      const answer = await get('/patients/p_1/prescriptions', reader);
      expect(answer.status).toBe(502);
      expect(answer.body.message).toBe("Honeybee rejected this app's access token");
      expect(apiRequests()).toHaveLength(2); // the request and its one replay
      expect(tokenRequests()).toHaveLength(2); // start-up, then one fresh token for the replay
    });

    it('maps no token for the app to 503, and /health reports it until Honeybee is back', async () => {
      sut.clock.advance((APP_TOKEN_LIFETIME + 1) * 1000); // the start-up token has expired
      emu.injectFault('token', oauthErrorFault('temporarily_unavailable'));
      const answer = await get('/patients/p_1/prescriptions', reader);
      expect(answer.status).toBe(503);
      expect(answer.body.message).toBe(
        'Could not get an access token from Honeybee (oauth 503 temporarily_unavailable)',
      );
      expect(apiRequests()).toHaveLength(0);

      const health = await get('/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({
        status: 'error',
        error: {
          honeybeeToken: {
            status: 'down',
            reason: { kind: 'oauth', httpStatus: 503, requestId: expect.any(String) },
          },
        },
      });
      // The route is public: what the server said (its OAuth error, a message) is not shown.
      expect(Object.keys(health.body.error.honeybeeToken.reason).sort()).toEqual([
        'httpStatus',
        'kind',
        'requestId',
      ]);
      expect(JSON.stringify(health.body)).not.toContain('temporarily_unavailable');

      emu.clearFaults('token');
      expect((await get('/patients/p_1/prescriptions', reader)).status).toBe(200);
      expect((await get('/health')).body.status).toBe('ok');
    });

    it('maps a Honeybee slower than apiTimeoutMs to 503', async () => {
      await sut.app.close();
      await start(embeddedSettings({ apiTimeoutMs: 100 }));
      emu.injectFault('api', { delayMs: 5000 }, { times: 1 }); // cancelled by emu.stop()
      const answer = await get('/patients/p_1/prescriptions', reader);
      expect(answer.status).toBe(503);
      expect(answer.body.message).toBe('Honeybee did not answer within 100 ms');
    });
  });

  describe('the app’s own token', () => {
    beforeEach(() => start());

    it('is refreshed once it expires, and the API sees the new one', async () => {
      await get('/patients/p_1/prescriptions', reader);
      sut.clock.advance((APP_TOKEN_LIFETIME + 1) * 1000);
      // The health check finds no valid token: it gets one, which the next call uses.
      expect((await get('/health')).body.details.honeybeeToken).toEqual({
        status: 'up',
        token: 'valid',
        expiresAt: new Date(sut.clock.now() + APP_TOKEN_LIFETIME * 1000).toISOString(),
      });
      expect(tokenRequests()).toHaveLength(2);
      expect((await get('/patients/p_1/prescriptions', reader)).status).toBe(200);

      expect(tokenRequests()).toHaveLength(2);
      const [first, second] = appTokens();
      expect(apiRequests().map((r) => r.headers.authorization)).toEqual([
        `Bearer ${maskSecret(first.accessToken)}`,
        `Bearer ${maskSecret(second.accessToken)}`,
      ]);
      expect((await get('/health')).body.details.honeybeeToken.token).toBe('valid');
    });

    it('revoked at Honeybee: exactly one token request and one replay, and the caller gets 200', async () => {
      const [current] = appTokens();
      expect(emu.revokeToken(current.accessToken)).toBe(true);

      const answer = await get('/patients/p_1/prescriptions', reader);
      expect(answer.status).toBe(200);
      expect(tokenRequests()).toHaveLength(2); // start-up + one refetch
      const fresh = appTokens()[1];
      expect(apiRequests().map((r) => [r.path, r.headers.authorization])).toEqual([
        ['/v1/patients/p_1/rx', `Bearer ${maskSecret(current.accessToken)}`], // 401
        ['/v1/patients/p_1/rx', `Bearer ${maskSecret(fresh.accessToken)}`], // replay, 200
      ]);

      // The fresh token is kept: the next call needs no token request.
      await get('/patients/p_1/prescriptions', reader);
      expect(tokenRequests()).toHaveLength(2);
    });
  });

  describe('webhooks', () => {
    beforeEach(() => start());
    const hook = () => `${sut.url}/webhooks/honeybee`;
    const secret = () => sut.embedded!.webhookSecret;

    it('accepts an event with the right X-Honeybee-Secret and lists it in /recent', async () => {
      const status = await emu.sendWebhook(hook(), {
        secret: secret(),
        event: { event_id: 'evt_1', event_type: 'RX_RECEIVED', patient_id: 'p_1' },
      });
      expect(status).toBe(200);
      const recent = await get('/webhooks/honeybee/recent', reader);
      expect(recent.status).toBe(200);
      expect(recent.body).toEqual({
        events: [
          {
            received_at: new Date(sut.clock.now()).toISOString(),
            event: expect.objectContaining({
              event_id: 'evt_1',
              event_type: 'RX_RECEIVED',
              patient_id: 'p_1',
              medication_requests: [expect.objectContaining({ id: 'mr_p_1_1' })],
            }),
          },
        ],
      });
    });

    it('answers 401 to a wrong or missing secret, before looking at the body', async () => {
      const event = { event_id: 'evt_1', event_type: 'RX_RECEIVED', patient_id: 'p_1' };
      expect(await emu.sendWebhook(hook(), { secret: 'wrong', event })).toBe(401);
      const missing = await post('/webhooks/honeybee', event);
      expect(missing.status).toBe(401);
      expect(missing.body.message).toBe('Missing X-Honeybee-Secret header');
      const garbage = await post('/webhooks/honeybee', '{oops', undefined, {
        'x-honeybee-secret': 'wrong',
      });
      expect(garbage.status).toBe(401);
      expect((await get('/webhooks/honeybee/recent', reader)).body.events).toEqual([]);
    });

    it.each([
      ['bad JSON', '{"event_id":', /^The event is not valid JSON: /],
      [
        'a missing patient_id',
        { event_id: 'e', event_type: 'RX_RECEIVED' },
        /patient_id is required/,
      ],
      [
        'a bad medication_requests',
        { event_id: 'e', event_type: 'X', patient_id: 'p_1', medication_requests: 'no' },
        /medication_requests must be a list of objects/,
      ],
    ])('answers 400 to %s', async (_label, body, message) => {
      const answer = await post('/webhooks/honeybee', body, undefined, {
        'x-honeybee-secret': secret(),
      });
      expect(answer.status).toBe(400);
      expect([answer.body.message].flat().join('\n')).toMatch(message);
    });

    it('keeps a redelivered event once, and only the last 20 events, newest first', async () => {
      const send = (id: string) =>
        emu.deliverWebhook(hook(), {
          secret: secret(),
          event: { event_id: id, event_type: 'RX_UPDATED', patient_id: 'p_2' },
        });
      const again = await send('evt_0').then(() => send('evt_0'));
      expect(again.status).toBe(200);
      expect(JSON.parse(again.body)).toEqual({
        received: true,
        event_id: 'evt_0',
        duplicate: true,
      });
      for (let i = 1; i <= 24; i++) await send(`evt_${i}`);
      const ids = (await get('/webhooks/honeybee/recent', reader)).body.events.map(
        (e: { event: { event_id: string } }) => e.event.event_id,
      );
      expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => `evt_${24 - i}`));
    });

    it('GET /webhooks/honeybee/recent needs a token with prescriptions:read', async () => {
      expect((await get('/webhooks/honeybee/recent')).status).toBe(401);
      const ordersOnly = (await emu.issueToken('demo-writer', ['orders:write'])).access_token;
      expect((await get('/webhooks/honeybee/recent', ordersOnly)).status).toBe(403);
      expect((await get('/webhooks/honeybee/recent', writer)).status).toBe(200);
    });
  });

  describe('GET /metrics', () => {
    it('serves the module’s metrics in Prometheus format with OTEL_METRICS_EXPORTER=prometheus', async () => {
      await start(embeddedSettings({ metricsExporter: 'prometheus' }));
      expect((await get('/patients/p_1/prescriptions', reader)).status).toBe(200);
      expect((await post('/orders', ORDER, writer)).status).toBe(201);
      expect((await get('/patients/p_1/prescriptions')).status).toBe(401);

      const metrics = await get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = metrics.body as string;
      const client = `honeybee_auth_client_id="${SAMPLE_APP_CLIENT_ID}"`;
      // The start-up token and the order's, each under its own configured scope set.
      for (const scope of ['prescriptions:read', 'orders:write']) {
        expect(text).toMatch(
          new RegExp(
            `^honeybee_auth_token_requests_total\\{[^}]*${client}[^}]*honeybee_auth_scope="${scope}"[^}]*honeybee_auth_token_outcome="success"[^}]*\\} 1$`,
            'm',
          ),
        );
      }
      expect(text).toMatch(
        /^honeybee_auth_guard_decisions_total\{honeybee_auth_guard_answer="pass",honeybee_auth_guard_context="http"[^}]*\} 2$/m,
      );
      expect(text).toMatch(
        /^honeybee_auth_guard_decisions_total\{honeybee_auth_guard_answer="401",honeybee_auth_guard_context="http",error_type="missing_token"[^}]*\} 1$/m,
      );
      expect(text).toMatch(/^honeybee_auth_token_time_to_expiry\{/m);
      expect(text).toMatch(/^honeybee_auth_token_request_duration_bucket\{/m);
      // Nothing secret: neither a token nor a secret.
      for (const secret of [
        ...emu.issuedTokens().map((t) => t.accessToken),
        sut.embedded!.appClient.clientSecret,
      ]) {
        expect(text).not.toContain(secret);
      }
    });

    it('is not there without it', async () => {
      await start();
      expect((await get('/metrics')).status).toBe(404);
    });
  });

  describe('GET /health with a shared token store', () => {
    const withStore = (store: TokenStore) =>
      start(embeddedSettings(), (builder) =>
        builder.overrideProvider(SharedTokenStore).useValue(new SharedTokenStore(store)),
      );

    it('reports the store up when it answers', async () => {
      await withStore(new MemoryTokenStore());
      const health = await get('/health');
      expect(health.status).toBe(200);
      expect(health.body.details).toMatchObject({
        honeybeeToken: { status: 'up', token: 'valid' },
        tokenStore: { status: 'up', store: 'reachable' },
      });
    });

    it('answers 503 when the store does not answer', async () => {
      const store = new MemoryTokenStore();
      await withStore(store);
      Object.assign(store, {
        ping: () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
      });
      const health = await get('/health');
      expect(health.status).toBe(503);
      expect(health.body).toEqual({
        status: 'error',
        info: {
          honeybeeToken: expect.objectContaining({ status: 'up' }),
          honeybeeVerifier: { status: 'up', verifier: 'token-info' },
        },
        error: { tokenStore: { status: 'down', reason: { kind: 'ECONNREFUSED' } } },
        details: {
          honeybeeToken: expect.objectContaining({ status: 'up' }),
          tokenStore: { status: 'down', reason: { kind: 'ECONNREFUSED' } },
          honeybeeVerifier: { status: 'up', verifier: 'token-info' },
        },
      });
    });
  });
});
