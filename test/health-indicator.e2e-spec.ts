import { Controller, Get, Inject } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import {
  HONEYBEE_CLOCK,
  HoneybeeAuthModule,
  HoneybeeTokenService,
  MemoryTokenStore,
} from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions, TokenStore } from 'nestjs-honeybee-auth';
import { HoneybeeHealthIndicator } from 'nestjs-honeybee-auth/terminus';
import type { HoneybeeHealthCheckOptions } from 'nestjs-honeybee-auth/terminus';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { CapturingLogger } from '../libs/honeybee-auth/src/testing/capturing-logger.js';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import { expectNoLeak } from '../libs/honeybee-auth/src/testing/no-leak.js';

/**
 * `HoneybeeHealthIndicator` behind `@nestjs/terminus`'s `HealthCheckService`, against the
 * emulator: each check up, and down in each way it can be, with a reason made of a kind, a
 * status and a request id only, within its timeout.
 */
const SECRET = 'health-secret-never-shown';
const ECHO = 'the server said something with secret ' + SECRET;
/** The timeout of every check in this file, in milliseconds. */
const TIMEOUT_MS = 300;
/** Lifetime of the emulator's tokens, in seconds. */
const LIFETIME_S = 3600;
/** The module's and the emulator's clock. */
const clock = new FakeClock();

@Controller('health')
class HealthController {
  static checks: HoneybeeHealthCheckOptions = { timeoutMs: TIMEOUT_MS };

  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HoneybeeHealthIndicator) private readonly honeybee: HoneybeeHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    const options = HealthController.checks;
    return this.health.check([
      () => this.honeybee.isTokenObtainable('token', options),
      () => this.honeybee.isStoreReachable('store', options),
      () => this.honeybee.isVerifierReachable('verifier', options),
    ]);
  }
}

let emu: HoneybeeEmulator;
let app: INestApplication | undefined;
let url: string;

