import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { firstValueFrom } from 'rxjs';
import {
  HONEYBEE_CLOCK,
  HoneybeeAuthModule,
  HoneybeeHttpService,
  HoneybeeTokenError,
  HoneybeeTokenService,
} from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions, HoneybeeTokenErrorKind } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator, htmlProxyErrorFault, oauthErrorFault } from 'honeybee-emulator';
import type { Fault, OAuthErrorCode } from 'honeybee-emulator';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { RecordingTokenServer } from '../../libs/honeybee-auth/src/testing/recording-token-server.js';
import type { RecordedRequest } from '../../libs/honeybee-auth/src/testing/recording-token-server.js';
import { loadSettings } from '../../apps/sample-app/src/config/sample-app.settings.js';
import { call, startSampleApp } from '../fixtures/sample-app/start-sample-app.js';
import type { SampleAppUnderTest } from '../fixtures/sample-app/start-sample-app.js';
import { adversarialRun } from './support/adversarial-run.js';
import { AttackerServer } from './support/attacker-server.js';
import { leakScanner } from './support/leak-scanner.js';

/**
 * Every way the token endpoint can fail (docs/honeybee-server.md, plus transport faults),
 * driven through the emulator's fault injection or a scripted loopback server. For each: the typed
 * `HoneybeeTokenError` (kind, status, OAuth error), the number of token requests (retries are
 * bounded: 3 attempts for transient failures, 1 for definitive ones), nothing left unhandled,
 * and no secret in what is thrown or logged. Time is a fake clock: back-off never sleeps.
 */
const run = adversarialRun('token-endpoint-faults');

const CLIENT_ID = 'adversarial-outbound';
const SECRET = 'outbound-secret-5f0c1e9b7a3d4c2e8f6a';
const LIFETIME_S = 3600;
const TIMEOUT_MS = 400;
const MAX_ATTEMPTS = 3;

let emu: HoneybeeEmulator;
let attacker: AttackerServer;
let clock: FakeClock;
let moduleRef: TestingModule | undefined;

beforeAll(async () => {
  clock = new FakeClock();
  emu = await HoneybeeEmulator.start({
    clock,
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        scopes: ['prescriptions:read', 'orders:write'],
        tokenLifetimeSeconds: LIFETIME_S,
      },
    ],
  });
  attacker = await AttackerServer.start();
  leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(CLIENT_ID, SECRET);
});

afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
  leakScanner.resetEmulator(emu);
  attacker.clear();
  clock.sleeps.length = 0;
});

afterAll(async () => {
  await Promise.all([emu.stop(), attacker.stop()]);
});

async function start(over: Partial<HoneybeeAuthModuleOptions> = {}) {
  moduleRef = await Test.createTestingModule({
    imports: [
      HoneybeeAuthModule.forRoot({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        tokenUrl: emu.tokenUrl,
        apiBaseUrl: emu.apiBaseUrl,
        scopes: ['prescriptions:read'],
        allowInsecureLoopback: true,
        tokenRequestTimeoutMs: TIMEOUT_MS,
        retry: { maxAttempts: MAX_ATTEMPTS, initialDelayMs: 250, maxDelayMs: 10_000 },
        ...over,
      }),
    ],
  })
    .overrideProvider(HONEYBEE_CLOCK)
    .useValue(clock)
    .setLogger(run.logger)
    .compile();
  await moduleRef.init();
  return {
    tokens: moduleRef.get(HoneybeeTokenService),
    http: moduleRef.get(HoneybeeHttpService),
  };
}

/** The rejection of `p`, which must be a HoneybeeTokenError; it goes to the leak scanner. */
async function tokenError(p: Promise<unknown>): Promise<HoneybeeTokenError> {
  const err = await p.then(
    () => {
      throw new Error('expected the token request to fail');
    },
    (e: unknown) => e,
  );
  leakScanner.error(err);
  expect(err).toBeInstanceOf(HoneybeeTokenError);
  const e = err as HoneybeeTokenError;
  // Nothing that is thrown may carry the secret, in any form a caller might print.
  for (const text of [e.message, JSON.stringify(e), String(e.errorDescription)]) {
    expect(text).not.toContain(SECRET);
  }
  return e;
}

interface Expected {
  kind: HoneybeeTokenErrorKind;
  status?: number;
  error?: string;
  attempts: number;
  retryable: boolean;
}

