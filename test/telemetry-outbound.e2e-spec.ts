import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import type { Span } from '@opentelemetry/api';
import { firstValueFrom } from 'rxjs';
import {
  HONEYBEE_CLOCK,
  HoneybeeAuthModule,
  HoneybeeHttpService,
  HoneybeeTokenService,
} from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { credentialForms } from '../libs/honeybee-auth/src/common/secret.js';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import { expectNoLeak } from '../libs/honeybee-auth/src/testing/no-leak.js';
import { RecordingTokenServer } from '../libs/honeybee-auth/src/testing/recording-token-server.js';
import {
  TelemetryBed,
  useContextManager,
} from '../libs/honeybee-auth/src/testing/telemetry.bed.js';

/**
 * What the token service and the authorized HTTP client record with the real OpenTelemetry SDK
 * (in memory), against the emulator, with one fake clock for the module and the emulator: a
 * cold start under 1,000 concurrent callers, a background refresh (and a failing one), an
 * expiry, a 401 replay, a request to another origin; and a token endpoint that echoes the
 * request, whose answers must reach no attribute, event or status message.
 */
const CLIENT_ID = 'partner-app';
const SECRET = 'outbound-secret-never-recorded';
const LIFETIME_S = 3600;
const REQUESTS = 'honeybee_auth.token.requests';
const DURATION = 'honeybee_auth.token.request.duration';
const EXPIRY = 'honeybee_auth.token.time_to_expiry';

useContextManager();

let emu: HoneybeeEmulator;
let clock: FakeClock;
let bed: TelemetryBed;
let moduleRef: TestingModule | undefined;
/** Everything that must never be recorded, beyond the tokens the emulator issued. */
const secrets: string[] = [...credentialForms(CLIENT_ID, SECRET)];

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
        retry: { initialDelayMs: 1, maxDelayMs: 1 },
        ...over,
        telemetry: { ...bed.providers, scopeSets: [['orders:write']], ...over.telemetry },
      }),
    ],
  })
    .overrideProvider(HONEYBEE_CLOCK)
    .useValue(clock)
    .compile();
  await moduleRef.init();
  return {
    tokens: moduleRef.get(HoneybeeTokenService),
    http: moduleRef.get(HoneybeeHttpService),
  };
}

/** Runs `work` inside a span of a caller of our own, as an instrumented request handler would. */
async function asCaller<T>(name: string, work: (span: Span) => Promise<T>): Promise<T> {
  const tracer = bed.tracerProvider.getTracer('test');
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } finally {
      span.end();
    }
  });
}

beforeEach(async () => {
  clock = new FakeClock();
  bed = new TelemetryBed();
  Logger.overrideLogger(false);
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
});

afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
  const tokens = emu.issuedTokens().map((t) => t.accessToken);
  // Nothing recorded holds a token, an Authorization value or a form of the secret.
  expectNoLeak(
    [...secrets, ...tokens, ...tokens.map((t) => `Bearer ${t}`)],
    ...(await bed.everything()),
  );
  await bed.shutdown();
  await emu.stop();
  Logger.overrideLogger(new Logger());
});

describe('a cold start', () => {
  it('1,000 concurrent callers: 1 token request counted, 1 span, a child of the first caller', async () => {
    const { tokens } = await start();
    const { callers, first } = await asCaller('caller', async (span) => {
      const all = await Promise.all(Array.from({ length: 1000 }, () => tokens.getAccessToken()));
      return { callers: all, first: span.spanContext() };
    });
    expect(new Set(callers).size).toBe(1);
    expect(emu.requests('token')).toHaveLength(1);

    const series = {
      'honeybee_auth.client_id': CLIENT_ID,
      'honeybee_auth.scope': 'prescriptions:read',
      'honeybee_auth.token.trigger': 'initial',
      'honeybee_auth.token.outcome': 'success',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    };
    expect(await bed.sum(REQUESTS)).toBe(1);
    expect(await bed.sum(REQUESTS, series)).toBe(1);
    expect(await bed.histogram(DURATION, series)).toMatchObject({ count: 1 });
    expect(await bed.sum(EXPIRY, { 'honeybee_auth.scope': 'prescriptions:read' })).toBe(LIFETIME_S);

    const [span, ...more] = bed.spans('honeybee_auth.token.request');
    expect(more).toHaveLength(0);
    expect(span!.parentSpanContext?.spanId).toBe(first.spanId);
    expect(span!.spanContext().traceId).toBe(first.traceId);
    expect(span!.attributes).toMatchObject({
      'honeybee_auth.token.trigger': 'initial',
      'honeybee_auth.token.attempts': 1,
      'honeybee_auth.token.source': 'endpoint',
    });
    expect(span!.events.map((e) => e.name)).toEqual(['honeybee_auth.token.attempt']);
    expect(span!.status.code).toBe(0); // unset: no error
  });

  it('a failing endpoint: each attempt counted by status and kind, the span in error', async () => {
    const { tokens } = await start();
    emu.injectFault('token', { status: 503, body: { error: 'temporarily_unavailable' } });
    await expect(tokens.getAccessToken()).rejects.toMatchObject({ kind: 'oauth', attempts: 3 });

    const failure = {
      'honeybee_auth.token.outcome': 'failure',
      'http.response.status_code': 503,
      'error.type': 'oauth',
      'honeybee_auth.oauth.error': 'temporarily_unavailable',
    };
    expect(await bed.sum(REQUESTS, failure)).toBe(3);
    const [span] = bed.spans('honeybee_auth.token.request');
    expect(span!.events).toHaveLength(3);
    expect(span!.status).toEqual({ code: 2, message: 'no token: oauth' });
    expect(span!.attributes).toMatchObject({
      'error.type': 'oauth',
      'honeybee_auth.token.attempts': 3,
    });
  });
});

