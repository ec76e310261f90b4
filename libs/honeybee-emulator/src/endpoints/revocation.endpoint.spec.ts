import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { basic, postForm, send } from '../testing/http-test.helpers.js';
import { REVOKE_UNAUTHORIZED_DESCRIPTION } from './revocation.endpoint.js';
import { APP, OTHER } from '../testing/emulator.fixtures.js';

describe('POST /oauth/revoke', () => {
  let emu: HoneybeeEmulator;
  let appToken: string;
  let otherToken: string;

  beforeEach(async () => {
    emu = await HoneybeeEmulator.start({ clients: [APP, OTHER] });
    appToken = (await emu.issueToken('app', ['prescriptions:read'])).access_token;
    otherToken = (await emu.issueToken('other', ['prescriptions:read'])).access_token;
  });

  afterEach(() => emu.stop());

  const asApp = { Authorization: basic('app', 'app-secret') };
  const infoStatus = async (token: string): Promise<number> =>
    (await send(emu.tokenInfoUrl, { headers: { Authorization: `Bearer ${token}` } })).status;

  it('revokes the client’s own token: 200 {} and the token stops working', async () => {
    const res = await postForm(
      emu.revocationUrl,
      { token: appToken, token_type_hint: 'access_token' },
      asApp,
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await infoStatus(appToken)).toBe(401);
    expect(emu.revokedTokens()).toEqual([
      expect.objectContaining({ accessToken: appToken, revocationReason: 'revocation_endpoint' }),
    ]);
  });

  it('accepts client credentials in the body', async () => {
    const res = await postForm(emu.revocationUrl, {
      token: appToken,
      client_id: 'app',
      client_secret: 'app-secret',
    });
    expect(res.status).toBe(200);
    expect(await infoStatus(appToken)).toBe(401);
  });

  it('answers 200 {} for an unknown token, a missing token and an already revoked one (RFC 7009)', async () => {
    expect((await postForm(emu.revocationUrl, { token: 'nope' }, asApp)).text).toBe('{}');
    expect((await postForm(emu.revocationUrl, {}, asApp)).status).toBe(200);
    await postForm(emu.revocationUrl, { token: appToken }, asApp);
    expect((await postForm(emu.revocationUrl, { token: appToken }, asApp)).status).toBe(200);
  });

  it('refuses another client’s token with 403 unauthorized_client and leaves it valid', async () => {
    const res = await postForm(emu.revocationUrl, { token: otherToken }, asApp);
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: 'unauthorized_client',
      error_description: REVOKE_UNAUTHORIZED_DESCRIPTION,
    });
    expect(await infoStatus(otherToken)).toBe(200);
  });

  it.each([
    ['no client authentication', {}],
    ['a wrong secret', { Authorization: basic('app', 'nope') }],
  ])('answers 403 unauthorized_client for %s (Doorkeeper, not 401)', async (_case, headers) => {
    const res = await postForm(emu.revocationUrl, { token: appToken }, headers);
    expect(res.status).toBe(403);
    expect((res.json as { error: string }).error).toBe('unauthorized_client');
    expect(await infoStatus(appToken)).toBe(200);
  });
});
