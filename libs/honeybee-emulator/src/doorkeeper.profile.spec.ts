import { request } from 'node:http';
import { HoneybeeEmulator } from './honeybee-emulator.js';
import { ManualClock } from './clock.js';
import { DOORKEEPER_VERSIONS, doorkeeperProfile } from './doorkeeper.profile.js';
import type { DoorkeeperVersion } from './doorkeeper.profile.js';
import { basic, postForm, send } from './testing/http-test.helpers.js';
import { APP } from './testing/emulator.fixtures.js';

const NO_GRANT = { clientId: 'no-grant', clientSecret: 'no-grant-secret', grantTypes: [] };
const CC = { grant_type: 'client_credentials', scope: 'prescriptions:read' };
const BODY_AUTH = { client_id: 'app', client_secret: 'app-secret' };

/** What each profile answers, row by row (the README's profile table). */
const EXPECTED: Record<
  DoorkeeperVersion,
  {
    unauthorizedClient: number;
    basicAndBody: number;
    lowerCaseBasic: number;
    tokenCacheControl: string;
    scopeless: number;
    queryCredentials: number;
    forbiddenChallenge: boolean;
    expiredPreviousRevoked: string;
    date: boolean;
    chunked: boolean;
    runtime: boolean;
    xssProtection: string;
  }
> = {
  '5.5': {
    unauthorizedClient: 401,
    basicAndBody: 200,
    lowerCaseBasic: 401,
    tokenCacheControl: 'no-store',
    scopeless: 200,
    queryCredentials: 200,
    forbiddenChallenge: false,
    expiredPreviousRevoked: 'The access token was revoked',
    date: false,
    chunked: true,
    runtime: true,
    xssProtection: '1; mode=block',
  },
  current: {
    unauthorizedClient: 400,
    basicAndBody: 400,
    lowerCaseBasic: 200,
    tokenCacheControl: 'no-store, no-cache',
    scopeless: 400,
    queryCredentials: 401,
    forbiddenChallenge: true,
    expiredPreviousRevoked: 'The access token expired',
    date: true,
    chunked: false,
    runtime: false,
    xssProtection: '0',
  },
};

