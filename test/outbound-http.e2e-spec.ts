import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { AxiosError, isAxiosError } from 'axios';
import { Readable } from 'node:stream';
import { firstValueFrom } from 'rxjs';
import {
  HONEYBEE_CLOCK,
  HoneybeeHttpService,
  HoneybeeTokenError,
  requestIdOf,
} from 'nestjs-honeybee-auth';
import { HoneybeeEmulator, maskSecret } from 'honeybee-emulator';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import { expectNoLeak } from '../libs/honeybee-auth/src/testing/no-leak.js';
import {
  OwnHttpClient,
  PartnersAppModule,
  PartnersClient,
} from './fixtures/outbound-http/partners-app.module.js';
import { RecordingTokenServer } from '../libs/honeybee-auth/src/testing/recording-token-server.js';

const CLIENT_ID = 'partner-app';
const SECRET = 'partner-secret-that-never-leaks';
/** Token lifetime granted by the emulator, in seconds. */
const LIFETIME = 300;
const ORDER = {
  patient_id: 'p_1',
  medication_request_id: 'mr_p_1_1',
  shipping_address: { line1: '1 Main St', city: 'Springfield' },
};
const INVALID_TOKEN = 'Bearer realm="Doorkeeper", error="invalid_token"';

/**
 * Outbound HTTP against the Honeybee emulator (token endpoint + Partners API on one origin) and
 * a second loopback server standing for "some other host", with the module's clock and the
 * emulator's clock the same injected fake.
 */
