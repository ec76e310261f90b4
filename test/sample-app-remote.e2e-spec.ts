import { HoneybeeEmulator } from 'honeybee-emulator';
import { loadSettings } from '../apps/sample-app/src/config/sample-app.settings.js';
import { EmbeddedHoneybee } from '../apps/sample-app/src/honeybee/embedded-honeybee.js';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import { call, startSampleApp } from './fixtures/sample-app/start-sample-app.js';
import type { SampleAppUnderTest } from './fixtures/sample-app/start-sample-app.js';

const PARTNER_SECRET = 'partner-secret-from-the-dashboard';
const WEBHOOK_SECRET = 'whsec-from-the-dashboard';

/**
 * The sample app configured from environment variables for a "real" Honeybee (played by a
 * separate emulator on loopback): no embedded emulator, the given client and URLs.
 */
describe('Sample app with HONEYBEE_CLIENT_ID set (e2e, external Honeybee)', () => {
  const clock = new FakeClock();
  let honeybee: HoneybeeEmulator;
  let sut: SampleAppUnderTest;
  let callerToken: string;

  const env = (extra: Record<string, string> = {}) => ({
    HONEYBEE_CLIENT_ID: 'partner',
    HONEYBEE_CLIENT_SECRET: PARTNER_SECRET,
    HONEYBEE_TOKEN_URL: honeybee.tokenUrl,
    HONEYBEE_API_BASE_URL: honeybee.apiBaseUrl,
    PORT: '0',
    ...extra,
  });

  beforeAll(async () => {
    honeybee = await HoneybeeEmulator.start({
      clock,
      clients: [
        {
          clientId: 'partner',
          clientSecret: PARTNER_SECRET,
          scopes: ['prescriptions:read', 'orders:write'],
        },
        { clientId: 'pharmacist', clientSecret: 'p-secret', scopes: ['prescriptions:read'] },
      ],
    });
  });
  beforeEach(async () => {
    callerToken = (await honeybee.issueToken('pharmacist', ['prescriptions:read'])).access_token;
  });
  afterEach(async () => {
    await sut.app.close();
    honeybee.reset();
  });
  afterAll(() => honeybee.stop());

  it('starts no emulator and gets its token from the configured token URL', async () => {
    sut = await startSampleApp(
      loadSettings(env({ HONEYBEE_WEBHOOK_SECRET: WEBHOOK_SECRET })),
      undefined,
      clock,
    );
    expect(() => sut.app.get(EmbeddedHoneybee)).toThrow();
    expect(honeybee.requests('token')).toHaveLength(1);
    expect(honeybee.requests('token')[0].body).toMatchObject({
      client_id: 'partner',
      scope: 'prescriptions:read',
    });

    const rx = await call(sut.url, 'GET', '/patients/p_2/prescriptions', { token: callerToken });
    expect(rx.status).toBe(200);
    expect(rx.body.patient_id).toBe('p_2');
    expect(honeybee.requests('tokenInfo')).toHaveLength(1); // the caller's token, checked there
    expect((await call(sut.url, 'GET', '/health')).status).toBe(200);

    const status = await honeybee.sendWebhook(`${sut.url}/webhooks/honeybee`, {
      secret: WEBHOOK_SECRET,
      event: { event_type: 'RX_UPDATED', patient_id: 'p_2' },
    });
    expect(status).toBe(200);
  });

  it('accepts only the callers in HONEYBEE_ALLOWED_CLIENT_IDS, and warns when it is not set', async () => {
    sut = await startSampleApp(
      loadSettings(env({ HONEYBEE_ALLOWED_CLIENT_IDS: 'pharmacist' })),
      undefined,
      clock,
    );
    expect(sut.logger.lines.join('\n')).not.toContain('inbound.allowedClientIds is not set');
    const own = (await honeybee.issueToken('partner', ['prescriptions:read'])).access_token;
    expect((await call(sut.url, 'GET', '/patients/p_2/prescriptions', { token: own })).status).toBe(
      401,
    );
    expect(
      (await call(sut.url, 'GET', '/patients/p_2/prescriptions', { token: callerToken })).status,
    ).toBe(200);
    await sut.app.close();
    sut = await startSampleApp(loadSettings(env()), undefined, clock);
    expect(sut.logger.lines.join('\n')).toContain('inbound.allowedClientIds is not set');
  });

  it('refuses webhooks with 503 when HONEYBEE_WEBHOOK_SECRET is not set', async () => {
    sut = await startSampleApp(loadSettings(env()), undefined, clock);
    const status = await honeybee.sendWebhook(`${sut.url}/webhooks/honeybee`, {
      secret: 'anything',
      event: { event_type: 'RX_UPDATED', patient_id: 'p_2' },
    });
    expect(status).toBe(503);
    expect(sut.logger.lines.join('\n')).toContain('has no webhookSecret');
  });

  it('reports a wrong client secret in the log and in /health, but still starts', async () => {
    sut = await startSampleApp(
      loadSettings(env({ HONEYBEE_CLIENT_SECRET: 'not-the-secret' })),
      undefined,
      clock,
    );
    expect(sut.logger.lines.join('\n')).toMatch(
      /No access token from Honeybee yet \(kind oauth, HTTP 401, X-Request-Id [\w-]+\)/,
    );
    expect(sut.logger.lines.join('\n')).not.toContain('not-the-secret');
    const health = await call(sut.url, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.error.honeybeeToken).toEqual({
      status: 'down',
      reason: { kind: 'oauth', httpStatus: 401, requestId: expect.any(String) },
    });
    const rx = await call(sut.url, 'GET', '/patients/p_2/prescriptions', { token: callerToken });
    expect(rx.status).toBe(503);
    expect(rx.body.message).toBe(
      'Could not get an access token from Honeybee (oauth 401 invalid_client)',
    );
  });
});
