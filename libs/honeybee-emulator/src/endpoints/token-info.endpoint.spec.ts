import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { ManualClock } from '../clock.js';
import { send } from '../testing/http-test.helpers.js';
import { APP, START, doorkeeperChallenge } from '../testing/emulator.fixtures.js';

describe('GET /oauth/token/info', () => {
  let emu: HoneybeeEmulator;
  let clock: ManualClock;
  let token: string;

  beforeEach(async () => {
    clock = new ManualClock(START);
    emu = await HoneybeeEmulator.start({ clock, clients: [APP] });
    token = (await emu.issueToken('app', ['prescriptions:read', 'orders:write'])).access_token;
  });

  afterEach(() => emu.stop());

  const info = (auth?: string, url?: string): ReturnType<typeof send> =>
    send(url ?? emu.tokenInfoUrl, { headers: auth ? { Authorization: auth } : {} });

  it('describes an active token, scope as an array, expires_in remaining', async () => {
    clock.advanceSeconds(1_000);
    const res = await info(`Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.text).toBe(
      JSON.stringify({
        resource_owner_id: null,
        scope: ['prescriptions:read', 'orders:write'],
        expires_in: 42_200,
        application: { uid: 'app' },
        created_at: START / 1000,
      }),
    );
  });

  it('also finds the token in an access_token query parameter, as Doorkeeper does', async () => {
    const res = await info(undefined, `${emu.tokenInfoUrl}?access_token=${token}`);
    expect(res.status).toBe(200);
  });

  /** Doorkeeper's token-info refusal: one JSON body and description whatever the reason. */
  function expectInvalidToken(res: Awaited<ReturnType<typeof send>>): void {
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
      state: 'unauthorized',
    });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('www-authenticate')).toBe(
      doorkeeperChallenge('invalid_token', 'The access token is invalid'),
    );
    expect(res.headers.get('x-request-id')).toBeTruthy();
  }

  it.each([
    ['no Authorization header', undefined],
    ['an unknown token', 'Bearer not-a-token'],
    ['a Basic header', 'Basic YXBwOmFwcC1zZWNyZXQ='],
  ])('answers 401 with Doorkeeper’s JSON body for %s', async (_case, auth) => {
    expectInvalidToken(await info(auth));
  });

  it('answers the same 401 once the clock passes the lifetime', async () => {
    clock.advanceSeconds(43_199);
    expect((await info(`Bearer ${token}`)).status).toBe(200);
    clock.advanceSeconds(1);
    expectInvalidToken(await info(`Bearer ${token}`));
  });

  it('answers the same 401 for a revoked token', async () => {
    expect(emu.revokeToken(token)).toBe(true);
    expectInvalidToken(await info(`Bearer ${token}`));
  });

  it('answers alike with the 5.5 profile (token info never names the reason)', async () => {
    await emu.stop();
    emu = await HoneybeeEmulator.start({
      clock,
      doorkeeper: '5.5',
      clients: [{ clientId: 'app', clientSecret: 'app-secret' }],
    });
    const old = (await emu.issueToken('app')).access_token;
    emu.revokeToken(old);
    expectInvalidToken(await info(`Bearer ${old}`));
  });

  it('treats tokens of a removed client as unknown', async () => {
    emu.removeClient('app');
    const res = await info(`Bearer ${token}`);
    expect(res.headers.get('www-authenticate')).toBe(
      doorkeeperChallenge('invalid_token', 'The access token is invalid'),
    );
  });
});