/** Status and raw headers, `Transfer-Encoding` included (fetch hides how a body travelled). */
function rawGet(url: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe.each(DOORKEEPER_VERSIONS)("doorkeeper: '%s'", (version) => {
  const expected = EXPECTED[version];
  let emu: HoneybeeEmulator;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2025-06-24T04:28:55.000Z'));
    emu = await HoneybeeEmulator.start({ doorkeeper: version, clients: [APP, NO_GRANT], clock });
  });
  afterEach(() => emu.stop());

  const token = async (scope = 'prescriptions:read'): Promise<string> =>
    (await emu.issueToken('app', [scope])).access_token;

  it(`answers unauthorized_client with ${expected.unauthorizedClient}`, async () => {
    const res = await postForm(emu.tokenUrl, {
      ...CC,
      client_id: 'no-grant',
      client_secret: 'no-grant-secret',
    });
    expect(res.status).toBe(expected.unauthorizedClient);
    expect(res.json).toMatchObject({ error: 'unauthorized_client' });
  });

  it('treats Basic and body credentials together as the version does', async () => {
    const res = await postForm(
      emu.tokenUrl,
      { ...CC, client_id: 'app', client_secret: 'wrong' },
      { Authorization: basic('app', 'app-secret') },
    );
    expect(res.status).toBe(expected.basicAndBody);
    if (res.status === 400) expect(res.json).toMatchObject({ error: 'invalid_request' });
  });

  it('reads a lower-case basic scheme as the version does', async () => {
    const res = await postForm(emu.tokenUrl, CC, {
      Authorization: basic('app', 'app-secret').replace('Basic', 'basic'),
    });
    expect(res.status).toBe(expected.lowerCaseBasic);
  });

  it('sends the version’s Cache-Control with a token', async () => {
    const res = await postForm(emu.tokenUrl, { ...CC, ...BODY_AUTH });
    expect(res.headers.get('cache-control')).toBe(expected.tokenCacheControl);
    expect(res.headers.get('pragma')).toBe('no-cache');
  });

  it('answers a request without scope (no default scope applies) as the version does', async () => {
    const res = await postForm(emu.tokenUrl, { grant_type: 'client_credentials', ...BODY_AUTH });
    expect(res.status).toBe(expected.scopeless);
    if (res.status === 200) {
      expect(res.json).not.toHaveProperty('scope');
      const info = await send(emu.tokenInfoUrl, {
        headers: { Authorization: `Bearer ${(res.json as { access_token: string }).access_token}` },
      });
      expect(info.json).toMatchObject({ scope: [] });
    } else {
      expect(res.json).toMatchObject({ error: 'invalid_scope' });
    }
  });

  it('reads credentials from the query string as the version does', async () => {
    const query = new URLSearchParams({ grant_type: 'client_credentials', ...BODY_AUTH });
    const res = await postForm(`${emu.tokenUrl}?${query}`, {});
    expect(res.status).toBe(expected.queryCredentials);
  });

  it('refuses a missing scope at a resource with 403, with or without a challenge', async () => {
    const res = await send(`${emu.apiBaseUrl}/orders`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await token('prescriptions:read')}`,
        Accept: 'application/json',
        'Content-Type': 'application/json',
      },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(res.text).toBe('');
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('www-authenticate')).toBe(
      expected.forbiddenChallenge
        ? 'Bearer realm="Doorkeeper", error="insufficient_scope", error_description="Access to this resource requires scope "orders:write"."'
        : null,
    );
  });

  it('answers an invalid token at a resource with 401 text/html and the reason', async () => {
    const res = await send(`${emu.apiBaseUrl}/patients/p_1/rx`, {
      headers: { Authorization: 'Bearer nope', Accept: 'application/json' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
    );
  });

  it('revokes an expired previous token (5.5) or leaves it expired (current)', async () => {
    emu.configure({ revokePreviousToken: true });
    const first = await token();
    clock.advanceSeconds(43_201);
    await token();
    const res = await send(`${emu.apiBaseUrl}/patients/p_1/rx`, {
      headers: { Authorization: `Bearer ${first}`, Accept: 'application/json' },
    });
    expect(res.headers.get('www-authenticate')).toContain(expected.expiredPreviousRevoked);
  });

  it('frames answers as the version’s Rails and web server do', async () => {
    const res = await rawGet(emu.tokenInfoUrl);
    expect(res.status).toBe(401);
    expect(res.headers.date !== undefined).toBe(expected.date);
    expect(res.headers['transfer-encoding'] === 'chunked').toBe(expected.chunked);
    expect(res.headers['content-length'] !== undefined).toBe(!expected.chunked);
    expect(res.headers['x-runtime'] !== undefined).toBe(expected.runtime);
    expect(res.headers['x-xss-protection']).toBe(expected.xssProtection);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.vary).toBe('Accept, X-Requested-With');
    const missing = await rawGet(`${emu.url}/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers).toMatchObject({
      'content-type': 'text/html; charset=UTF-8',
      'content-length': '0',
    });
    expect(missing.headers['x-xss-protection']).toBeUndefined();
  });
});

describe('doorkeeperProfile', () => {
  it('names the allowed versions for anything else', () => {
    expect(doorkeeperProfile('5.5').unauthorizedClientStatus).toBe(401);
    expect(() => doorkeeperProfile('6.1')).toThrow("doorkeeper must be one of '5.5', 'current'");
    expect(() => doorkeeperProfile('toString')).toThrow(TypeError);
  });

  it('is an option of start(), checked at once', async () => {
    await expect(
      HoneybeeEmulator.start({ doorkeeper: '4.4' as DoorkeeperVersion }),
    ).rejects.toThrow("options.doorkeeper must be one of '5.5', 'current'");
  });
});