const once = (fault: Fault) => fault;
const oauth = (code: OAuthErrorCode): [string, Fault, Expected] => {
  const status = code === 'invalid_client' ? 401 : code === 'server_error' ? 500 : 400;
  const transient = code === 'server_error' || code === 'temporarily_unavailable';
  return [
    `${code === 'temporarily_unavailable' ? 503 : status} ${code}`,
    oauthErrorFault(code),
    {
      kind: 'oauth',
      status: code === 'temporarily_unavailable' ? 503 : status,
      error: code,
      attempts: transient ? MAX_ATTEMPTS : 1,
      retryable: transient,
    },
  ];
};

describe('token endpoint failures → typed errors, bounded retries', () => {
  const cases: [string, Fault, Expected][] = [
    oauth('invalid_client'),
    oauth('invalid_request'),
    oauth('invalid_grant'),
    oauth('unauthorized_client'),
    oauth('unsupported_grant_type'),
    oauth('invalid_scope'),
    oauth('server_error'),
    oauth('temporarily_unavailable'),
    [
      '500 without a body',
      { status: 500 },
      { kind: 'http', status: 500, attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      '503 text/plain',
      { status: 503, body: 'Service Unavailable' },
      { kind: 'http', status: 503, attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      '504 JSON without an OAuth error',
      { status: 504, body: { message: 'upstream timed out' } },
      { kind: 'http', status: 504, attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      '408 Request Timeout',
      { status: 408 },
      { kind: 'http', status: 408, attempts: MAX_ATTEMPTS, retryable: true },
    ],
    ...[502, 503, 504].map((status): [string, Fault, Expected] => [
      `${status} HTML proxy error page (no X-Request-Id)`,
      htmlProxyErrorFault(status),
      { kind: 'http', status, attempts: MAX_ATTEMPTS, retryable: true },
    ]),
    [
      '429 + Retry-After: 2 and an OAuth-shaped body',
      { rateLimit: { retryAfterSeconds: 2 } },
      {
        kind: 'oauth',
        status: 429,
        error: 'rate_limit_exceeded',
        attempts: MAX_ATTEMPTS,
        retryable: true,
      },
    ],
    [
      '429 + Retry-After: 2 and a plain-text body',
      { rateLimit: { retryAfterSeconds: 2, body: 'Too Many Requests' } },
      { kind: 'http', status: 429, attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      '429 + Retry-After: 600 (longer than retry.maxDelayMs: give up at once)',
      { rateLimit: { retryAfterSeconds: 600 } },
      { kind: 'oauth', status: 429, error: 'rate_limit_exceeded', attempts: 1, retryable: true },
    ],
    [
      'connection dropped mid-body (headers sent, socket destroyed)',
      { dropConnection: true },
      { kind: 'network', attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      'connection dropped mid-body of a 503',
      { dropConnection: true, status: 503 },
      { kind: 'network', attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      'connection reset (TCP RST) before any byte',
      { resetConnection: true },
      { kind: 'network', attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      `no answer within tokenRequestTimeoutMs (${TIMEOUT_MS} ms)`,
      { delayMs: 5_000 },
      { kind: 'timeout', attempts: MAX_ATTEMPTS, retryable: true },
    ],
    [
      '200 with a malformed JSON body',
      { malformedBody: true },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ],
    [
      '200 with an HTML page',
      {
        status: 200,
        body: '<html><body>Login</body></html>',
        headers: { 'Content-Type': 'text/html' },
      },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ],
    [
      '200 with an empty access_token',
      { status: 200, body: { access_token: '', token_type: 'Bearer', expires_in: 3600 } },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ],
    [
      '200 with token_type mac',
      {
        status: 200,
        body: { access_token: 'x'.repeat(43), token_type: 'mac', expires_in: 3600 },
      },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ],
    [
      '200 with a negative expires_in',
      {
        status: 200,
        body: { access_token: 'x'.repeat(43), token_type: 'Bearer', expires_in: -5 },
      },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ],
    [
      '200 with a JSON array',
      { status: 200, body: [{ access_token: 'x'.repeat(43) }] },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ],
    [
      '200 with a 10 MB JSON body (Content-Length declared)',
      { oversizedBodyBytes: 10 * 1024 * 1024 },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ],
    [
      '503 with a 10 MB JSON body',
      { oversizedBodyBytes: 10 * 1024 * 1024, status: 503 },
      { kind: 'invalid_response', status: 503, attempts: MAX_ATTEMPTS, retryable: true },
    ],
    // An access_token that is not an RFC 6750 b64token: axios would rewrite the header it goes
    // into (CR/LF dropped), so the token sent would not be the one masked, cached and checked.
    ...(
      [
        ['CR LF and an injected header', 'abc\r\nX-Injected: yes'],
        ['a leading space', ' abcdefgh0123456789'],
        ['a trailing space', 'abcdefgh0123456789 '],
        ['an inner space', 'abcdefgh 0123456789'],
        ['a NUL', 'abcdefgh\u00000123456789'],
        ['non-ASCII', 'tökén-abcdefgh0123456789'],
        ['a DEL', 'abcdefgh\u007f0123456789'],
      ] as const
    ).map(([what, token]): [string, Fault, Expected] => [
      `200 with an access_token with ${what}`,
      { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } },
      { kind: 'invalid_response', status: 200, attempts: 1, retryable: false },
    ]),
  ];

  it.each(cases)('%s', async (_name, fault, expected) => {
    const { tokens } = await start();
    emu.injectFault('token', once(fault));
    const err = await tokenError(tokens.getAccessToken());
    expect({
      kind: err.kind,
      status: err.status,
      error: err.error,
      attempts: err.attempts,
      retryable: err.retryable,
    }).toEqual({
      kind: expected.kind,
      status: expected.status,
      error: expected.error,
      attempts: expected.attempts,
      retryable: expected.retryable,
    });
    expect(emu.requests('token')).toHaveLength(expected.attempts);
    // An answer's X-Request-Id is quoted (proxy pages have none).
    const last = emu.requests('token').at(-1)!;
    if (err.status !== undefined && !('dropConnection' in fault)) {
      const proxyPage = fault.headers?.['X-Request-Id'] === null;
      expect(err.requestId).toBe(proxyPage ? undefined : last.requestId);
    }
    // Back-off honoured Retry-After and went through the clock, never real sleeps.
    if (fault.rateLimit?.retryAfterSeconds === 2) {
      expect(clock.sleeps).toHaveLength(MAX_ATTEMPTS - 1);
      for (const ms of clock.sleeps) expect(ms).toBeGreaterThanOrEqual(2000);
    }
    // The service stays usable: once the endpoint recovers, the next call gets a token.
    emu.clearFaults();
    const recovered = await tokens.getAccessToken();
    expect(recovered).toBe(emu.issuedTokens().at(-1)?.accessToken);
    run.faultSurvived();
  });

  it('429 + Retry-After as an HTTP date within retry.maxDelayMs is waited out, then retried', async () => {
    const { tokens } = await start();
    emu.injectFault('token', { rateLimit: { retryAfterDate: new Date(Date.now() + 4000) } });
    const err = await tokenError(tokens.getAccessToken());
    expect(err).toMatchObject({ status: 429, attempts: MAX_ATTEMPTS, retryable: true });
    expect(emu.requests('token')).toHaveLength(MAX_ATTEMPTS);
    for (const ms of clock.sleeps) expect(ms).toBeGreaterThanOrEqual(2000);
    run.faultSurvived();
  });

  it('a real wrong secret (401 invalid_client from the server) is not retried and not echoed', async () => {
    const wrong = 'wrong-secret-0d9f8e7c6b5a4f3e2d1c';
    leakScanner.watchClientSecret(CLIENT_ID, wrong);
    const { tokens } = await start({ clientSecret: wrong });
    const err = await tokenError(tokens.getAccessToken());
    expect(err).toMatchObject({ kind: 'oauth', status: 401, error: 'invalid_client', attempts: 1 });
    expect(JSON.stringify(err)).not.toContain(wrong);
    run.faultSurvived();
  });

  it('a real invalid_scope (a scope the client does not have) is not retried', async () => {
    const { tokens } = await start();
    const err = await tokenError(tokens.getAccessToken(['admin']));
    expect(err).toMatchObject({ kind: 'oauth', status: 400, error: 'invalid_scope', attempts: 1 });
    run.faultSurvived();
  });

  it('an error_description echoing the client secret is redacted everywhere', async () => {
    const { tokens } = await start();
    emu.injectFault(
      'token',
      oauthErrorFault('invalid_client', { description: `client_secret ${SECRET} is wrong` }),
    );
    const err = await tokenError(tokens.getAccessToken());
    expect(err.errorDescription).toBe('client_secret [REDACTED] is wrong');
    expect(run.logger.lines.join('\n')).not.toContain(SECRET);
    run.faultSurvived();
  });

  it.each([301, 302, 303, 307, 308] as const)(
    'a %i redirect is not followed: one request, and the target never sees the credentials',
    async (status) => {
      const { tokens } = await start();
      emu.injectFault('token', {
        redirect: { location: `${attacker.url}/oauth/token`, status },
      });
      const err = await tokenError(tokens.getAccessToken());
      expect(err).toMatchObject({ kind: 'http', status, attempts: 1, retryable: false });
      expect(emu.requests('token')).toHaveLength(1);
      expect(attacker.requests).toHaveLength(0);
      expect(attacker.rawText()).toBe('');
      run.attackRejected();
      run.faultSurvived();
    },
  );
});

describe('scripted token servers (slow and endless bodies)', () => {
  let server: RecordingTokenServer;
  let bytesSent = 0;
  const timers = new Set<NodeJS.Timeout>();

  beforeEach(async () => {
    server = await RecordingTokenServer.start();
    bytesSent = 0;
  });
  afterEach(async () => {
    for (const t of timers) clearInterval(t);
    await server.stop();
  });

  /** Writes `piece` every `everyMs` until the client goes away. */
  const trickle = (res: ServerResponse, piece: Buffer, everyMs: number) => {
    const timer = setInterval(() => {
      if (res.destroyed || res.writableEnded) return stop();
      bytesSent += piece.length;
      res.write(piece);
    }, everyMs);
    const stop = () => {
      clearInterval(timer);
      timers.delete(timer);
    };
    timers.add(timer);
    res.on('close', stop);
  };

  it('a body that trickles in one byte every 50 ms times out (connect to last byte)', async () => {
    server.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":"');
      trickle(res, Buffer.from('a'), 50);
    });
    const { tokens } = await start({ tokenUrl: server.tokenUrl });
    const started = performance.now();
    const err = await tokenError(tokens.getAccessToken());
    expect(err).toMatchObject({ kind: 'timeout', retryable: true, attempts: MAX_ATTEMPTS });
    expect(server.requests).toHaveLength(MAX_ATTEMPTS);
    // Bounded by the timeout per attempt, not by the server's patience.
    expect(performance.now() - started).toBeLessThan(MAX_ATTEMPTS * TIMEOUT_MS + 2000);
    run.faultSurvived();
  });

  it('an endless chunked body (no Content-Length) is cut off after maxTokenResponseBytes', async () => {
    server.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"padding":"');
      trickle(res, Buffer.alloc(64 * 1024, 'x'), 1);
    });
    const { tokens } = await start({ tokenUrl: server.tokenUrl, tokenRequestTimeoutMs: 10_000 });
    const err = await tokenError(tokens.getAccessToken());
    expect(err).toMatchObject({ kind: 'invalid_response', status: 200, attempts: 1 });
    // The client hung up long before 10 MB: reading stops at the limit (64 KiB).
    expect(bytesSent).toBeLessThan(10 * 1024 * 1024);
    run.note(
      `endless token body: the client hung up after the server had written ${bytesSent} bytes`,
    );
    run.faultSurvived();
  });
});

describe('a token endpoint that echoes the request (a wrong tokenUrl, a proxy, a hostile server)', () => {
  /** Every encoding writes this one differently: space, +, /, =, &, %, ~, *. */
  const ECHO_SECRET = 'echo secret+/=&%~*-5a6b7c8d9e0f';
  const forms = [
    ECHO_SECRET,
    encodeURIComponent(ECHO_SECRET),
    new URLSearchParams([['', ECHO_SECRET]]).toString().slice(1),
    Buffer.from(`${CLIENT_ID}:${ECHO_SECRET}`).toString('base64'),
    Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(ECHO_SECRET)}`).toString(
      'base64',
    ),
  ];
  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
  let server: RecordingTokenServer;

  beforeAll(() => leakScanner.watchClientSecret(CLIENT_ID, ECHO_SECRET));
  beforeEach(async () => {
    server = await RecordingTokenServer.start();
  });
  afterEach(() => server.stop());

  /** Answers `status` with the request echoed in error_description and X-Request-Id. */
  const echo = (status: number) => (req: RecordedRequest) => ({
    status,
    headers: {
      'x-request-id': (req.headers.authorization ?? req.form.get('client_secret') ?? '').replace(
        /^Basic /,
        '',
      ),
    },
    body: {
      error: 'invalid_client',
      error_description: `you sent ${req.body} with ${req.headers.authorization ?? 'no header'}`,
    },
  });

  /** Nothing the module printed, threw or reports holds a form of the secret or a control character. */
  function expectClean(err: HoneybeeTokenError, tokens: HoneybeeTokenService, logFrom: number) {
    const lines = run.logger.lines.slice(logFrom);
    const texts = [
      err.message,
      JSON.stringify(err),
      inspect(err, { depth: 6 }),
      JSON.stringify(tokens.status()),
      ...lines,
    ];
    for (const text of texts) for (const form of forms) expect(text).not.toContain(form);
    for (const line of lines) expect(line).not.toMatch(CONTROL);
    expect(`${err.message}${err.errorDescription ?? ''}${err.requestId ?? ''}`).not.toMatch(
      CONTROL,
    );
  }

  it.each([
    ['client_secret_post', 401],
    ['client_secret_basic', 401],
    ['client_secret_post', 503],
    ['client_secret_basic', 503],
  ] as const)(
    '%s, HTTP %i: every form of the secret is redacted everywhere',
    async (method, status) => {
      server.respond(echo(status));
      const logFrom = run.logger.lines.length;
      const { tokens } = await start({
        tokenUrl: server.tokenUrl,
        clientSecret: ECHO_SECRET,
        clientAuthMethod: method,
      });
      const err = await tokenError(tokens.getAccessToken());
      expect(err).toMatchObject({ kind: 'oauth', error: 'invalid_client', status });
      expect(err.errorDescription).toContain('[REDACTED]');
      expect(err.requestId).toBeUndefined(); // it held the credentials
      expect(server.requests).toHaveLength(status === 503 ? MAX_ATTEMPTS : 1);
      expectClean(err, tokens, logFrom);
      run.attackRejected();
    },
  );

  it.each([
    [
      'a newline forging a log line',
      'server_error\n[Nest] 1  - LOG [HoneybeeTokenService] Obtained access token',
    ],
    ['an ANSI escape', 'server_error\u001b[2K\u001b[1A'],
    ['a C1 escape', 'server_error\u009b2K'],
    ['65 characters', 's'.repeat(65)],
  ])(
    'an "error" with %s is kind invalid_response and reaches no log line',
    async (_what, error) => {
      server.respond(() => ({
        status: 503,
        headers: { 'x-request-id': 'req-\u009b2K' },
        body: { error, error_description: 'line\nbreak \u001b[31mred' },
      }));
      const logFrom = run.logger.lines.length;
      const { tokens } = await start({ tokenUrl: server.tokenUrl, clientSecret: ECHO_SECRET });
      const err = await tokenError(tokens.getAccessToken());
      expect(err).toMatchObject({
        kind: 'invalid_response',
        status: 503,
        error: undefined,
        errorDescription: undefined,
        requestId: undefined,
        retryable: true,
      });
      // The retries were logged (one warning each): none carries a control character.
      expect(run.logger.lines.slice(logFrom).filter((l) => l.includes('retrying'))).toHaveLength(
        MAX_ATTEMPTS - 1,
      );
      expectClean(err, tokens, logFrom);
      run.attackRejected();
    },
  );

  describe('the sample app', () => {
    let sut: SampleAppUnderTest | undefined;
    afterEach(async () => {
      for (const line of sut?.logger.lines ?? []) leakScanner.log(line);
      await sut?.app.close();
      sut = undefined;
    });

    it('public GET /health and the start-up log report kind, status and request id, never upstream text', async () => {
      server.respond((req) => ({
        status: 401,
        headers: { 'x-request-id': 'req-echo-1' },
        body: {
          error: 'invalid_client',
          error_description: `UPSTREAM-TEXT you sent ${req.body}`,
        },
      }));
      sut = await startSampleApp(
        loadSettings({
          HONEYBEE_CLIENT_ID: CLIENT_ID,
          HONEYBEE_CLIENT_SECRET: ECHO_SECRET,
          HONEYBEE_TOKEN_URL: server.tokenUrl,
          PORT: '0',
        }),
        undefined,
        clock,
      );
      const health = await call(sut.url, 'GET', '/health');
      leakScanner.response(health.status, {}, JSON.stringify(health.body));
      expect(health.status).toBe(503);
      expect(health.body.error).toEqual({
        honeybeeToken: {
          status: 'down',
          reason: { kind: 'oauth', httpStatus: 401, requestId: 'req-echo-1' },
        },
      });
      const startup = sut.logger.lines.filter((l) =>
        l.includes('No access token from Honeybee yet'),
      );
      expect(startup).toHaveLength(1);
      expect(startup[0]).toContain('(kind oauth, HTTP 401, X-Request-Id req-echo-1)');
      for (const text of [JSON.stringify(health.body), startup[0]]) {
        expect(text).not.toContain('UPSTREAM-TEXT');
        expect(text).not.toContain('invalid_client');
        for (const form of forms) expect(text).not.toContain(form);
      }
      run.attackRejected();
    });
  });
});

describe('concurrency under faults', () => {
  it('50 concurrent callers on a cold cache share one retried refresh (3 requests), then one token', async () => {
    const { tokens } = await start();
    emu.injectFault('token', oauthErrorFault('temporarily_unavailable'), { times: 2 });
    const got = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken()));
    expect(new Set(got).size).toBe(1);
    expect(emu.requests('token')).toHaveLength(3);
    run.faultSurvived();
  });

  it('50 concurrent callers against a dead endpoint all get the same typed error after 3 requests', async () => {
    const { tokens } = await start();
    emu.injectFault('token', htmlProxyErrorFault(502));
    const errors = await Promise.all(
      Array.from({ length: 50 }, () => tokenError(tokens.getAccessToken())),
    );
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).toMatchObject({ kind: 'http', status: 502, attempts: MAX_ATTEMPTS });
    expect(emu.requests('token')).toHaveLength(MAX_ATTEMPTS);
    run.faultSurvived();
  });

  it('HoneybeeHttpService: no token → the call fails with HoneybeeTokenError and nothing reaches the API', async () => {
    const { http } = await start();
    emu.injectFault('token', oauthErrorFault('invalid_client'));
    const err = await tokenError(firstValueFrom(http.get('/patients/p_1/rx')));
    expect(err).toMatchObject({ kind: 'oauth', error: 'invalid_client' });
    expect(emu.requests('api')).toHaveLength(0);
    run.faultSurvived();
  });
});

describe('a still-valid cached token keeps being served while the endpoint is broken', () => {
  it('background refreshes fail (bounded), callers and API calls keep working until expiry, then recover', async () => {
    const { tokens, http } = await start();
    const first = await tokens.getAccessToken();
    emu.injectFault('token', htmlProxyErrorFault(502));
    // Inside the refresh window (margin 300 s, jittered up to 450 s): 200 s before expiry.
    clock.advance((LIFETIME_S - 200) * 1000);

    const settle = async () => {
      for (let i = 0; i < 1000 && tokens.status().refreshing; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(tokens.status().refreshing).toBe(false);
    };
    const STEP_S = 3;
    const CALLS = 60; // 180 s: up to 10 s before expiry (the leeway)
    for (let i = 0; i < CALLS; i++) {
      expect(await tokens.getAccessToken()).toBe(first);
      await settle();
      clock.advance(STEP_S * 1000);
    }
    const { data } = await firstValueFrom(http.get('/patients/p_1/rx'));
    expect(data).toHaveProperty('medication_request');
    // Failed background refreshes are spaced (at least 1 s, here 10 s = retry.maxDelayMs):
    // a refresh cycle of 3 attempts every ~10 s, not a request per call.
    const requests = emu.requests('token').length - 1;
    expect(requests).toBeGreaterThanOrEqual(MAX_ATTEMPTS);
    expect(requests).toBeLessThanOrEqual(MAX_ATTEMPTS * (Math.ceil((CALLS * STEP_S) / 10) + 1));
    expect(run.logger.lines.some((l) => l.includes('Background token refresh failed'))).toBe(true);
    run.note(
      `stale-while-broken: ${CALLS} calls over ${CALLS * STEP_S} s all got the cached token; ${requests} failed refresh requests`,
    );

    // Expired: callers now wait for a token and get the typed error.
    clock.advance(20_000);
    const err = await tokenError(tokens.getAccessToken());
    expect(err).toMatchObject({ kind: 'http', status: 502 });
    expect(tokens.status()).toMatchObject({ valid: false, lastError: { status: 502 } });

    // Recovery without a restart.
    emu.clearFaults();
    const next = await tokens.getAccessToken();
    expect(next).not.toBe(first);
    expect(tokens.status().valid).toBe(true);
    run.faultSurvived();
  });
});
