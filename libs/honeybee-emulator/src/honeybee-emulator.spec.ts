import { HoneybeeEmulator } from './honeybee-emulator.js';
import { ManualClock } from './clock.js';
import { apiGet, postForm, send } from './testing/http-test.helpers.js';

const APP = {
  clientId: 'app',
  clientSecret: 'app-secret',
  scopes: ['prescriptions:read'],
  defaultScopes: ['prescriptions:read'],
};

describe('HoneybeeEmulator lifecycle', () => {
  const started: HoneybeeEmulator[] = [];
  const start = async (
    ...args: Parameters<typeof HoneybeeEmulator.start>
  ): Promise<HoneybeeEmulator> => {
    const emu = await HoneybeeEmulator.start(...args);
    started.push(emu);
    return emu;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((emu) => emu.stop()));
  });

  it('starts on 127.0.0.1 with a free port and derives every URL from it', async () => {
    const emu = await start();
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
    expect(emu.port).toBeGreaterThan(0);
    expect(emu).toMatchObject({
      tokenUrl: `${emu.url}/oauth/token`,
      tokenInfoUrl: `${emu.url}/oauth/token/info`,
      introspectionUrl: `${emu.url}/oauth/introspect`,
      revocationUrl: `${emu.url}/oauth/revoke`,
      jwksUri: `${emu.url}/oauth/discovery/keys`,
      metadataUrl: `${emu.url}/.well-known/oauth-authorization-server`,
      apiBaseUrl: `${emu.url}/v1`,
      issuer: emu.url,
    });
  });

  it('runs two emulators side by side without shared state', async () => {
    const clockA = new ManualClock(0);
    const a = await start({ clients: [APP], clock: clockA });
    const b = await start({ clients: [APP] });
    expect(a.port).not.toBe(b.port);
    const tokenA = (await a.issueToken('app', ['prescriptions:read'])).access_token;
    expect((await apiGet(`${a.apiBaseUrl}/patients/p_1/rx`, tokenA)).status).toBe(200);
    expect((await apiGet(`${b.apiBaseUrl}/patients/p_1/rx`, tokenA)).status).toBe(401);

    a.injectFault('token', { status: 503 });
    const form = {
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: 'app-secret',
    };
    expect((await postForm(a.tokenUrl, form)).status).toBe(503);
    expect((await postForm(b.tokenUrl, form)).status).toBe(200);

    b.addClient({ clientId: 'only-b', clientSecret: 'b-secret' });
    await expect(a.issueToken('only-b')).rejects.toMatchObject({ oauthError: 'invalid_client' });
    expect(a.requests('token')).toHaveLength(1);
    expect(b.requests('token')).toHaveLength(1);
    expect(a.issuedTokens()).toHaveLength(1);
    expect(b.issuedTokens()).toHaveLength(1);
    expect((await a.getJwks()).keys[0]!.kid).not.toBe((await b.getJwks()).keys[0]!.kid);
  });

  it('stops cleanly: idempotent, closes keep-alive connections, refuses new ones', async () => {
    const emu = await start({ clients: [APP] });
    expect((await send(emu.metadataUrl)).status).toBe(200); // leaves a keep-alive socket open
    await Promise.all([emu.stop(), emu.stop()]);
    await emu.stop();
    await expect(fetch(emu.metadataUrl)).rejects.toThrow();
  });

  it('rejects pending waitForRequests when stopped', async () => {
    const emu = await start();
    const waiting = emu.waitForRequests('token', 1);
    await emu.stop();
    await expect(waiting).rejects.toThrow(/stopped/);
  });

  it('validates options and names the bad field', async () => {
    await expect(
      HoneybeeEmulator.start({ clients: [{ clientId: 'x', clientSecret: '' }] }),
    ).rejects.toThrow('options.clients[0].clientSecret must be a non-empty string');
    await expect(
      HoneybeeEmulator.start({ clients: [{ ...APP, tokenLifetimeSeconds: 0 }] }),
    ).rejects.toThrow(/tokenLifetimeSeconds/);
    await expect(HoneybeeEmulator.start({ clients: [APP, APP] })).rejects.toThrow(/twice/);
    await expect(
      HoneybeeEmulator.start({ clients: [{ ...APP, defaultScopes: ['admin'] }] }),
    ).rejects.toThrow(/defaultScopes/);
    await expect(HoneybeeEmulator.start({ port: 70_000 })).rejects.toThrow(/options\.port/);
    await expect(
      HoneybeeEmulator.start({ jwt: { algorithm: 'HS256' as 'RS256' } }),
    ).rejects.toThrow(/algorithm/);
    await expect(
      HoneybeeEmulator.start({ revokePreviousToken: 'sometimes' as 'allScopes' }),
    ).rejects.toThrow(/revokePreviousToken/);
  });

  it('adds and removes clients at run time; a removed client’s tokens stop working', async () => {
    const emu = await start();
    emu.addClient(APP);
    const token = (await emu.issueToken('app', ['prescriptions:read'])).access_token;
    expect(emu.listClients().map((c) => c.clientId)).toEqual(['app']);
    expect(emu.removeClient('app')).toBe(true);
    expect(emu.removeClient('app')).toBe(false);
    expect((await apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, token)).status).toBe(401);
    expect(() => emu.addClient({ clientId: 'a:b', clientSecret: 's' })).toThrow(
      /must not contain ":"/,
    );
  });

  it('configure() changes switches on a running emulator and validates them', async () => {
    const emu = await start({ clients: [APP] });
    const a = (await emu.issueToken('app')).access_token;
    const b = (await emu.issueToken('app')).access_token;
    expect(b).not.toBe(a);
    emu.configure({ tokenReuse: true });
    expect((await emu.issueToken('app')).access_token).toBe(b);
    emu.configure({ tokenReuse: false, revokePreviousToken: true });
    const c = (await emu.issueToken('app')).access_token;
    expect(c).not.toBe(b);
    expect(emu.revokedTokens().map((t) => t.accessToken)).toEqual([b]);
    expect(() => emu.configure({ tokenReuseLimitPercent: 0 })).toThrow(/tokenReuseLimitPercent/);
    expect(() => emu.configure({ api: { accept: 'any' as 'strict' } })).toThrow(/api\.accept/);
  });
});
