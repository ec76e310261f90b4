import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { HoneybeePrincipal, TokenVerifier } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator, htmlProxyErrorFault } from 'honeybee-emulator';
import type { Fault, FaultEndpoint } from 'honeybee-emulator';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { adversarialRun } from './support/adversarial-run.js';
import { AttackerServer } from './support/attacker-server.js';
import { PLATFORMS, REALM, startGuardedApp } from './support/guarded-app.js';
import type { GuardedApp, Platform } from './support/guarded-app.js';
import { httpCall } from './support/http.js';
import { leakScanner } from './support/leak-scanner.js';
import { SwitchableProxy } from './support/switchable-proxy.js';

/**
 * Verifier faults on Express and Fastify for each built-in verifier (`token-info`,
 * `introspection`, and `jwt`'s JWKS): the endpoint down, slower than the timeout, 5xx, 429,
 * HTML, garbage, a wrong shape, a dropped or reset connection, a redirect (to a server that
 * must never see the token), 10 MB. Each time: 503 with `Retry-After`, the same again on a
 * second try ("unavailable" is never cached), then, once the fault is gone, the *same* app
 * instance answers 200 for the same token.
 *
 * The verifier URLs go through a TCP relay that can be switched off ("down") while the
 * emulator (its tokens and keys) keeps running.
 *
 * Then answers that are well-formed JSON but not what the protocol defines (`{}`,
 * `{"status":"ok"}`, a gateway's `{"error":…}`, an introspection answer at the token-info URL,
 * `{"active":true}` without a scope, a custom verifier's malformed principal): each is "cannot
 * verify", 503 with `Retry-After`, never cached, never a principal without scopes that would
 * open a route needing only a valid token.
 */
const run = adversarialRun('verifier-faults');

const APP_ID = 'vf-app';
const APP_SECRET = 'vf-app-secret-2d3e4f5a6b7c8d9e0f1a';
const RETRY_AFTER = 7;
const VERIFY_TIMEOUT_MS = 400;
const JWKS_TIMEOUT_MS = 250;

const clock = new FakeClock();
let emu: HoneybeeEmulator;
let proxy: SwitchableProxy;
let attacker: AttackerServer;

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clock,
    // JWT mode: the same tokens are then checked by token-info, introspection and the JWKS.
    jwt: { algorithm: 'ES256' },
    clients: [{ clientId: APP_ID, clientSecret: APP_SECRET, scopes: ['rx:read'] }],
  });
  leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(APP_ID, APP_SECRET);
  proxy = await SwitchableProxy.start(emu.port);
  attacker = await AttackerServer.start();
});
afterAll(async () => {
  await proxy.down();
  await Promise.all([emu.stop(), attacker.stop()]);
});

type VerifierName = 'token-info' | 'introspection' | 'jwt';
const ENDPOINT: Record<VerifierName, FaultEndpoint> = {
  'token-info': 'tokenInfo',
  introspection: 'introspect',
  jwt: 'jwks',
};
/** A 200 whose JSON is not what the verifier needs. */
const WRONG_SHAPE: Record<VerifierName, unknown> = {
  'token-info': { scope: 5, expires_in: 'soon' },
  introspection: { active: 'yes' },
  jwt: { keys: 'none' },
};

type Scenario = [string, 'down' | ((v: VerifierName) => Fault)];
const scenarios: Scenario[] = [
  ['down (connection refused)', 'down'],
  [`slower than the timeout (2 s delay)`, () => ({ delayMs: 2000 })],
  ['500 without a body', () => ({ status: 500 })],
  ['502 HTML proxy page', () => htmlProxyErrorFault(502)],
  ['503 with Retry-After', () => ({ status: 503, headers: { 'Retry-After': '30' } })],
  ['429 rate limited', () => ({ rateLimit: { retryAfterSeconds: 30 } })],
  ['200 with a malformed JSON body', () => ({ malformedBody: true })],
  [
    '200 with an HTML page',
    () => ({
      status: 200,
      body: '<html>maintenance</html>',
      headers: { 'Content-Type': 'text/html' },
    }),
  ],
  ['200 with JSON of the wrong shape', (v) => ({ status: 200, body: WRONG_SHAPE[v] })],
  ['connection dropped mid-body', () => ({ dropConnection: true })],
  ['connection reset', () => ({ resetConnection: true })],
  [
    'a redirect to another host',
    () => ({ redirect: { location: `${attacker.url}/steal`, status: 307 } }),
  ],
  ['a 10 MB body', () => ({ oversizedBodyBytes: 10 * 1024 * 1024 })],
];

