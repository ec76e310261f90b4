import { jest } from '@jest/globals';
import { Inject, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  HONEYBEE_CLOCK,
  HONEYBEE_TOKEN_VERIFIER,
  HoneybeeAuthModule,
  ScopesGuard,
} from 'nestjs-honeybee-auth';
import type {
  Clock,
  HoneybeeAuthModuleOptions,
  HoneybeeInboundOptions,
  HoneybeePrincipal,
  TokenVerifier,
} from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import type { Fault } from 'honeybee-emulator';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import {
  PlainController,
  RxController,
  WebhookController,
} from './fixtures/inbound/controllers.js';
import { bearer, call } from './fixtures/inbound/http-call.js';
import type { HttpAnswer } from './fixtures/inbound/http-call.js';
import { PLATFORMS, startApp } from './fixtures/inbound/start-app.js';
import type { PlatformName, TestApp } from './fixtures/inbound/start-app.js';

const REALM = 'test-realm';
const WEBHOOK_SECRET = 'whsec-Honeybee-0123456789';
const SCOPES = ['rx:read', 'rx:write', 'rx:audit', 'admin'];
const LIFETIME_S = 43_200;
const INVALID = 'The access token is invalid, expired or revoked';
const challenge = (error: string, description: string, scope?: string) =>
  `Bearer realm="${REALM}", error="${error}", error_description="${description}"` +
  (scope ? `, scope="${scope}"` : '');

const clock = new FakeClock();
let emu: HoneybeeEmulator;

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clock,
    clients: [
      { clientId: 'partner', clientSecret: 'partner-secret', scopes: SCOPES },
      { clientId: 'me', clientSecret: 'me-secret', scopes: SCOPES },
      { clientId: 'short', clientSecret: 'short-secret', scopes: SCOPES, tokenLifetimeSeconds: 30 },
    ],
  });
});
afterAll(() => emu.stop());

function moduleOptions(
  inbound: HoneybeeInboundOptions = {},
  extra: Partial<HoneybeeAuthModuleOptions> = {},
  server: HoneybeeEmulator = emu,
): HoneybeeAuthModuleOptions {
  return {
    clientId: 'me',
    clientSecret: 'me-secret',
    tokenUrl: server.tokenUrl,
    allowInsecureLoopback: true,
    webhookSecret: WEBHOOK_SECRET,
    ...extra,
    inbound: {
      realm: REALM,
      tokenInfoUrl: server.tokenInfoUrl,
      introspectionUrl: server.introspectionUrl,
      verifyTimeoutMs: 300,
      retryAfterSeconds: 7,
      maxTokenLength: 2048, // an RS256 JWT is ~700 characters
      cache: { maxAgeSeconds: 60, negativeTtlSeconds: 5 },
      ...inbound,
    },
  };
}