describe('Outbound HTTP to Honeybee (e2e, emulator)', () => {
  let emu: HoneybeeEmulator;
  let other: RecordingTokenServer;
  let clock: FakeClock;
  let app: TestingModule;
  let partners: PartnersClient;
  let http: HoneybeeHttpService;

  /** What the API saw as Authorization, as the emulator records it (masked). */
  const apiAuth = () => emu.requests('api').map((r) => r.headers.authorization);
  const latestToken = () => emu.issuedTokens().at(-1)!.accessToken;
  const sent = (token: string) => `Bearer ${maskSecret(token)}`;
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a failure');
      },
      (err: unknown) => err,
    );

  beforeEach(async () => {
    clock = new FakeClock();
    emu = await HoneybeeEmulator.start({
      clock,
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: SECRET,
          scopes: ['prescriptions:read', 'orders:write'],
          tokenLifetimeSeconds: LIFETIME,
        },
      ],
    });
    other = await RecordingTokenServer.start();
    other.respond(() => ({ body: { other: true } }));
    Logger.overrideLogger(false);
    app = await Test.createTestingModule({
      imports: [
        PartnersAppModule.register(
          {
            clientId: CLIENT_ID,
            clientSecret: SECRET,
            tokenUrl: emu.tokenUrl,
            apiBaseUrl: emu.apiBaseUrl,
            scopes: ['prescriptions:read'],
            allowInsecureLoopback: true,
            retry: { maxAttempts: 1 },
          },
          emu.apiBaseUrl,
        ),
      ],
    })
      .overrideProvider(HONEYBEE_CLOCK)
      .useValue(clock)
      .compile();
    await app.init();
    partners = app.get(PartnersClient);
    http = app.get(HoneybeeHttpService);
  });

  afterEach(async () => {
    await app.close();
    await Promise.all([emu.stop(), other.stop()]);
    Logger.overrideLogger(new Logger());
  });

  describe.each([
    ['on a fresh token', false],
    ['across a token expiry', true],
  ])('%s', (_label, acrossExpiry) => {
    /** Counts before the scenario (the expiry variant has already used, then outlived, a token). */
    let before: { api: number; token: number; issued: number };
    const apiRequests = () => emu.requests('api').slice(before.api);
    const tokenRequests = () => emu.requests('token').slice(before.token);
    const newTokens = () => emu.issuedTokens().slice(before.issued);

    beforeEach(async () => {
      if (acrossExpiry) {
        await partners.prescriptions('p_1');
        clock.advance((LIFETIME + 1) * 1000);
      }
      before = {
        api: emu.requests('api').length,
        token: emu.requests('token').length,
        issued: emu.issuedTokens().length,
      };
    });

    it('reads prescriptions with a default-scope token and Accept: application/json', async () => {
      const body = await partners.prescriptions('p_1');
      expect(body).toMatchObject({ medication_request: { patient_id: 'p_1' } });
      const [req] = apiRequests();
      expect(req.headers.authorization).toBe(sent(latestToken()));
      expect(req.headers.accept).toBe('application/json');
      expect(tokenRequests()).toHaveLength(1);
      expect(newTokens().map((t) => t.scopes)).toEqual([['prescriptions:read']]);
    });

    it('creates an order with a per-request scope', async () => {
      const res = await partners.createOrder(ORDER);
      expect(res.status).toBe(201);
      expect(newTokens().map((t) => t.scopes)).toEqual([['orders:write']]);
      expect(emu.orders()).toHaveLength(1);
    });

    it('sends no token to another host, nor to the API under another origin', async () => {
      await firstValueFrom(http.get(`${other.url}/elsewhere`));
      const localhost = emu.apiBaseUrl.replace('127.0.0.1', 'localhost');
      const err = await failure(firstValueFrom(http.get(`${localhost}/patients/p_1/rx`)));
      expect((err as AxiosError).response?.status).toBe(401);
      expect(other.requests[0].headers.authorization).toBeUndefined();
      expect(apiRequests()[0].authScheme).toBeUndefined();
      expect(tokenRequests()).toHaveLength(0);
    });

    it('never replays a 403 (a default-scope token cannot create orders)', async () => {
      const err = await failure(firstValueFrom(http.post('/orders', ORDER)));
      expect((err as AxiosError).response?.status).toBe(403);
      expect(apiRequests()).toHaveLength(1);
      expect(tokenRequests()).toHaveLength(1);
    });

    it('replays once with a fresh token after a 401 for a revoked token', async () => {
      await partners.createOrder(ORDER);
      const stale = latestToken();
      emu.revokeToken(stale);
      const res = await partners.createOrder({ ...ORDER, patient_id: 'p_2' });
      expect(res.status).toBe(201);
      expect(apiAuth().slice(-2)).toEqual([sent(stale), sent(latestToken())]);
      expect(latestToken()).not.toBe(stale);
      expect(emu.orders().map((o) => o.patient_id)).toEqual(['p_1', 'p_2']);
      expect(tokenRequests()).toHaveLength(2);
    });

    it('returns a persistent 401 after exactly one replay', async () => {
      emu.injectFault('api', { status: 401, headers: { 'WWW-Authenticate': INVALID_TOKEN } });
      const err = await failure(partners.prescriptions('p_1'));
      expect((err as AxiosError).response?.status).toBe(401);
      expect(apiRequests()).toHaveLength(2);
      expect(tokenRequests()).toHaveLength(2);
    });

    it('does not replay a stream body', async () => {
      await partners.createOrder(ORDER);
      emu.revokeToken(latestToken());
      const body = Readable.from([Buffer.from(JSON.stringify(ORDER))]);
      const err = await failure(
        firstValueFrom(
          http.post('/orders', body, {
            headers: { 'Content-Type': 'application/json' },
            honeybee: { scopes: ['orders:write'] },
          }),
        ),
      );
      expect((err as AxiosError).response?.status).toBe(401);
      expect(apiRequests()).toHaveLength(2);
      expect(apiRequests()[1].bodyBytes).toBe(JSON.stringify(ORDER).length);
      expect(emu.orders()).toHaveLength(1);
    });

    it('gets one token for many concurrent requests', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => partners.prescriptions('p_2')),
      );
      expect(results).toHaveLength(10);
      expect(tokenRequests()).toHaveLength(1);
      expect(new Set(apiRequests().map((r) => r.headers.authorization)).size).toBe(1);
    });

    it('keeps the token on a same-origin redirect and drops it on a cross-origin one', async () => {
      emu.injectFault(
        'api',
        { redirect: { location: `${emu.apiBaseUrl}/patients/p_2/rx` } },
        { times: 1 },
      );
      await partners.prescriptions('p_1');
      expect(apiAuth().slice(-2)).toEqual([sent(latestToken()), sent(latestToken())]);

      emu.injectFault('api', { redirect: { location: `${other.url}/landing` } }, { times: 1 });
      await partners.prescriptions('p_1');
      expect(other.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
    });

    it('surfaces a token failure as HoneybeeTokenError, before anything reaches the API', async () => {
      emu.injectFault('token', {
        status: 401,
        body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      });
      const err = await failure(partners.prescriptions('p_1'));
      expect(err).toBeInstanceOf(HoneybeeTokenError);
      expect(isAxiosError(err)).toBe(false);
      expect(requestIdOf(err)).toBe(tokenRequests()[0].requestId);
      expect(apiRequests()).toHaveLength(0);
    });

    it('keeps the axios error shape with the X-Request-Id, and no token in any rendering', async () => {
      const err = (await failure(firstValueFrom(http.get('/orders/o_missing')))) as AxiosError;
      expect(err).toBeInstanceOf(AxiosError);
      expect(err.response?.status).toBe(404);
      expect(requestIdOf(err)).toBe(apiRequests()[0].requestId);
      const tokens = emu.issuedTokens().map((t) => t.accessToken);
      expectNoLeak([SECRET, ...tokens], err, err.toJSON(), err.config?.headers);
      expect(err.config?.headers.Authorization).toMatch(/^Bearer .{0,4}…\(43\)$/);
    });

    it("authorizes the application's own HttpModule.register() instance the same way", async () => {
      const own = app.get(OwnHttpClient).http;
      const res = await firstValueFrom(own.get('/patients/p_1/rx'));
      expect(res.status).toBe(200);
      await firstValueFrom(own.get(`${other.url}/x`));
      expect(apiRequests()[0].headers.authorization).toBe(sent(latestToken()));
      expect(other.requests[0].headers.authorization).toBeUndefined();
    });
  });

  it('keeps two replicas working when each new token revokes the previous one', async () => {
    emu.configure({ revokePreviousToken: true });
    const replica = await Test.createTestingModule({
      imports: [
        PartnersAppModule.register(
          {
            clientId: CLIENT_ID,
            clientSecret: SECRET,
            tokenUrl: emu.tokenUrl,
            apiBaseUrl: emu.apiBaseUrl,
            scopes: ['prescriptions:read'],
            allowInsecureLoopback: true,
          },
          emu.apiBaseUrl,
        ),
      ],
    })
      .overrideProvider(HONEYBEE_CLOCK)
      .useValue(clock)
      .compile();
    try {
      const b = replica.get(PartnersClient);
      await partners.prescriptions('p_1'); // A gets T1
      await b.prescriptions('p_1'); // B gets T2, which revokes T1
      await partners.prescriptions('p_2'); // A: 401 with T1, T3 (revokes T2), replayed
      await b.prescriptions('p_2'); // B: 401 with T2, T4 (revokes T3), replayed
      const [t1, t2, t3, t4] = emu.issuedTokens().map((t) => sent(t.accessToken));
      expect(apiAuth()).toEqual([t1, t2, t1, t3, t2, t4]);
      expect(emu.issuedTokens()).toHaveLength(4);
      expect(emu.revokedTokens()).toHaveLength(3);
    } finally {
      await replica.close();
    }
  });
});