describe.each(PLATFORMS)('verifier faults on %s', (platform: Platform) => {
  describe.each<VerifierName>(['token-info', 'introspection', 'jwt'])('%s', (verifier) => {
    let app: GuardedApp;

    beforeAll(async () => {
      app = await startGuardedApp(platform, {
        clock,
        logger: run.logger,
        options: {
          clientId: APP_ID,
          clientSecret: APP_SECRET,
          tokenUrl: emu.tokenUrl,
          allowInsecureLoopback: true,
          inbound: {
            verifier,
            tokenInfoUrl: `${proxy.url}/oauth/token/info`,
            introspectionUrl: `${proxy.url}/oauth/introspect`,
            jwt: {
              jwksUri: `${proxy.url}/oauth/discovery/keys`,
              issuer: emu.issuer,
              audience: 'honeybee-partners',
              algorithms: ['ES256'],
              // 0: a new kid refetches at once, so each scenario's rotated key is a fetch.
              jwksCooldownMs: 0,
              jwksTimeoutMs: JWKS_TIMEOUT_MS,
            },
            realm: REALM,
            verifyTimeoutMs: VERIFY_TIMEOUT_MS,
            retryAfterSeconds: RETRY_AFTER,
          },
        },
      });
    });
    afterAll(() => app.close());
    afterEach(async () => {
      emu.clearFaults();
      await proxy.up();
      attacker.clear();
    });

    /** A token the app has never seen (for jwt: signed by a key it has never fetched). */
    async function freshToken(): Promise<string> {
      if (verifier === 'jwt') await emu.rotateKeys();
      return (await emu.issueToken(APP_ID, ['rx:read'])).access_token;
    }
    const get = (token: string) =>
      httpCall(`${app.url}/rx`, { headers: { authorization: `Bearer ${token}` } });

    it('baseline: a fresh token is accepted', async () => {
      expect((await get(await freshToken())).status).toBe(200);
    });

    it.each(scenarios)(
      '%s → 503 + Retry-After, then 200 on the same instance',
      async (_name, fault) => {
        const token = await freshToken();
        const endpoint = ENDPOINT[verifier];
        if (fault === 'down') await proxy.down();
        else emu.injectFault(endpoint, fault(verifier));

        const seenBefore = emu.requests(endpoint).length;
        for (let attempt = 0; attempt < 2; attempt++) {
          const res = await get(token);
          expect({
            status: res.status,
            retryAfter: res.headers['retry-after'],
            body: res.json,
            challenge: res.headers['www-authenticate'],
          }).toEqual({
            status: 503,
            retryAfter: String(RETRY_AFTER),
            body: { statusCode: 503, error: 'Service Unavailable', message: expect.any(String) },
            challenge: undefined,
          });
        }
        // "Unavailable" is not cached: the second request asked again.
        if (fault !== 'down') expect(emu.requests(endpoint).length - seenBefore).toBe(2);
        // A redirect is never followed: the token stays with the verifier.
        expect(attacker.requests).toHaveLength(0);
        expect(attacker.rawText()).toBe('');

        if (fault === 'down') await proxy.up();
        else emu.clearFaults(endpoint);
        const recovered = await get(token);
        expect(recovered.status).toBe(200);
        expect(recovered.json).toEqual({ rx: true, clientId: APP_ID });
        run.faultSurvived();
      },
    );
  });
});

/** A 200 JSON answer of the token-info URL that is not Doorkeeper's token info. */
const NOT_TOKEN_INFO: [string, unknown][] = [
  ['{}', {}],
  ['{"status":"ok"}', { status: 'ok' }],
  ['a gateway error', { error: 'upstream_timeout' }],
  ['an introspection answer {"active":false}', { active: false }],
  [
    'an introspection answer {"active":true}',
    { active: true, scope: 'rx:read', client_id: APP_ID },
  ],
  ['scope without application', { scope: ['rx:read'], expires_in: 60, created_at: 1 }],
  [
    'scope as a string',
    { scope: 'rx:read', expires_in: 60, application: { uid: APP_ID }, created_at: 1 },
  ],
  [
    'application.uid a number',
    { scope: [], expires_in: 60, application: { uid: 1 }, created_at: 1 },
  ],
  ['no created_at', { scope: [], expires_in: 60, application: { uid: APP_ID } }],
];
/** A 200 JSON answer of the introspection URL that is not an RFC 7662 answer. */
const NOT_INTROSPECTION: [string, unknown][] = [
  ['{}', {}],
  ['{"status":"ok"}', { status: 'ok' }],
  ['a gateway error', { error: 'upstream_timeout' }],
  ['{"active":true} without a scope', { active: true }],
  ['{"active":"true"}', { active: 'true', scope: 'rx:read' }],
  ['{"active":1}', { active: 1, scope: 'rx:read' }],
  ['a scope array', { active: true, scope: ['rx:read'] }],
  [
    'a token-info answer',
    { scope: ['rx:read'], expires_in: 60, application: { uid: APP_ID }, created_at: 1 },
  ],
];

