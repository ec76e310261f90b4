import { HoneybeeEmulator, htmlProxyErrorFault } from 'honeybee-emulator';
import type { Fault, FaultEndpoint } from 'honeybee-emulator';
import { FakeClock } from '../fixtures/fake-clock.js';
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