async function start(over: Partial<HoneybeeAuthModuleOptions> = {}): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TerminusModule,
      HoneybeeAuthModule.forRoot({
        clientId: 'me',
        clientSecret: SECRET,
        tokenUrl: emu.tokenUrl,
        allowInsecureLoopback: true,
        scopes: ['rx:read'],
        retry: { maxAttempts: 1 },
        ...over,
      }),
    ],
    controllers: [HealthController],
    providers: [HoneybeeHealthIndicator],
  })
    .overrideProvider(HONEYBEE_CLOCK)
    .useValue(clock)
    .setLogger(new CapturingLogger())
    .compile();
  app = moduleRef.createNestApplication({ logger: new CapturingLogger() });
  await app.listen(0, '127.0.0.1');
  url = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/health`;
}

interface Report {
  status: string;
  details: Record<string, Record<string, unknown>>;
}

async function health(): Promise<{ status: number; body: Report; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Report, text };
}

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clock,
    clients: [
      {
        clientId: 'me',
        clientSecret: SECRET,
        scopes: ['rx:read'],
        tokenLifetimeSeconds: LIFETIME_S,
      },
    ],
  });
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  emu.clearFaults();
  HealthController.checks = { timeoutMs: TIMEOUT_MS };
});
afterAll(() => emu.stop());

describe('all up', () => {
  it('fetches a token the first time, then reports the cached one without a request', async () => {
    await start();
    const first = await health();
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('ok');
    expect(first.body.details.token).toMatchObject({ status: 'up', token: 'valid' });
    expect(first.body.details.store).toEqual({ status: 'up', store: 'none' });
    expect(first.body.details.verifier).toEqual({ status: 'up', verifier: 'token-info' });
    const tokenRequests = emu.requests('token').length;

    const second = await health();
    expect(second.body.details.token).toMatchObject({ status: 'up', token: 'valid' });
    expect(Date.parse(second.body.details.token!.expiresAt as string)).toBe(
      clock.now() + LIFETIME_S * 1000,
    );
    expect(emu.requests('token')).toHaveLength(tokenRequests);
  });

  it('checks the introspection verifier with a probe it answers as inactive', async () => {
    await start({ inbound: { verifier: 'introspection' } });
    expect((await health()).body.details.verifier).toEqual({
      status: 'up',
      verifier: 'introspection',
    });
    expect(emu.requests('introspect')).toHaveLength(1);
  });

  it('pings a shared store', async () => {
    await start({ tokenStore: { store: new MemoryTokenStore() } });
    expect((await health()).body.details.store).toEqual({ status: 'up', store: 'reachable' });
  });

  it('checks the jwt verifier by fetching its key set', async () => {
    const jwtEmu = await HoneybeeEmulator.start({
      clients: [{ clientId: 'me', clientSecret: SECRET, scopes: ['rx:read'] }],
      jwt: { algorithm: 'RS256' },
    });
    try {
      await start({
        tokenUrl: jwtEmu.tokenUrl,
        inbound: {
          verifier: 'jwt',
          jwt: { jwksUri: jwtEmu.jwksUri, issuer: jwtEmu.issuer, audience: 'honeybee-partners' },
        },
      });
      expect((await health()).body.details.verifier).toEqual({ status: 'up', verifier: 'jwt' });
      expect(jwtEmu.requests('jwks')).toHaveLength(1);
      jwtEmu.injectFault('jwks', { status: 500, body: ECHO });
      const down = await health();
      expect(down.status).toBe(503);
      expect(down.body.details.verifier).toEqual({
        status: 'down',
        verifier: 'jwt',
        reason: { kind: 'http', httpStatus: 500, requestId: expect.any(String) },
      });
    } finally {
      await jwtEmu.stop();
    }
  });
});

describe('down, with a reason and nothing the server said', () => {
  it('token: the OAuth refusal as kind, status and request id', async () => {
    await start();
    emu.injectFault('token', {
      status: 401,
      body: { error: 'invalid_client', error_description: ECHO },
      headers: { 'x-request-id': 'req-401-abc' },
    });
    const { status, body, text } = await health();
    expect(status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.details.token).toEqual({
      status: 'down',
      reason: { kind: 'oauth', httpStatus: 401, requestId: 'req-401-abc' },
    });
    expect(text).not.toContain('invalid_client');
    expectNoLeak([SECRET, 'the server said'], text);
  });

  it('token: no answer within the timeout', async () => {
    await start();
    emu.injectFault('token', { delayMs: TIMEOUT_MS * 3 });
    // The token service's own request goes on in the background, bounded by its own timeout.
    expect((await health()).body.details.token).toEqual({
      status: 'down',
      reason: { kind: 'timeout' },
    });
  });

  it('token: still up with a usable token while background refreshes fail, saying so', async () => {
    await start();
    expect((await health()).body.details.token).toMatchObject({ status: 'up', token: 'valid' });
    emu.injectFault('token', { status: 503, body: ECHO, headers: { 'x-request-id': 'req-503' } });
    // Inside the refresh margin: the next caller starts a background refresh, which fails.
    clock.advance((LIFETIME_S - 200) * 1000);
    const tokens = app!.get(HoneybeeTokenService);
    await tokens.getAccessToken();
    while (tokens.status().refreshing) await new Promise((r) => setImmediate(r));

    const { status, body, text } = await health();
    expect(status).toBe(200);
    expect(body.details.token).toEqual({
      status: 'up',
      token: 'valid',
      expiresAt: new Date(clock.now() + 200_000).toISOString(),
      lastRefreshError: { kind: 'http', httpStatus: 503, requestId: 'req-503' },
    });
    expectNoLeak([SECRET, 'the server said'], text);
  });

  it.each([
    [
      'answers 503',
      { status: 503, body: ECHO },
      { kind: 'http', httpStatus: 503, requestId: expect.any(String) },
    ],
    ['resets the connection', { resetConnection: true as const }, { kind: 'network' }],
    ['does not answer in time', { delayMs: TIMEOUT_MS * 3 }, { kind: 'timeout' }],
  ])('verifier: token-info %s', async (_, fault, reason) => {
    await start();
    emu.injectFault('tokenInfo', fault);
    const { status, body, text } = await health();
    expect(status).toBe(503);
    expect(body.details.verifier).toEqual({ status: 'down', verifier: 'token-info', reason });
    expectNoLeak([SECRET, 'the server said'], text);
  });

  it('store: a store that fails says what kind of failure, one that hangs times out', async () => {
    const failing: TokenStore = {
      ...storeMethods(),
      ping: () => Promise.reject(Object.assign(new Error(ECHO), { code: 'ECONNREFUSED' })),
    };
    await start({ tokenStore: { store: failing } });
    expect((await health()).body.details.store).toEqual({
      status: 'down',
      reason: { kind: 'ECONNREFUSED' },
    });
    await app!.close();

    const hanging: TokenStore = { ...storeMethods(), ping: () => new Promise(() => undefined) };
    await start({ tokenStore: { store: hanging } });
    expect((await health()).body.details.store).toEqual({
      status: 'down',
      reason: { kind: 'timeout' },
    });
  });
});

/** A TokenStore's methods, from a memory store. */
function storeMethods(): TokenStore {
  const memory = new MemoryTokenStore();
  return {
    get: (k) => memory.get(k),
    setAndUnlock: (k, v, t, o) => memory.setAndUnlock(k, v, t, o),
    deleteIfEquals: (k, v) => memory.deleteIfEquals(k, v),
    tryLock: (k, o, t) => memory.tryLock(k, o, t),
    extendLock: (k, o, t) => memory.extendLock(k, o, t),
    releaseLock: (k, o) => memory.releaseLock(k, o),
    waitForUpdate: (k, t, s) => memory.waitForUpdate(k, t, s),
  };
}