/** What the custom verifier below answers next. */
let customAnswer: () => unknown = () => null;

/** A custom verifier whose (possibly malformed) answer each test sets. */
@Injectable()
class ScriptedVerifier implements TokenVerifier {
  verify(): Promise<HoneybeePrincipal | null> {
    return Promise.resolve(customAnswer() as HoneybeePrincipal | null);
  }
}

describe.each(PLATFORMS)('answers a verifier does not recognise, on %s', (platform: Platform) => {
  const options = (verifier: 'token-info' | 'introspection' | typeof ScriptedVerifier) => ({
    clientId: APP_ID,
    clientSecret: APP_SECRET,
    tokenUrl: emu.tokenUrl,
    allowInsecureLoopback: true,
    inbound: {
      verifier,
      tokenInfoUrl: emu.tokenInfoUrl,
      introspectionUrl: emu.introspectionUrl,
      realm: REALM,
      verifyTimeoutMs: VERIFY_TIMEOUT_MS,
      retryAfterSeconds: RETRY_AFTER,
    },
  });
  const me = (app: GuardedApp, token: string) =>
    httpCall(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
  const expect503 = (res: Awaited<ReturnType<typeof me>>) =>
    expect({ status: res.status, retryAfter: res.headers['retry-after'] }).toEqual({
      status: 503,
      retryAfter: String(RETRY_AFTER),
    });

  const start = (verifier: Parameters<typeof options>[0]) =>
    startGuardedApp(platform, { clock, logger: run.logger, options: options(verifier) });

  describe.each([
    ['token-info', 'tokenInfo', NOT_TOKEN_INFO],
    ['introspection', 'introspect', NOT_INTROSPECTION],
  ] as const)('%s', (verifier, endpoint, answers) => {
    let app: GuardedApp;
    beforeAll(async () => {
      app = await start(verifier);
    });
    afterAll(() => app.close());
    afterEach(() => emu.clearFaults());

    it.each(answers)(
      '200 %s → 503 + Retry-After on a route needing only a valid token, never cached',
      async (_name, body) => {
        const token = (await emu.issueToken(APP_ID, ['rx:read'])).access_token;
        // Junk that no server knows: before the fix, any of these answers made it a valid token.
        const junk = `junk-${randomBytes(12).toString('base64url')}`;
        emu.injectFault(endpoint, { status: 200, body });
        const seenBefore = emu.requests(endpoint).length;
        for (const t of [junk, junk, token]) expect503(await me(app, t));
        expect(emu.requests(endpoint).length - seenBefore).toBe(3);
        emu.clearFaults(endpoint);
        expect((await me(app, token)).json).toEqual({ me: true, clientId: APP_ID });
        expect((await me(app, junk)).status).toBe(401);
        run.attackRejected(2);
        run.faultSurvived();
      },
    );
  });

  it('introspection {"active":false} is an invalid token: 401 invalid_token', async () => {
    const app = await start('introspection');
    try {
      emu.injectFault('introspect', { status: 200, body: { active: false } });
      const token = (await emu.issueToken(APP_ID, ['rx:read'])).access_token;
      const res = await me(app, token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      run.attackRejected();
    } finally {
      emu.clearFaults();
      await app.close();
    }
  });

  describe('a custom verifier', () => {
    let app: GuardedApp;
    beforeAll(async () => {
      app = await start(ScriptedVerifier);
    });
    afterAll(() => app.close());

    it.each<[string, unknown]>([
      ['undefined', undefined],
      ['true', true],
      ['"ok"', 'ok'],
      ['{}', {}],
      ['an array', []],
      ['scopes as a string', { scopes: 'rx:read' }],
      ['a numeric clientId', { scopes: ['rx:read'], clientId: 42 }],
      ['an empty clientId', { scopes: [], clientId: '' }],
      ['a numeric subject', { scopes: [], subject: 42 }],
      ['expiresAt as a string', { scopes: [], expiresAt: 'never' }],
      ['claims as a string', { scopes: [], claims: 'all' }],
      ['a scope with a space', { scopes: ['rx:read admin'] }],
    ])('a malformed principal (%s) → 503 + Retry-After, never cached', async (_name, answer) => {
      let calls = 0;
      customAnswer = () => {
        calls += 1;
        return answer;
      };
      const token = `custom-${randomBytes(12).toString('base64url')}`;
      expect503(await me(app, token));
      expect503(await me(app, token));
      expect(calls).toBe(2);
      customAnswer = () => ({ scopes: ['rx:read'], clientId: 'custom-client' });
      expect((await me(app, token)).json).toEqual({ me: true, clientId: 'custom-client' });
      run.attackRejected(2);
      run.faultSurvived();
    });
  });
});
