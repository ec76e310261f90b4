import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { ManualClock } from '../clock.js';
import { basic, postForm } from '../testing/http-test.helpers.js';
import { DOORKEEPER_PROFILES } from '../doorkeeper.profile.js';
import { APP, OTHER, START } from '../testing/emulator.fixtures.js';

describe('POST /oauth/introspect', () => {
  let emu: HoneybeeEmulator;
  let clock: ManualClock;
  let appToken: string;
  let otherToken: string;

  beforeEach(async () => {
    clock = new ManualClock(START);
    emu = await HoneybeeEmulator.start({ clock, clients: [APP, OTHER] });
    appToken = (await emu.issueToken('app', ['prescriptions:read', 'orders:write'])).access_token;
    otherToken = (await emu.issueToken('other', ['prescriptions:read'])).access_token;
  });

  afterEach(() => emu.stop());

  const asApp = { Authorization: basic('app', 'app-secret') };

  describe('caller authenticated with client credentials', () => {
    it('describes an active token of its own application (Basic)', async () => {
      clock.advanceSeconds(5);
      const res = await postForm(
        emu.introspectionUrl,
        { token: appToken, token_type_hint: 'access_token' },
        asApp,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      // Doorkeeper's field order.
      expect(res.text).toBe(
        JSON.stringify({
          active: true,
          scope: 'prescriptions:read orders:write',
          client_id: 'app',
          token_type: 'Bearer',
          exp: START / 1000 + 43_200,
          iat: START / 1000,
        }),
      );
    });

    it('accepts credentials in the body', async () => {
      const res = await postForm(emu.introspectionUrl, {
        token: appToken,
        client_id: 'app',
        client_secret: 'app-secret',
      });
      expect(res.json).toMatchObject({ active: true, client_id: 'app' });
    });

    it('answers {"active":false} for unknown, expired and revoked tokens', async () => {
      const unknown = await postForm(emu.introspectionUrl, { token: 'nope' }, asApp);
      expect(unknown.text).toBe('{"active":false}');
      const missing = await postForm(emu.introspectionUrl, {}, asApp);
      expect(missing.text).toBe('{"active":false}');
      emu.revokeToken(appToken);
      expect((await postForm(emu.introspectionUrl, { token: appToken }, asApp)).text).toBe(
        '{"active":false}',
      );
      const fresh = (await emu.issueToken('app', ['orders:write'])).access_token;
      clock.advanceSeconds(43_200);
      expect((await postForm(emu.introspectionUrl, { token: fresh }, asApp)).text).toBe(
        '{"active":false}',
      );
    });

    it('reports another application’s token as inactive, until ownApplicationOnly is switched off', async () => {
      const restricted = await postForm(emu.introspectionUrl, { token: otherToken }, asApp);
      expect(restricted.status).toBe(200);
      expect(restricted.text).toBe('{"active":false}');
      emu.configure({ introspection: { ownApplicationOnly: false } });
      const open = await postForm(emu.introspectionUrl, { token: otherToken }, asApp);
      expect(open.json).toMatchObject({
        active: true,
        client_id: 'other',
        scope: 'prescriptions:read',
      });
    });

    it('answers 401 invalid_client for bad caller credentials', async () => {
      const res = await postForm(
        emu.introspectionUrl,
        { token: appToken },
        { Authorization: basic('app', 'wrong') },
      );
      expect(res.status).toBe(401);
      expect((res.json as { error: string }).error).toBe('invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="Doorkeeper", error="invalid_client"/,
      );
    });
  });

  it('answers 400 invalid_request without any caller authentication', async () => {
    const res = await postForm(emu.introspectionUrl, { token: appToken });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'invalid_request',
      error_description: DOORKEEPER_PROFILES.current.requestNotAuthorizedDescription,
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers the same 400 to a Bearer token it does not know (no caller at all)', async () => {
    const res = await postForm(
      emu.introspectionUrl,
      { token: appToken },
      { Authorization: 'Bearer not-a-token' },
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_request' });
  });

  describe('caller authenticated with a Bearer token', () => {
    it('describes a token of the same application', async () => {
      const caller = (await emu.issueToken('app', ['prescriptions:read'])).access_token;
      const res = await postForm(
        emu.introspectionUrl,
        { token: appToken },
        { Authorization: `Bearer ${caller}` },
      );
      expect(res.json).toMatchObject({ active: true, client_id: 'app' });
    });

    it('answers 401 invalid_token when introspecting the very token used to authorize', async () => {
      const res = await postForm(
        emu.introspectionUrl,
        { token: appToken },
        { Authorization: `Bearer ${appToken}` },
      );
      expect(res.status).toBe(401);
      expect((res.json as { error: string }).error).toBe('invalid_token');
    });

    it('answers 401 invalid_token for another application’s token (and an unknown one), unless unrestricted', async () => {
      const bearer = { Authorization: `Bearer ${appToken}` };
      expect((await postForm(emu.introspectionUrl, { token: otherToken }, bearer)).status).toBe(
        401,
      );
      expect((await postForm(emu.introspectionUrl, { token: 'unknown' }, bearer)).status).toBe(401);
      emu.configure({ introspection: { ownApplicationOnly: false } });
      expect(
        (await postForm(emu.introspectionUrl, { token: otherToken }, bearer)).json,
      ).toMatchObject({ active: true });
      expect((await postForm(emu.introspectionUrl, { token: 'unknown' }, bearer)).text).toBe(
        '{"active":false}',
      );
    });

    it('answers 401 with the reason when the caller’s own token is expired or revoked', async () => {
      emu.revokeToken(otherToken);
      const res = await postForm(
        emu.introspectionUrl,
        { token: appToken },
        { Authorization: `Bearer ${otherToken}` },
      );
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        error: 'invalid_token',
        error_description: 'The access token was revoked',
        state: 'unauthorized',
      });
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked"',
      );
    });
  });
});