describe.each(PLATFORMS)('inbound guards on %s', (platform: PlatformName) => {
  let current: TestApp | undefined;
  /** Every token a test used: none may appear in an answer or a log line. */
  const tokens: string[] = [];

  beforeEach(() => emu.reset());
  afterEach(async () => {
    const logs = current?.logger.lines.join('\n') ?? '';
    for (const t of tokens) expect(logs).not.toContain(t);
    tokens.length = 0;
    await current?.app.close();
    current = undefined;
  });

  const start = async (setup: Omit<Parameters<typeof startApp>[1], 'clock'>) => {
    current = await startApp(platform, { clock, ...setup });
    return current;
  };
  const startDefault = (
    inbound?: HoneybeeInboundOptions,
    extra?: Partial<HoneybeeAuthModuleOptions>,
  ) =>
    start({
      imports: [HoneybeeAuthModule.forRoot(moduleOptions(inbound, extra))],
      controllers: [RxController, PlainController, WebhookController],
    });
  const track = (token: string) => {
    tokens.push(token);
    return token;
  };
  const tokenFor = async (scopes: string[] | undefined, clientId = 'partner', server = emu) =>
    track((await server.issueToken(clientId, scopes)).access_token);

  /** A request to the current app; asserts the answer never echoes a token. */
  async function send(path: string, options: Parameters<typeof call>[1] = {}): Promise<HttpAnswer> {
    const answer = await call(current!.url + path, options);
    for (const t of tokens) {
      expect(answer.text).not.toContain(t);
      expect(JSON.stringify(answer.headers)).not.toContain(t);
    }
    return answer;
  }
  const tokenInfoCalls = () => emu.requests('tokenInfo').length;

  describe('answers (token-info verifier)', () => {
    beforeEach(() => startDefault());

    it('401 with a bare challenge when there is no token', async () => {
      const res = await send('/rx');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`);
      expect(res.json).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Missing Bearer token',
      });
    });

    it('401 with a bare challenge for another scheme (Basic)', async () => {
      const res = await send('/rx', { headers: { authorization: 'Basic cGFydG5lcjpzZWNyZXQ=' } });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`);
    });

    it.each<[string, Record<string, string | string[]>]>([
      ['a malformed token', { authorization: 'Bearer abc,def' }],
      ['an empty token', { authorization: 'Bearer' }],
      ['two tokens', { authorization: 'Bearer abc def' }],
      ['two Authorization headers', { authorization: ['Bearer abc', 'Bearer def'] }],
      ['a token longer than maxTokenLength', { authorization: `Bearer ${'a'.repeat(2049)}` }],
    ])('400 invalid_request for %s, without asking Honeybee', async (_what, headers) => {
      const res = await send('/rx', { headers });
      expect(res.status).toBe(400);
      expect(res.headers['www-authenticate']).toMatch(
        new RegExp(`^Bearer realm="${REALM}", error="invalid_request", error_description="[^"]+"$`),
      );
      expect(res.json).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(tokenInfoCalls()).toBe(0);
    });

    it('401 invalid_token for an unknown token', async () => {
      const res = await send('/rx', { headers: bearer(track('unknown-token-0123456789')) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', INVALID));
      expect(res.json).toEqual({ statusCode: 401, error: 'Unauthorized', message: INVALID });
    });

    it('401 invalid_token for a revoked token', async () => {
      const token = await tokenFor(['rx:read']);
      emu.revokeToken(token);
      const res = await send('/rx', { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', INVALID));
    });

    it('401 invalid_token for an expired token', async () => {
      const token = await tokenFor(['rx:read'], 'short');
      clock.advance(31_000);
      const res = await send('/rx', { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', INVALID));
    });

    it('200 with the principal for a valid token, via @CurrentPrincipal()', async () => {
      const token = await tokenFor(['rx:read']);
      const res = await send('/rx', { headers: bearer(token) });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        principal: {
          clientId: 'partner',
          scopes: ['rx:read'],
          expiresAt: clock.now() + LIFETIME_S * 1000,
          claims: expect.objectContaining({ application: { uid: 'partner' } }),
        },
      });
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('@CurrentPrincipal(property) picks one field', async () => {
      const token = await tokenFor(['rx:read', 'admin']);
      const res = await send('/rx/me', { headers: bearer(token) });
      expect(res.json).toEqual({ clientId: 'partner', scopes: ['admin', 'rx:read'] });
    });

    it('controller and handler scopes both apply (403 insufficient_scope otherwise)', async () => {
      const readOnly = await tokenFor(['rx:read']);
      const writeOnly = await tokenFor(['rx:write']);
      const both = await tokenFor(['rx:read', 'rx:write']);

      const denied = await send('/rx', { method: 'POST', headers: bearer(readOnly) });
      const description = 'Insufficient scope; this route requires all of: rx:read rx:write';
      expect(denied.status).toBe(403);
      expect(denied.headers['www-authenticate']).toBe(
        challenge('insufficient_scope', description, 'rx:read rx:write'),
      );
      expect(denied.json).toEqual({ statusCode: 403, error: 'Forbidden', message: description });

      expect((await send('/rx', { method: 'POST', headers: bearer(writeOnly) })).status).toBe(403);
      const list = await send('/rx', { headers: bearer(writeOnly) });
      expect(list.status).toBe(403);
      expect(list.headers['www-authenticate']).toContain('scope="rx:read"');
      expect((await send('/rx', { method: 'POST', headers: bearer(both) })).status).toBe(201);
    });

    it('any-of groups: one scope of the group is enough, the controller scope still applies', async () => {
      const audit = await tokenFor(['rx:read', 'rx:audit']);
      const admin = await tokenFor(['rx:read', 'admin']);
      const readOnly = await tokenFor(['rx:read']);
      const auditOnly = await tokenFor(['rx:audit']);
      expect((await send('/rx/audit', { headers: bearer(audit) })).status).toBe(200);
      expect((await send('/rx/audit', { headers: bearer(admin) })).status).toBe(200);
      const denied = await send('/rx/audit', { headers: bearer(readOnly) });
      expect(denied.status).toBe(403);
      expect(denied.headers['www-authenticate']).toBe(
        challenge(
          'insufficient_scope',
          'Insufficient scope; this route requires all of: rx:read; and one of: admin rx:audit',
          'admin rx:audit rx:read',
        ),
      );
      expect((await send('/rx/audit', { headers: bearer(auditOnly) })).status).toBe(403);
    });

    it('@Public() lets any request through without verifying anything', async () => {
      expect((await send('/rx/open')).json).toEqual({ open: true, principal: null });
      const res = await send('/rx/open', { headers: bearer(track('garbage-token-000000')) });
      expect(res.status).toBe(200);
      expect(tokenInfoCalls()).toBe(0);
    });

    it('registers no global guard by itself: an undecorated route stays open', async () => {
      expect((await send('/plain')).json).toEqual({ clientId: null });
    });
  });

  describe('verdict cache (token-info verifier)', () => {
    beforeEach(() => startDefault());

    it('verifies a token once for many requests', async () => {
      const token = await tokenFor(['rx:read']);
      for (let i = 0; i < 5; i++) {
        expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      }
      expect(tokenInfoCalls()).toBe(1);
    });

    it('verifies once for concurrent first requests (single flight)', async () => {
      const token = await tokenFor(['rx:read']);
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => send('/rx', { headers: bearer(token) })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      expect(tokenInfoCalls()).toBe(1);
    });

    it('checks scopes on every request, cached or not', async () => {
      const token = await tokenFor(['rx:read']);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      expect((await send('/rx', { method: 'POST', headers: bearer(token) })).status).toBe(403);
      expect(tokenInfoCalls()).toBe(1);
    });

    it('asks again once maxAgeSeconds have passed', async () => {
      const token = await tokenFor(['rx:read']);
      await send('/rx', { headers: bearer(token) });
      clock.advance(59_999);
      await send('/rx', { headers: bearer(token) });
      expect(tokenInfoCalls()).toBe(1);
      clock.advance(1);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      expect(tokenInfoCalls()).toBe(2);
    });

    it('never trusts a verdict beyond the token expiry', async () => {
      const token = await tokenFor(['rx:read'], 'short'); // 30 s < maxAgeSeconds
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      clock.advance(30_000);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(401);
      expect(tokenInfoCalls()).toBe(2);
    });

    it('keeps accepting a revoked token until maxAgeSeconds (documented trade-off)', async () => {
      const token = await tokenFor(['rx:read']);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      emu.revokeToken(token);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      clock.advance(60_000);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(401);
      expect(tokenInfoCalls()).toBe(2);
    });

    it('remembers an invalid token for negativeTtlSeconds', async () => {
      const token = track('not-a-real-token-123456');
      await send('/rx', { headers: bearer(token) });
      await send('/rx', { headers: bearer(token) });
      expect(tokenInfoCalls()).toBe(1);
      clock.advance(5_000);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(401);
      expect(tokenInfoCalls()).toBe(2);
    });
  });

  const faults: [string, Fault][] = [
    ['HTTP 500', { status: 500, body: { error: 'server_error' } }],
    ['HTTP 503 with an HTML page', { status: 503, body: '<html>Bad gateway</html>' }],
    ['429', { rateLimit: { retryAfterSeconds: 1 } }],
    ['a delay beyond verifyTimeoutMs', { delayMs: 2_000 }],
    ['a dropped connection', { dropConnection: true }],
    ['a reset connection', { resetConnection: true }],
    ['a malformed body', { malformedBody: true }],
    ['an oversized body', { oversizedBodyBytes: 100_000 }],
    ['a redirect', { redirect: { location: 'http://127.0.0.1:9/steal' } }],
  ];

  /** 503 + Retry-After while the fault lasts, then 200: unavailability is never cached. */
  async function expectFailClosed(path: string, token: string, endpointCalls: () => number) {
    const res = await send(path, { headers: bearer(token) });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.json).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The access token cannot be verified right now; try again later',
    });
    expect((await send(path, { headers: bearer(token) })).status).toBe(200);
    expect(endpointCalls()).toBe(2);
  }

  describe('fails closed (token-info verifier)', () => {
    beforeEach(() => startDefault());

    it.each(faults)('503 with Retry-After on %s, and recovers', async (_what, fault) => {
      const token = await tokenFor(['rx:read']);
      emu.injectFault('tokenInfo', fault, { times: 1 });
      await expectFailClosed('/rx', token, tokenInfoCalls);
    });

    it.each<[string, unknown]>([
      ['{}', {}],
      ['{"status":"ok"}', { status: 'ok' }],
      ['{"active":false}', { active: false }],
    ])('503 (never a valid token) on a 200 %s, not cached', async (_what, body) => {
      const token = await tokenFor(['rx:read']);
      emu.injectFault('tokenInfo', { status: 200, body }, { times: 1 });
      await expectFailClosed('/rx', token, tokenInfoCalls);
    });

    it('503 when nothing listens at tokenInfoUrl', async () => {
      await current!.app.close();
      await startDefault({ tokenInfoUrl: 'http://127.0.0.1:9/oauth/token/info' });
      const res = await send('/rx', { headers: bearer(await tokenFor(['rx:read'])) });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
    });
  });

  describe('inbound.allowedClientIds (token-info verifier)', () => {
    it('accepts the listed clients, answers any other client’s valid token 401 invalid_token', async () => {
      await startDefault({ allowedClientIds: ['me'] });
      expect(
        (await send('/rx', { headers: bearer(await tokenFor(['rx:read'], 'me')) })).status,
      ).toBe(200);
      const foreign = await send('/rx', {
        headers: bearer(await tokenFor(['rx:read'], 'partner')),
      });
      expect(foreign.status).toBe(401);
      expect(foreign.headers['www-authenticate']).toBe(challenge('invalid_token', INVALID));
      expect(current!.logger.lines.join('\n')).not.toContain('allowedClientIds is not set');
    });

    it('warns at start-up when it is not set', async () => {
      await startDefault();
      expect(
        current!.logger.lines.filter((l) => l.includes('inbound.allowedClientIds is not set')),
      ).toHaveLength(1);
    });
  });

  describe('introspection verifier', () => {
    const introspectCalls = () => emu.requests('introspect').length;

    it('accepts a token of our own application and caches the verdict', async () => {
      await startDefault({ verifier: 'introspection' });
      const token = await tokenFor(['rx:read'], 'me');
      const res = await send('/rx', { headers: bearer(token) });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ principal: { clientId: 'me', scopes: ['rx:read'] } });
      await send('/rx', { headers: bearer(token) });
      expect(introspectCalls()).toBe(1);
      const [req] = emu.requests('introspect');
      expect(req.method).toBe('POST');
      expect(req.authScheme).toBeUndefined(); // client_secret_post: credentials in the body only
      expect(req.body).toMatchObject({ client_id: 'me', token_type_hint: 'access_token' });
    });

    it('authenticates with HTTP Basic only under client_secret_basic', async () => {
      await startDefault(
        { verifier: 'introspection' },
        { clientAuthMethod: 'client_secret_basic' },
      );
      const token = await tokenFor(['rx:read'], 'me');
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      const [req] = emu.requests('introspect');
      expect(req).toMatchObject({ authScheme: 'Basic', basicClientId: 'me' });
      expect(req.body).not.toHaveProperty('client_id');
    });

    it('401 for revoked tokens and, by default, tokens of other applications', async () => {
      await startDefault({ verifier: 'introspection' });
      const revoked = await tokenFor(['rx:read'], 'me');
      emu.revokeToken(revoked);
      const foreign = await tokenFor(['rx:read'], 'partner');
      for (const token of [revoked, foreign]) {
        const res = await send('/rx', { headers: bearer(token) });
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', INVALID));
      }
    });

    it('accepts other applications’ tokens when the server allows it', async () => {
      emu.configure({ introspection: { ownApplicationOnly: false } });
      try {
        await startDefault({ verifier: 'introspection' });
        const res = await send('/rx', { headers: bearer(await tokenFor(['rx:read'])) });
        expect(res.json).toMatchObject({ principal: { clientId: 'partner' } });
      } finally {
        emu.configure({ introspection: { ownApplicationOnly: true } });
      }
    });

    it('503, not 401, when the server refuses our own client credentials', async () => {
      await startDefault({ verifier: 'introspection' }, { clientSecret: 'wrong-secret' });
      const res = await send('/rx', { headers: bearer(await tokenFor(['rx:read'], 'me')) });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      expect(current!.logger.lines.join('\n')).not.toContain('wrong-secret');
    });

    it.each(faults)('503 with Retry-After on %s, and recovers', async (_what, fault) => {
      await startDefault({ verifier: 'introspection' });
      const token = await tokenFor(['rx:read'], 'me');
      emu.injectFault('introspect', fault, { times: 1 });
      await expectFailClosed('/rx', token, introspectCalls);
    });
  });

  describe.each(['RS256', 'ES256'] as const)('jwt verifier (%s)', (algorithm) => {
    let jwtEmu: HoneybeeEmulator;
    const jwksCalls = () => jwtEmu.requests('jwks').length;

    beforeAll(async () => {
      jwtEmu = await HoneybeeEmulator.start({
        clock,
        clients: [{ clientId: 'partner', clientSecret: 'partner-secret', scopes: SCOPES }],
        jwt: { algorithm, audience: 'partner-api' },
      });
    });
    afterAll(() => jwtEmu.stop());
    beforeEach(async () => {
      jwtEmu.reset();
      await start({
        imports: [
          HoneybeeAuthModule.forRoot(
            moduleOptions(
              {
                verifier: 'jwt',
                jwt: {
                  jwksUri: jwtEmu.jwksUri,
                  issuer: jwtEmu.issuer,
                  audience: 'partner-api',
                  algorithms: [algorithm],
                  jwksCooldownMs: 0,
                  jwksTimeoutMs: 300,
                },
              },
              {},
              jwtEmu,
            ),
          ),
        ],
        controllers: [RxController],
      });
    });
    const jwt = (token: Promise<string>) => token.then(track);

    it('accepts an issued JWT, reads its claims, and verifies it once', async () => {
      const verifier = current!.app.get<TokenVerifier>(HONEYBEE_TOKEN_VERIFIER);
      const verify = jest.spyOn(verifier, 'verify');
      const token = await tokenFor(['rx:read', 'rx:write'], 'partner', jwtEmu);
      const res = await send('/rx', { headers: bearer(token) });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        principal: { clientId: 'partner', subject: 'partner', scopes: ['rx:read', 'rx:write'] },
      });
      expect((await send('/rx', { method: 'POST', headers: bearer(token) })).status).toBe(201);
      expect(verify).toHaveBeenCalledTimes(1); // the JWT verdict is cached like any other
      expect(jwksCalls()).toBe(1);
    });

    it('403 insufficient_scope from a JWT scope claim, and reads an scp array', async () => {
      const token = await jwt(jwtEmu.signJwt({ aud: 'partner-api', scp: ['rx:read'] }));
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      const denied = await send('/rx', { method: 'POST', headers: bearer(token) });
      expect(denied.status).toBe(403);
      expect(denied.headers['www-authenticate']).toContain('error="insufficient_scope"');
    });

    it.each<[string, () => Promise<string>]>([
      [
        'expired',
        () => jwtEmu.signJwt({ aud: 'partner-api', scope: 'rx:read' }, { expiresInSeconds: -60 }),
      ],
      ['for another audience', () => jwtEmu.signJwt({ aud: 'someone-else', scope: 'rx:read' })],
      [
        'from another issuer',
        () => jwtEmu.signJwt({ aud: 'partner-api', iss: 'https://evil.test' }),
      ],
      ['signed by a foreign key', () => jwtEmu.signJwt({ aud: 'partner-api' }, { key: 'foreign' })],
      ['unsecured (alg none)', () => jwtEmu.signJwt({ aud: 'partner-api' }, { unsecured: true })],
      [
        'with a scope claim of the wrong type',
        () => jwtEmu.signJwt({ aud: 'partner-api', scope: 7 as never }),
      ],
    ])('401 invalid_token for a JWT %s', async (_what, make) => {
      const res = await send('/rx', { headers: bearer(await jwt(make())) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', INVALID));
    });

    it('follows a key rotation by fetching the JWKS again', async () => {
      const first = await tokenFor(['rx:read'], 'partner', jwtEmu);
      expect((await send('/rx', { headers: bearer(first) })).status).toBe(200);
      await jwtEmu.rotateKeys({ dropPrevious: true });
      const second = await tokenFor(['rx:read'], 'partner', jwtEmu);
      expect((await send('/rx', { headers: bearer(second) })).status).toBe(200);
      expect(jwksCalls()).toBe(2);
    });

    it.each(faults.filter(([what]) => what !== '429'))(
      '503 with Retry-After when the JWKS fails with %s, and recovers',
      async (_what, fault) => {
        const token = await tokenFor(['rx:read'], 'partner', jwtEmu);
        jwtEmu.injectFault('jwks', fault, { times: 1 });
        await expectFailClosed('/rx', token, jwksCalls);
      },
    );
  });

  describe('global guard (APP_GUARD registered by the app)', () => {
    beforeEach(() =>
      start({
        imports: [HoneybeeAuthModule.forRoot(moduleOptions())],
        controllers: [PlainController, RxController, WebhookController],
        providers: [{ provide: APP_GUARD, useClass: ScopesGuard }],
      }),
    );

    it('requires a valid token on a route that names no scope', async () => {
      const res = await send('/plain');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`);
      const bad = await send('/plain', { headers: bearer(track('nope-nope-nope-nope')) });
      expect(bad.status).toBe(401);
      const token = await tokenFor(['rx:read']);
      expect((await send('/plain', { headers: bearer(token) })).json).toEqual({
        clientId: 'partner',
      });
    });

    it('leaves @Public() routes open, webhooks included', async () => {
      expect((await send('/plain/open')).status).toBe(200);
      expect((await send('/rx/open')).status).toBe(200);
      const status = await emu.sendWebhook(`${current!.url}/webhooks/honeybee`, {
        secret: WEBHOOK_SECRET,
        event: { event_type: 'RX_RECEIVED', patient_id: 'p_1' },
      });
      expect(status).toBe(200);
    });

    it('still enforces scopes, with one verification for the global and the route guard', async () => {
      const token = await tokenFor(['rx:read']);
      expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
      expect((await send('/rx', { method: 'POST', headers: bearer(token) })).status).toBe(403);
      expect(tokenInfoCalls()).toBe(1);
    });
  });

  it('verifies once per request with a global and a route guard, even without a cache', async () => {
    await start({
      imports: [HoneybeeAuthModule.forRoot(moduleOptions({ cache: { maxAgeSeconds: 0 } }))],
      controllers: [RxController],
      providers: [{ provide: APP_GUARD, useClass: ScopesGuard }],
    });
    const token = await tokenFor(['rx:read']);
    expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
    expect(tokenInfoCalls()).toBe(1);
    expect((await send('/rx', { headers: bearer(token) })).status).toBe(200);
    expect(tokenInfoCalls()).toBe(2); // no cache: every request asks
  });

  describe('HoneybeeWebhookGuard', () => {
    const event = { event_type: 'RX_RECEIVED', patient_id: 'p_1' };

    it('accepts the right X-Honeybee-Secret', async () => {
      await startDefault();
      const delivery = await emu.deliverWebhook(`${current!.url}/webhooks/honeybee`, {
        secret: WEBHOOK_SECRET,
        event,
      });
      expect(delivery.status).toBe(200);
      expect(JSON.parse(delivery.body)).toEqual({ received: 'RX_RECEIVED' });
    });

    it.each([
      ['a wrong secret', { 'x-honeybee-secret': 'whsec-Honeybee-0123456780' }],
      ['a shorter secret', { 'x-honeybee-secret': 'whsec' }],
      ['no secret', {}],
      ['the secret twice', { 'x-honeybee-secret': [WEBHOOK_SECRET, WEBHOOK_SECRET] }],
    ])('401 for %s', async (_what, headers) => {
      await startDefault();
      const res = await send('/webhooks/honeybee', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(res.text).not.toContain(WEBHOOK_SECRET);
    });

    it('503 (fail closed) and an error at start-up when webhookSecret is not configured', async () => {
      await startDefault({}, { webhookSecret: undefined });
      expect(current!.logger.lines.join('\n')).toMatch(/no webhookSecret/);
      const status = await emu.sendWebhook(`${current!.url}/webhooks/honeybee`, {
        secret: WEBHOOK_SECRET,
        event,
      });
      expect(status).toBe(503);
    });
  });

  describe('custom verifier through DI', () => {
    @Injectable()
    class AllowList {
      readonly tokens = new Map([['let-me-in-0000', ['rx:read']]]);
    }
    @Module({ providers: [AllowList], exports: [AllowList] })
    class AllowListModule {}

    /** Registered by forRoot as a provider: gets the module's clock from DI. */
    @Injectable()
    class StaticVerifier implements TokenVerifier {
      constructor(@Inject(HONEYBEE_CLOCK) private readonly clock: Clock) {}
      async verify(token: string): Promise<HoneybeePrincipal | null> {
        if (token === 'broken-verifier') throw new Error('database is down');
        if (token !== 'let-me-in-0000') return null;
        return { clientId: 'static', scopes: ['rx:read'], expiresAt: this.clock.now() + 60_000 };
      }
    }

    /** Created in forRootAsync's context: gets AllowList from the module given in `imports`. */
    @Injectable()
    class AllowListVerifier implements TokenVerifier {
      constructor(private readonly allowList: AllowList) {}
      async verify(token: string): Promise<HoneybeePrincipal | null> {
        const scopes = this.allowList.tokens.get(token);
        return scopes ? { clientId: 'allow-list', scopes } : null;
      }
    }

    it('forRoot registers the class as a provider; its errors are 503, never 500', async () => {
      await startDefault({ verifier: StaticVerifier });
      const ok = await send('/rx', { headers: bearer('let-me-in-0000') });
      expect(ok.json).toMatchObject({ principal: { clientId: 'static', scopes: ['rx:read'] } });
      expect((await send('/rx', { headers: bearer('someone-else') })).status).toBe(401);
      const broken = await send('/rx', { headers: bearer('broken-verifier') });
      expect(broken.status).toBe(503);
      expect(broken.headers['retry-after']).toBe('7');
      expect(emu.requests()).toHaveLength(0);
    });

    it('forRootAsync creates the class with dependencies from its imports', async () => {
      await start({
        imports: [
          HoneybeeAuthModule.forRootAsync({
            imports: [AllowListModule],
            useFactory: () => moduleOptions({ verifier: AllowListVerifier }),
          }),
        ],
        controllers: [RxController],
      });
      const ok = await send('/rx', { headers: bearer('let-me-in-0000') });
      expect(ok.json).toMatchObject({ principal: { clientId: 'allow-list' } });
      expect((await send('/rx', { headers: bearer('other-token') })).status).toBe(401);
    });

    it('HONEYBEE_TOKEN_VERIFIER can be overridden in a testing module', async () => {
      await start({
        imports: [HoneybeeAuthModule.forRoot(moduleOptions())],
        controllers: [RxController],
        override: (b) =>
          b.overrideProvider(HONEYBEE_TOKEN_VERIFIER).useValue({
            verify: async (t: string) =>
              t === 'fake-token' ? { clientId: 'fake', scopes: ['rx:read'] } : null,
          }),
      });
      expect((await send('/rx', { headers: bearer('fake-token') })).status).toBe(200);
      expect(emu.requests()).toHaveLength(0);
    });
  });

  describe('token in the query or the body (RFC 6750 §2.2, §2.3)', () => {
    it('ignores ?access_token= unless allowTokenInQuery', async () => {
      await startDefault();
      const token = await tokenFor(['rx:read']);
      const res = await send(`/rx?access_token=${token}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`);
    });

    it('accepts ?access_token= with allowTokenInQuery, but not together with a header', async () => {
      await startDefault({ allowTokenInQuery: true });
      const token = await tokenFor(['rx:read']);
      expect((await send(`/rx?access_token=${encodeURIComponent(token)}`)).status).toBe(200);
      const both = await send(`/rx?access_token=${token}`, { headers: bearer(token) });
      expect(both.status).toBe(400);
      expect(both.headers['www-authenticate']).toContain('error="invalid_request"');
    });

    it('accepts a form-encoded access_token with allowTokenInBody', async () => {
      await startDefault({ allowTokenInBody: true });
      const token = await tokenFor(['rx:read']);
      const res = await send('/rx/search', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: token, q: 'x' }).toString(),
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ clientId: 'partner' });
    });

    it('ignores a body token unless allowTokenInBody', async () => {
      await startDefault();
      const token = await tokenFor(['rx:read']);
      const res = await send('/rx/search', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: token }).toString(),
      });
      expect(res.status).toBe(401);
    });
  });
});
