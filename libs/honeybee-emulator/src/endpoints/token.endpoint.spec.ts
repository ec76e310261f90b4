import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { ManualClock } from '../clock.js';
import { HoneybeeEmulatorError } from '../emulator.errors.js';
import type { HoneybeeEmulatorOptions } from '../emulator.options.js';
import { OAUTH_ERROR_DESCRIPTIONS } from '../emulator.errors.js';
import { basic, postForm, send } from '../testing/http-test.helpers.js';
import type { TestResponse } from '../testing/http-test.helpers.js';
import { APP as BASE_APP, START } from '../testing/emulator.fixtures.js';

const APP = { ...BASE_APP, tokenLifetimeSeconds: 43_200 };
// A scope, because the current Doorkeeper refuses a scopeless request from an application with
// scopes and no default scope (see 'default scopes').
const CC = { grant_type: 'client_credentials', scope: 'prescriptions:read' };
const NO_SCOPE = { grant_type: 'client_credentials' };
const BODY_AUTH = { client_id: 'app', client_secret: 'app-secret' };

describe('POST /oauth/token', () => {
  let emu: HoneybeeEmulator;
  let clock: ManualClock;

  async function start(options: HoneybeeEmulatorOptions = {}): Promise<void> {
    clock = new ManualClock(START);
    emu = await HoneybeeEmulator.start({ clients: [APP], clock, ...options });
  }

  afterEach(async () => {
    await emu?.stop();
  });

  /** A token response's body: client credentials in the body, `scope` as given or `CC`'s. */
  async function tokenResponse(scope?: string): Promise<Record<string, unknown>> {
    const fields = { ...CC, ...BODY_AUTH, ...(scope === undefined ? {} : { scope }) };
    return (await postForm(emu.tokenUrl, fields)).json as Record<string, unknown>;
  }

  /** The access token of {@link tokenResponse}. */
  const accessToken = async (scope?: string): Promise<string> =>
    (await tokenResponse(scope)).access_token as string;

  function expectOAuthError(
    res: TestResponse,
    status: number,
    error: string,
    description?: string,
  ): void {
    expect(res.status).toBe(status);
    const body = res.json as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
    expect(body.error).toBe(error);
    if (description !== undefined) expect(body.error_description).toBe(description);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="Doorkeeper", error="${error}", error_description="${body.error_description}"`,
    );
    expect(res.headers.get('x-request-id')).toBeTruthy();
  }

  describe('success', () => {
    beforeEach(() => start());

    it('authenticates with credentials in the body and answers Doorkeeper’s token response', async () => {
      const res = await postForm(emu.tokenUrl, {
        ...CC,
        ...BODY_AUTH,
        scope: 'prescriptions:read',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store, no-cache');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('date')).toBe(new Date(START).toUTCString());
      const body = res.json as Record<string, unknown>;
      expect(Object.keys(body)).toEqual([
        'access_token',
        'token_type',
        'expires_in',
        'scope',
        'created_at',
      ]);
      expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 43_200,
        scope: 'prescriptions:read',
        created_at: START / 1000,
      });
    });

    it('authenticates with HTTP Basic', async () => {
      const res = await postForm(emu.tokenUrl, CC, { Authorization: basic('app', 'app-secret') });
      expect(res.status).toBe(200);
      expect((res.json as { access_token: string }).access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('accepts Basic plus a lone client_id in the body (only client_secret_post needs both fields)', async () => {
      const res = await postForm(
        emu.tokenUrl,
        { ...CC, client_id: 'app' },
        { Authorization: basic('app', 'app-secret') },
      );
      expect(res.status).toBe(200);
    });

    it('reads a JSON body too, as Rails does', async () => {
      const res = await send(emu.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...CC, ...BODY_AUTH }),
      });
      expect(res.status).toBe(200);
    });

    it('issues a different random token on every request when reuse is off', async () => {
      const tokens = new Set<string>();
      for (let i = 0; i < 5; i += 1) {
        const res = await postForm(emu.tokenUrl, { ...CC, ...BODY_AUTH });
        tokens.add((res.json as { access_token: string }).access_token);
      }
      expect(tokens.size).toBe(5);
      expect(emu.issuedTokens()).toHaveLength(5);
    });

    it('omits scope when the token has none, and de-duplicates requested scopes', async () => {
      // An application without scopes of its own gets a scopeless token for no or a blank scope.
      emu.addClient({ clientId: 'open', clientSecret: 'open-secret' });
      const open = { client_id: 'open', client_secret: 'open-secret' };
      const none = await postForm(emu.tokenUrl, { grant_type: 'client_credentials', ...open });
      expect(none.json).not.toHaveProperty('scope');
      const blank = await postForm(emu.tokenUrl, { ...CC, ...open, scope: '  ' });
      expect(blank.json).not.toHaveProperty('scope');
      const dup = await postForm(emu.tokenUrl, {
        ...CC,
        ...BODY_AUTH,
        scope: 'orders:write prescriptions:read orders:write',
      });
      expect((dup.json as { scope: string }).scope).toBe('orders:write prescriptions:read');
    });

    it('does not URL-decode Basic credentials (Doorkeeper’s known deviation from RFC 6749)', async () => {
      emu.addClient({ clientId: 'odd', clientSecret: 'p@ss:w/rd+%' });
      const raw = await postForm(emu.tokenUrl, CC, { Authorization: basic('odd', 'p@ss:w/rd+%') });
      expect(raw.status).toBe(200);
      const encoded = await postForm(emu.tokenUrl, CC, {
        Authorization: basic('odd', encodeURIComponent('p@ss:w/rd+%')),
      });
      expectOAuthError(encoded, 401, 'invalid_client');
    });
  });

  describe('errors', () => {
    beforeEach(() =>
      start({
        grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
        clients: [
          APP,
          {
            clientId: 'codes-only',
            clientSecret: 's3cret-codes',
            grantTypes: ['authorization_code'],
          },
        ],
      }),
    );

    it('rejects Basic and body credentials together with 400 invalid_request', async () => {
      const res = await postForm(
        emu.tokenUrl,
        { ...CC, ...BODY_AUTH },
        { Authorization: basic('app', 'app-secret') },
      );
      expectOAuthError(res, 400, 'invalid_request');
      expect((res.json as { error_description: string }).error_description).toMatch(
        /more than one mechanism/,
      );
    });

    it.each([
      ['an unknown client', { ...CC, client_id: 'nobody', client_secret: 'app-secret' }, {}],
      ['a wrong secret', { ...CC, client_id: 'app', client_secret: 'wrong' }, {}],
      ['no client authentication', CC, {}],
      ['a client_id without secret', { ...CC, client_id: 'app' }, {}],
      ['a wrong Basic secret', CC, { Authorization: basic('app', 'wrong') }],
      ['a Basic header that is not base64', CC, { Authorization: 'Basic %%%not-base64%%%' }],
      [
        'a Basic header without a colon',
        CC,
        { Authorization: `Basic ${Buffer.from('app').toString('base64')}` },
      ],
    ])('answers 401 invalid_client for %s', async (_case, fields, headers) => {
      const res = await postForm(
        emu.tokenUrl,
        fields as Record<string, string>,
        headers as Record<string, string>,
      );
      expectOAuthError(res, 401, 'invalid_client', OAUTH_ERROR_DESCRIPTIONS.invalid_client);
    });

    it('answers 400 invalid_request when grant_type is missing', async () => {
      const res = await postForm(emu.tokenUrl, BODY_AUTH);
      expectOAuthError(res, 400, 'invalid_request', 'Missing required parameter: grant_type.');
    });

    it('answers a malformed JSON body as Rails does, before Doorkeeper: 400, empty text/html', async () => {
      const res = await send(emu.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"grant_type": ',
      });
      expect(res.status).toBe(400);
      expect(res.text).toBe('');
      expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8');
      expect(res.headers.get('content-length')).toBe('0');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    });

    it('answers 400 unsupported_grant_type for a grant type the server does not know, before client auth', async () => {
      const res = await postForm(emu.tokenUrl, {
        grant_type: 'password',
        client_id: 'x',
        client_secret: 'y',
      });
      expectOAuthError(
        res,
        400,
        'unsupported_grant_type',
        OAUTH_ERROR_DESCRIPTIONS.unsupported_grant_type,
      );
    });

    it('answers 400 invalid_grant for an authorization code or refresh token (the emulator never issues any)', async () => {
      const code = await postForm(emu.tokenUrl, {
        grant_type: 'authorization_code',
        code: 'abc',
        redirect_uri: 'https://partner.example/cb',
        ...BODY_AUTH,
      });
      expectOAuthError(code, 400, 'invalid_grant', OAUTH_ERROR_DESCRIPTIONS.invalid_grant);
      const refresh = await postForm(emu.tokenUrl, {
        grant_type: 'refresh_token',
        refresh_token: 'r',
        ...BODY_AUTH,
      });
      expectOAuthError(refresh, 400, 'invalid_grant');
      const missing = await postForm(emu.tokenUrl, {
        grant_type: 'authorization_code',
        ...BODY_AUTH,
      });
      expectOAuthError(missing, 400, 'invalid_request', 'Missing required parameter: code.');
    });

    it('answers 400 unauthorized_client when the client may not use client_credentials', async () => {
      const res = await postForm(emu.tokenUrl, {
        ...CC,
        client_id: 'codes-only',
        client_secret: 's3cret-codes',
      });
      expectOAuthError(
        res,
        400,
        'unauthorized_client',
        OAUTH_ERROR_DESCRIPTIONS.unauthorized_client,
      );
    });

    it.each([
      ['a scope outside the client’s set', 'prescriptions:read admin'],
      ['an unknown scope', 'nope'],
    ])('answers 400 invalid_scope for %s', async (_case, scope) => {
      const res = await postForm(emu.tokenUrl, { ...CC, ...BODY_AUTH, scope });
      expectOAuthError(res, 400, 'invalid_scope', OAUTH_ERROR_DESCRIPTIONS.invalid_scope);
    });

    it.each([
      ['a tab', 'prescriptions:read\torders:write'],
      ['a newline', 'prescriptions:read\norders:write'],
    ])(
      'splits the scope string on %s as on a space (Doorkeeper checks the rebuilt string)',
      async (_case, scope) => {
        const res = await postForm(emu.tokenUrl, { ...CC, ...BODY_AUTH, scope });
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ scope: 'prescriptions:read orders:write' });
      },
    );

    it('answers 404 to GET (Doorkeeper routes only POST)', async () => {
      const res = await send(emu.tokenUrl);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-request-id')).toBeTruthy();
    });
  });

  describe('default scopes', () => {
    it('grants a client’s defaultScopes when no scope is requested', async () => {
      await start({ clients: [{ ...APP, defaultScopes: ['prescriptions:read'] }] });
      const res = await postForm(emu.tokenUrl, { ...NO_SCOPE, ...BODY_AUTH });
      expect((res.json as { scope: string }).scope).toBe('prescriptions:read');
    });

    it('answers invalid_scope to a scopeless request of a client with scopes and no default (current Doorkeeper)', async () => {
      await start();
      const res = await postForm(emu.tokenUrl, { ...NO_SCOPE, ...BODY_AUTH });
      expectOAuthError(res, 400, 'invalid_scope');
    });

    it('issues a scopeless token instead with the 5.5 profile, or with rejectScopelessRequests off', async () => {
      await start({ doorkeeper: '5.5' });
      const old = await postForm(emu.tokenUrl, { ...NO_SCOPE, ...BODY_AUTH });
      expect(old.status).toBe(200);
      expect(old.json).not.toHaveProperty('scope');
      await emu.stop();
      await start({ rejectScopelessRequests: false });
      const relaxed = await postForm(emu.tokenUrl, { ...NO_SCOPE, ...BODY_AUTH });
      expect(relaxed.status).toBe(200);
      expect(relaxed.json).not.toHaveProperty('scope');
    });

    it('lets a client without scopes request any server scope, and nothing else', async () => {
      await start({
        scopes: ['prescriptions:read', 'orders:write'],
        clients: [{ clientId: 'open', clientSecret: 'open-secret' }],
      });
      const ok = await postForm(emu.tokenUrl, {
        ...CC,
        client_id: 'open',
        client_secret: 'open-secret',
        scope: 'orders:write',
      });
      expect(ok.status).toBe(200);
      const bad = await postForm(emu.tokenUrl, {
        ...CC,
        client_id: 'open',
        client_secret: 'open-secret',
        scope: 'admin',
      });
      expectOAuthError(bad, 400, 'invalid_scope');
    });
  });

  describe('remaining lifetime and token reuse', () => {
    it('reports expires_in as the remaining lifetime and reuses the same token with the original created_at', async () => {
      await start({ tokenReuse: true });
      const first = await tokenResponse('prescriptions:read');
      clock.advanceSeconds(100);
      const second = await tokenResponse('prescriptions:read');
      expect(second.access_token).toBe(first.access_token);
      expect(first.expires_in).toBe(43_200);
      expect(second.expires_in).toBe(43_100);
      expect(second.created_at).toBe(first.created_at);
      expect(emu.issuedTokens()).toHaveLength(1);
      expect(emu.issuedTokens()[0]!.timesIssued).toBe(2);
    });

    it('does not reuse across different scopes, nor an expired token', async () => {
      await start({ tokenReuse: true });
      const read = await tokenResponse('prescriptions:read');
      const write = await tokenResponse('orders:write');
      expect(write.access_token).not.toBe(read.access_token);
      clock.advanceSeconds(43_200);
      const later = await tokenResponse('prescriptions:read');
      expect(later.access_token).not.toBe(read.access_token);
      expect(later.expires_in).toBe(43_200);
      expect(later.created_at).toBe(START / 1000 + 43_200);
    });

    it('matches scopes as a set when reusing', async () => {
      await start({ tokenReuse: true });
      const a = await accessToken('prescriptions:read orders:write');
      expect(await accessToken('orders:write prescriptions:read')).toBe(a);
    });

    it('stops reusing once less than (100 - tokenReuseLimitPercent)% of the lifetime is left', async () => {
      await start({ tokenReuse: true, tokenReuseLimitPercent: 50 });
      const first = await tokenResponse();
      clock.advanceSeconds(21_000); // 22 200 s left, more than half
      const reused = await tokenResponse();
      expect(reused.access_token).toBe(first.access_token);
      clock.advanceSeconds(1_300); // 20 900 s left, less than half
      const fresh = await tokenResponse();
      expect(fresh.access_token).not.toBe(first.access_token);
    });
  });

  describe('revoke previous token', () => {
    async function tokenInfoStatus(token: string): Promise<[number, string | null]> {
      const res = await send(emu.tokenInfoUrl, { headers: { Authorization: `Bearer ${token}` } });
      return [res.status, res.headers.get('www-authenticate')];
    }

    it('revokes the client’s previous token with the same scopes when a new one is issued', async () => {
      await start({ revokePreviousToken: true });
      const t1 = await accessToken('prescriptions:read');
      const other = await accessToken('orders:write');
      const t2 = await accessToken('prescriptions:read');
      // Token info names no reason (one description for all); the revocation list does.
      expect(await tokenInfoStatus(t1)).toEqual([
        401,
        'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
      ]);
      expect((await tokenInfoStatus(t2))[0]).toBe(200);
      expect((await tokenInfoStatus(other))[0]).toBe(200);
      expect(emu.revokedTokens().map((t) => [t.accessToken, t.revocationReason])).toEqual([
        [t1, 'revoke_previous_token'],
      ]);
    });

    it("revokes every previous token of the client in 'allScopes' mode", async () => {
      await start({ revokePreviousToken: 'allScopes' });
      const read = await accessToken('prescriptions:read');
      await postForm(emu.tokenUrl, { ...CC, ...BODY_AUTH, scope: 'orders:write' });
      expect((await tokenInfoStatus(read))[0]).toBe(401);
    });

    it('returns the reused token without revoking it when both switches are on', async () => {
      await start({ revokePreviousToken: true, tokenReuse: true });
      const a = await accessToken();
      const b = await accessToken();
      expect(b).toBe(a);
      expect((await tokenInfoStatus(a))[0]).toBe(200);
    });
  });

  describe('issueToken (programmatic)', () => {
    beforeEach(() => start({ tokenReuse: true }));

    it('follows the HTTP rules and shares the token store', async () => {
      const issued = await emu.issueToken('app', ['prescriptions:read']);
      expect(issued).toEqual({
        access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        token_type: 'Bearer',
        expires_in: 43_200,
        scope: 'prescriptions:read',
        created_at: START / 1000,
      });
      clock.advanceSeconds(10);
      const viaHttp = await tokenResponse('prescriptions:read');
      expect(viaHttp.access_token).toBe(issued.access_token);
      expect(viaHttp.expires_in).toBe(43_190);
    });

    it('throws HoneybeeEmulatorError with the OAuth code', async () => {
      await expect(emu.issueToken('nobody')).rejects.toMatchObject({
        name: 'HoneybeeEmulatorError',
        oauthError: 'invalid_client',
      });
      const error = await emu.issueToken('app', ['admin']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HoneybeeEmulatorError);
      expect((error as HoneybeeEmulatorError).oauthError).toBe('invalid_scope');
    });
  });

  describe('request limits', () => {
    it('answers 413 to a body over maxBodyBytes, without crashing', async () => {
      await start({ maxBodyBytes: 256 });
      const res = await postForm(emu.tokenUrl, { ...CC, ...BODY_AUTH, padding: 'x'.repeat(1000) });
      expect(res.status).toBe(413);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const ok = await postForm(emu.tokenUrl, { ...CC, ...BODY_AUTH });
      expect(ok.status).toBe(200);
    });
  });
});
