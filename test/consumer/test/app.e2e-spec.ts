import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { HoneybeeEmulator, oauthErrorFault } from 'honeybee-emulator';
import { HONEYBEE_CLOCK } from 'nestjs-honeybee-auth';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { AppModule } from './../src/app.module.js';
import { TestClock } from './support/test-clock.js';

describe('AppModule against the Honeybee emulator (e2e)', () => {
  const clock = new TestClock(Date.parse('2026-01-01T00:00:00Z'));
  let emu: HoneybeeEmulator;
  let app: INestApplication<App>;

  beforeAll(async () => {
    emu = await HoneybeeEmulator.start({
      clock,
      clients: [
        // This app's own client: its calls to the Partners API.
        {
          clientId: 'consumer-app',
          clientSecret: 'consumer-app-secret',
          scopes: ['prescriptions:read'],
          tokenLifetimeSeconds: 3600,
        },
        // Partners calling this app.
        {
          clientId: 'partner',
          clientSecret: 'partner-secret',
          scopes: ['prescriptions:read'],
        },
        {
          clientId: 'shipper',
          clientSecret: 'shipper-secret',
          scopes: ['orders:write'],
        },
      ],
    });
  });
  afterAll(() => emu.stop());

  beforeEach(async () => {
    const moduleFixture = await Test.createTestingModule({
      imports: [AppModule],
    })
      .overrideProvider(ConfigService)
      .useValue(
        new ConfigService({
          HONEYBEE_CLIENT_ID: 'consumer-app',
          HONEYBEE_CLIENT_SECRET: 'consumer-app-secret',
          HONEYBEE_TOKEN_URL: emu.tokenUrl,
          HONEYBEE_API_BASE_URL: emu.apiBaseUrl,
          HONEYBEE_ALLOW_INSECURE_LOOPBACK: 'true',
        }),
      )
      .overrideProvider(HONEYBEE_CLOCK)
      .useValue(clock)
      .compile();
    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterEach(async () => {
    await app.close();
    emu.reset(); // faults, recorded requests and tokens
  });

  /** A token the emulator issued to a partner, as Honeybee would. */
  const tokenOf = async (clientId: string, scope: string) =>
    (await emu.issueToken(clientId, [scope])).access_token;

  it('/ (GET) is public', () => {
    return request(app.getHttpServer())
      .get('/')
      .expect(200)
      .expect('Hello World!');
  });

  it('answers 401 with the RFC 6750 challenge without a token', async () => {
    await request(app.getHttpServer())
      .get('/patients/p_1/prescriptions')
      .expect(401)
      .expect('WWW-Authenticate', 'Bearer realm="honeybee"');
    expect(emu.requests()).toHaveLength(0);
  });

  it('answers 403 to a token without prescriptions:read', async () => {
    const token = await tokenOf('shipper', 'orders:write');
    await request(app.getHttpServer())
      .get('/patients/p_1/prescriptions')
      .auth(token, { type: 'bearer' })
      .expect(403);
  });

  it('serves a partner, calling Honeybee with one token of its own', async () => {
    const token = await tokenOf('partner', 'prescriptions:read');
    for (let call = 0; call < 2; call++) {
      const res = await request(app.getHttpServer())
        .get('/patients/p_1/prescriptions')
        .auth(token, { type: 'bearer' })
        .expect(200);
      expect(res.body).toMatchObject({
        requestedBy: 'partner',
        prescription: { patient_id: 'p_1', status: 'active' },
      });
    }
    expect(emu.requests('token')).toHaveLength(1);
    expect(emu.requests('api').map((r) => r.authScheme)).toEqual([
      'Bearer',
      'Bearer',
    ]);
  });

  it('gets a new token once its token expires (the clock, no sleeping)', async () => {
    const call = async () =>
      request(app.getHttpServer())
        .get('/patients/p_1/prescriptions')
        .auth(await tokenOf('partner', 'prescriptions:read'), {
          type: 'bearer',
        })
        .expect(200);
    await call();
    clock.advanceSeconds(3600);
    await call();
    expect(emu.requests('token')).toHaveLength(2);
  });

  it('retries a 503 from the token endpoint', async () => {
    emu.injectFault('token', oauthErrorFault('temporarily_unavailable'), {
      times: 1,
    });
    await request(app.getHttpServer())
      .get('/patients/p_1/prescriptions')
      .auth(await tokenOf('partner', 'prescriptions:read'), { type: 'bearer' })
      .expect(200);
    expect(emu.requests('token').map((r) => r.fault)).toEqual([
      'status',
      undefined,
    ]);
  });

  it('answers 502 when Honeybee drops the connection, 404 for an unknown patient', async () => {
    const token = await tokenOf('partner', 'prescriptions:read');
    emu.injectFault('api', { dropConnection: true }, { times: 1 });
    await request(app.getHttpServer())
      .get('/patients/p_1/prescriptions')
      .auth(token, { type: 'bearer' })
      .expect(502);
    await request(app.getHttpServer())
      .get('/patients/p_404/prescriptions')
      .auth(token, { type: 'bearer' })
      .expect(404);
  });
});