describe('after the first token', () => {
  it('a background refresh: its own trace, linked to the caller that started it', async () => {
    const { tokens } = await start();
    await tokens.getAccessToken();
    clock.advance((LIFETIME_S - 200) * 1000); // inside the refresh margin
    const trigger = await asCaller('trigger', async (span) => {
      await tokens.getAccessToken(); // served from cache; the refresh runs behind it
      return span.spanContext();
    });
    while (tokens.status().refreshing) await new Promise((r) => setImmediate(r));

    expect(await bed.sum(REQUESTS, { 'honeybee_auth.token.trigger': 'refresh' })).toBe(1);
    const [refresh] = bed.spans('honeybee_auth.token.refresh');
    expect(refresh!.parentSpanContext).toBeUndefined();
    expect(refresh!.spanContext().traceId).not.toBe(trigger.traceId);
    expect(refresh!.links.map((l) => l.context.spanId)).toEqual([trigger.spanId]);
    expect(await bed.sum(EXPIRY)).toBe(LIFETIME_S);
  });

  it('a failing background refresh: counted once per cycle, the current token kept', async () => {
    const { tokens } = await start();
    const current = await tokens.getAccessToken();
    emu.injectFault('token', { status: 500 });
    clock.advance((LIFETIME_S - 200) * 1000);
    expect(await tokens.getAccessToken()).toBe(current);
    while (tokens.status().refreshing) await new Promise((r) => setImmediate(r));

    expect(
      await bed.sum('honeybee_auth.token.refresh.failures', {
        'honeybee_auth.scope': 'prescriptions:read',
        'error.type': 'http',
      }),
    ).toBe(1);
    // The back-off sleeps of the failed attempts moved the fake clock by a few ms.
    expect(await bed.sum(EXPIRY)).toBeCloseTo(200, 0);
  });

  it('an expired token: the next is counted with trigger expired', async () => {
    const { tokens } = await start();
    await tokens.getAccessToken();
    clock.advance((LIFETIME_S + 1) * 1000);
    await tokens.getAccessToken();
    expect(await bed.sum(REQUESTS, { 'honeybee_auth.token.trigger': 'expired' })).toBe(1);
  });

  it('a scope set outside the configuration is recorded as _OTHER', async () => {
    const { tokens } = await start();
    await tokens.getAccessToken(['orders:write']);
    await tokens.getAccessToken(['orders:write', 'prescriptions:read']);
    expect(await bed.sum(REQUESTS, { 'honeybee_auth.scope': 'orders:write' })).toBe(1);
    expect(await bed.sum(REQUESTS, { 'honeybee_auth.scope': '_OTHER' })).toBe(1);
  });
});

describe('HoneybeeHttpService', () => {
  it('a 401 for a revoked token: one replay counted and traced, the fresh token under it', async () => {
    const { tokens, http } = await start();
    const stale = await tokens.getAccessToken();
    emu.revokeToken(stale);
    const response = await asCaller('handler', () => firstValueFrom(http.get('/patients/p_1/rx')));
    expect(response.status).toBe(200);

    expect(
      await bed.sum('honeybee_auth.outbound.replays', {
        'honeybee_auth.replay.result': 'replayed',
        'http.response.status_code': 200,
      }),
    ).toBe(1);
    expect(await bed.sum(REQUESTS, { 'honeybee_auth.token.trigger': 'invalidated' })).toBe(1);
    const [replay] = bed.spans('honeybee_auth.outbound.replay');
    const fresh = bed
      .spans('honeybee_auth.token.request')
      .find((s) => s.attributes['honeybee_auth.token.trigger'] === 'invalidated');
    expect(fresh!.parentSpanContext?.spanId).toBe(replay!.spanContext().spanId);
    expect(replay!.attributes).toMatchObject({ 'honeybee_auth.replay.result': 'replayed' });
  });

  it('a request to an origin not in allowedOrigins: counted as withheld, no token sent', async () => {
    const other = await RecordingTokenServer.start();
    try {
      other.respond(() => ({ body: { other: true } }));
      const { http } = await start();
      await firstValueFrom(http.get(`${other.url}/elsewhere`));
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
      expect(
        await bed.sum('honeybee_auth.outbound.withheld_requests', {
          'honeybee_auth.withheld.reason': 'origin_not_allowed',
        }),
      ).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

describe('a token endpoint that echoes the request', () => {
  it.each(['client_secret_post', 'client_secret_basic'] as const)(
    '%s: no form of the secret in any attribute, event or status message',
    async (clientAuthMethod) => {
      const echo = await RecordingTokenServer.start();
      try {
        echo.respond((req) => ({
          status: 401,
          headers: { 'x-request-id': String(req.headers.authorization ?? req.body).slice(0, 120) },
          body: {
            error: 'invalid_client',
            error_description: `you sent ${req.body} ${req.headers.authorization ?? ''}`,
          },
        }));
        const { tokens } = await start({ tokenUrl: echo.tokenUrl, clientAuthMethod });
        await expect(tokens.getAccessToken()).rejects.toMatchObject({ kind: 'oauth' });
        // The leak scan in afterEach covers what this test recorded.
        expect(await bed.sum(REQUESTS, { 'honeybee_auth.oauth.error': 'invalid_client' })).toBe(1);
        expect(bed.spans('honeybee_auth.token.request')).toHaveLength(1);
      } finally {
        await echo.stop();
      }
    },
  );
});
