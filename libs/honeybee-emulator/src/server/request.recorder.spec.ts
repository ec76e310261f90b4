import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { ManualClock } from '../clock.js';
import { maskSecret } from './request.recorder.js';
import { apiGet, basic, postForm, send } from '../testing/http-test.helpers.js';

const SECRET = 'super-secret-value-123';
const CLIENT = {
  clientId: 'app',
  clientSecret: SECRET,
  scopes: ['prescriptions:read', 'orders:write'],
  defaultScopes: ['prescriptions:read', 'orders:write'],
};

describe('maskSecret', () => {
  it.each([
    ['super-secret-value-123', 'supe…'],
    ['app-secret', 'ap…'],
    ['abc', '…'],
    ['', '…'],
  ])('masks %p to %p', (value, masked) => {
    expect(maskSecret(value)).toBe(masked);
  });
});

describe('request inspection', () => {
  let emu: HoneybeeEmulator;
  const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));

  beforeEach(async () => {
    emu = await HoneybeeEmulator.start({ clients: [CLIENT], clock });
  });

  afterEach(() => emu.stop());

  it('records method, path, query, headers and parsed body per endpoint, secrets masked', async () => {
    const body = await postForm(`${emu.tokenUrl}?access_token=${SECRET}`, {
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: SECRET,
    });
    const token = (body.json as { access_token: string }).access_token;
    await postForm(
      emu.tokenUrl,
      { grant_type: 'client_credentials' },
      { Authorization: basic('app', SECRET) },
    );
    await apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, token);
    await postForm(emu.introspectionUrl, { token, client_id: 'app', client_secret: SECRET });
    await send(`${emu.apiBaseUrl}/orders`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
      },
      body: JSON.stringify({ patient_id: 'p_1', nested: { api_secret: SECRET, password: SECRET } }),
    });

    const [first, second] = emu.requests('token');
    expect(first).toMatchObject({
      seq: 1,
      endpoint: 'token',
      method: 'POST',
      path: '/oauth/token',
      query: { access_token: 'supe…' },
      body: { grant_type: 'client_credentials', client_id: 'app', client_secret: 'supe…' },
      receivedAt: clock.now(),
    });
    expect(first!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=utf-8');
    expect(first!.requestId).toBe(body.headers.get('x-request-id'));
    expect(second!.authScheme).toBe('Basic');
    expect(second!.basicClientId).toBe('app');
    expect(second!.headers.authorization).toMatch(/^Basic .{1,4}…$/);
    const api = emu.requests('api');
    expect(api[0]!.headers.authorization).toBe(`Bearer ${token.slice(0, 4)}…`);
    expect(api[1]!.body).toEqual({
      patient_id: 'p_1',
      nested: { api_secret: 'supe…', password: 'supe…' },
    });
    expect(emu.requests('introspect')[0]!.body).toMatchObject({ token: `${token.slice(0, 4)}…` });
    expect(emu.requests().map((r) => r.endpoint)).toEqual([
      'token',
      'token',
      'api',
      'introspect',
      'api',
    ]);

    const everything = JSON.stringify(emu.requests());
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(Buffer.from(`app:${SECRET}`).toString('base64'));
  });

  it('describes bodies it cannot parse without keeping them', async () => {
    await send(emu.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"client_secret":"${SECRET}"`,
    });
    await send(emu.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: SECRET,
    });
    expect(emu.requests().map((r) => r.body)).toEqual([
      '<41 bytes of invalid JSON>',
      '<22 bytes of text/plain>',
    ]);
  });

  it('records unknown paths under "other"', async () => {
    await send(`${emu.url}/nope`);
    expect(emu.requests('other')).toEqual([
      expect.objectContaining({ path: '/nope', method: 'GET' }),
    ]);
  });

  it('lists issued and revoked tokens, and reset() forgets requests, tokens, faults and orders', async () => {
    const a = (await emu.issueToken('app', ['prescriptions:read'])).access_token;
    const b = (await emu.issueToken('app', ['orders:write'])).access_token;
    emu.revokeToken(a);
    expect(emu.issuedTokens().map((t) => [t.accessToken, t.clientId, t.scopes])).toEqual([
      [a, 'app', ['prescriptions:read']],
      [b, 'app', ['orders:write']],
    ]);
    expect(emu.revokedTokens()).toEqual([
      expect.objectContaining({
        accessToken: a,
        revokedAt: clock.now(),
        revocationReason: 'programmatic',
      }),
    ]);
    emu.injectFault('token', { status: 500 });
    await send(emu.metadataUrl);
    emu.reset();
    expect(emu.requests()).toEqual([]);
    expect(emu.issuedTokens()).toEqual([]);
    expect((await apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, b)).status).toBe(401);
    expect(
      (
        await postForm(emu.tokenUrl, {
          grant_type: 'client_credentials',
          client_id: 'app',
          client_secret: SECRET,
        })
      ).status,
    ).toBe(200);
  });

  it('waitForRequests resolves once enough requests arrived', async () => {
    const waiting = emu.waitForRequests('metadata', 2);
    await send(emu.metadataUrl);
    await send(emu.tokenInfoUrl);
    await send(emu.metadataUrl);
    const requests = await waiting;
    expect(requests.map((r) => r.endpoint)).toEqual(['metadata', 'metadata']);
    await expect(emu.waitForRequests(undefined, 3)).resolves.toHaveLength(3);
  });
});
