import { Injectable } from '@nestjs/common';
import type {
  HoneybeeAuthModuleOptions,
  HoneybeePrincipal,
  TokenVerifier,
} from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { adversarialRun } from './support/adversarial-run.js';
import { PLATFORMS, REALM, startGuardedApp } from './support/guarded-app.js';
import type { GuardedApp, Platform } from './support/guarded-app.js';
import { httpCall } from './support/http.js';
import { leakScanner } from './support/leak-scanner.js';

/**
 * `inbound.allowedClientIds` on every verifier, Express and Fastify: a genuine, valid token
 * issued to a client that is not listed (another partner of the same authorization server, or
 * a leaked token of one of ours) is answered 401 `invalid_token` exactly like an invalid one,
 * on a route that needs only a valid token and on a scoped one; a listed client's token opens
 * them. The emulator (JWT mode, so the same tokens serve token-info, introspection and the
 * JWKS) lets any client introspect any token here, as a permissive Doorkeeper would: the
 * refusal must come from the allow-list, not from the server.
 *
 * 401 rather than 403: the token is not one this service accepts at all (RFC 6750 §3.1
 * `invalid_token`, "invalid for other reasons", like a JWT for another audience); a 403 would
 * tell its holder that it is a valid token here, only short of a scope. A start-up warning
 * names the option whenever token-info or jwt runs without it.
 */
const run = adversarialRun('allowed-clients');

const SERVICE = 'ac-service';
const SERVICE_SECRET = 'ac-service-secret-4e5f6a7b8c9d0e1f2a3b';
const CALLER = 'ac-caller';
const OTHER = 'ac-other-partner';
const INVALID = `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is invalid, expired or revoked"`;

const clock = new FakeClock();
let emu: HoneybeeEmulator;

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clock,
    jwt: { algorithm: 'ES256' },
    introspection: { ownApplicationOnly: false },
    clients: [
      { clientId: SERVICE, clientSecret: SERVICE_SECRET, scopes: ['rx:read'] },
      { clientId: CALLER, clientSecret: 'ac-caller-secret-0a1b2c3d4e5f', scopes: ['rx:read'] },
      {
        clientId: OTHER,
        clientSecret: 'ac-other-secret-6f7a8b9c0d1e',
        scopes: ['rx:read', 'admin'],
      },
    ],
  });
  leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(SERVICE, SERVICE_SECRET);
});
afterAll(() => emu.stop());

/** A custom verifier that trusts the emulator's token info and reports the client it names. */
@Injectable()
class EmulatorBackedVerifier implements TokenVerifier {
  async verify(token: string): Promise<HoneybeePrincipal | null> {
    const issued = emu.issuedTokens().find((t) => t.accessToken === token);
    return issued ? { clientId: issued.clientId, scopes: [...issued.scopes] } : null;
  }
}

type Verifier = 'token-info' | 'introspection' | 'jwt' | 'custom';

function options(verifier: Verifier, allowedClientIds?: string[]): HoneybeeAuthModuleOptions {
  return {
    clientId: SERVICE,
    clientSecret: SERVICE_SECRET,
    tokenUrl: emu.tokenUrl,
    allowInsecureLoopback: true,
    inbound: {
      verifier: verifier === 'custom' ? EmulatorBackedVerifier : verifier,
      allowedClientIds,
      tokenInfoUrl: emu.tokenInfoUrl,
      introspectionUrl: emu.introspectionUrl,
      jwt: {
        jwksUri: emu.jwksUri,
        issuer: emu.issuer,
        audience: 'honeybee-partners',
        algorithms: ['ES256'],
      },
      realm: REALM,
    },
  };
}

describe.each(PLATFORMS)('inbound.allowedClientIds on %s', (platform: Platform) => {
  describe.each<Verifier>(['token-info', 'introspection', 'jwt', 'custom'])('%s', (verifier) => {
    let app: GuardedApp;
    beforeAll(async () => {
      app = await startGuardedApp(platform, {
        clock,
        logger: run.logger,
        options: options(verifier, [CALLER]),
      });
    });
    afterAll(() => app.close());

    const get = (path: string, token: string) =>
      httpCall(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    it('a listed client’s token opens the routes', async () => {
      const token = (await emu.issueToken(CALLER, ['rx:read'])).access_token;
      expect((await get('/me', token)).json).toEqual({ me: true, clientId: CALLER });
      expect((await get('/rx', token)).json).toEqual({ rx: true, clientId: CALLER });
    });

    it('another client’s valid token → 401 invalid_token, on every route, every time', async () => {
      const token = (await emu.issueToken(OTHER, ['rx:read', 'admin'])).access_token;
      for (const path of ['/me', '/rx', '/admin', '/me']) {
        const res = await get(path, token);
        expect({ status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
          status: 401,
          challenge: INVALID,
        });
        run.attackRejected();
      }
    });
  });

  describe('the start-up warning', () => {
    const warnings = async (verifier: Verifier, allowed?: string[]) => {
      const from = run.logger.lines.length;
      const app = await startGuardedApp(platform, {
        clock,
        logger: run.logger,
        options: options(verifier, allowed),
      });
      await app.close();
      return run.logger.lines
        .slice(from)
        .filter((line) => line.includes('inbound.allowedClientIds is not set'));
    };

    it.each<Verifier>(['token-info', 'jwt'])(
      'is logged once when %s runs without it',
      async (v) => {
        const lines = await warnings(v);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^warn .*accepts a valid token of ANY client/);
      },
    );

    it.each<[Verifier, string[] | undefined]>([
      ['token-info', [CALLER]],
      ['jwt', [CALLER]],
      ['introspection', undefined],
      ['custom', undefined],
    ])('is not logged for %s with allowedClientIds %j', async (v, allowed) => {
      expect(await warnings(v, allowed)).toEqual([]);
    });
  });
});
