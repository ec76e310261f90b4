import { Controller, Get, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import {
  HONEYBEE_CLOCK,
  HoneybeeAuthModule,
  HoneybeeConfigError,
  HoneybeeWebhookGuard,
  Public,
  RequireScopes,
  ScopesGuard,
} from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { adversarialRun } from './support/adversarial-run.js';
import { PLATFORMS, REALM } from './support/guarded-app.js';
import type { Platform } from './support/guarded-app.js';
import { httpCall } from './support/http.js';
import { leakScanner } from './support/leak-scanner.js';

/**
 * How the guards are put together, on Express and Fastify:
 *
 * - Two `HoneybeeAuthModule` configurations in one application: a global `ScopesGuard` of
 *   configuration A and a route-level `ScopesGuard` of configuration B. B must decide for
 *   itself: A's verdict on the request is never reused by B (B's verifier knows nothing of the
 *   token: 401), while a second guard of A reuses A's (one verification).
 * - `@Public()` and inheritance: a controller that extends a `@Public()` base controller is
 *   **not** public (its new handlers need a token); a handler marked `@Public()` on a base
 *   class stays public where it is inherited unchanged, and not where it is overridden.
 * - `webhookSecret` that could never match (surrounding whitespace, shorter than 16
 *   characters): `HoneybeeConfigError` at start-up, naming the field.
 */
const run = adversarialRun('guard-configuration');

const APP_ID = 'gc-app';
const APP_SECRET = 'gc-app-secret-7b8c9d0e1f2a3b4c5d6e';
const WEBHOOK_SECRET = 'whsec-gc-0a1b2c3d4e5f6a7b';

const clock = new FakeClock();
/** Configuration A's authorization server: it issued the tokens. */
let issuer: HoneybeeEmulator;
/** Configuration B's authorization server: it knows none of them. */
let stranger: HoneybeeEmulator;

beforeAll(async () => {
  issuer = await HoneybeeEmulator.start({
    clock,
    clients: [{ clientId: APP_ID, clientSecret: APP_SECRET, scopes: ['rx:read', 'admin'] }],
  });
  stranger = await HoneybeeEmulator.start({
    clock,
    clients: [{ clientId: APP_ID, clientSecret: APP_SECRET, scopes: ['rx:read'] }],
  });
  for (const emu of [issuer, stranger]) leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(APP_ID, APP_SECRET);
  leakScanner.watchSecret(WEBHOOK_SECRET, 'webhook secret');
});
afterAll(() => Promise.all([issuer.stop(), stranger.stop()]));

const optionsFor = (
  emu: HoneybeeEmulator,
  over: Partial<HoneybeeAuthModuleOptions> = {},
  realmSuffix?: string,
): HoneybeeAuthModuleOptions => ({
  clientId: APP_ID,
  clientSecret: APP_SECRET,
  tokenUrl: emu.tokenUrl,
  allowInsecureLoopback: true,
  ...over,
  inbound: {
    verifier: 'token-info',
    tokenInfoUrl: emu.tokenInfoUrl,
    realm: realmSuffix ? `${REALM}-${realmSuffix}` : REALM,
  },
});

// ---- two configurations ----------------------------------------------------------------------

/** Guarded by the global guard (A) and, per route, by a guard resolved in this module (B). */
@Controller('b')
@UseGuards(ScopesGuard)
class GuardedByB {
  @Get()
  get() {
    return { b: true };
  }
}
/** Guarded by the global guard (A) and, per route, by a second guard of A. */
@Controller('a')
@UseGuards(ScopesGuard)
class GuardedByA {
  @Get()
  get() {
    return { a: true };
  }
}
/**
 * The application: configuration A (the issuer's token-info) with the global guard, and a
 * feature module with configuration B (a server that knows none of the tokens). Built once
 * the emulators run: `forRoot` reads its options when it is called.
 */
function twoConfigurations(): Type<unknown> {
  @Module({
    imports: [HoneybeeAuthModule.forRoot(optionsFor(stranger, {}, 'b'))],
    controllers: [GuardedByB],
  })
  class ModuleB {}

  @Module({
    imports: [HoneybeeAuthModule.forRoot(optionsFor(issuer, {}, 'a')), ModuleB],
    controllers: [GuardedByA],
    providers: [{ provide: APP_GUARD, useClass: ScopesGuard }],
  })
  class RootModuleA {}
  return RootModuleA;
}

// ---- @Public() and inheritance -----------------------------------------------------------------

@Public()
class PublicBase {
  @Get('status')
  status() {
    return { status: 'up' };
  }
}
@Controller('admin')
class AdminExtendsPublic extends PublicBase {
  @Get('users')
  users() {
    return { users: ['alice'] };
  }
}

class BaseWithPublicHandlers {
  @Get('ping')
  @Public()
  ping() {
    return { pong: true };
  }

  @Get('version')
  @Public()
  version() {
    return { version: 'base' };
  }
}
@Controller('ops')
@RequireScopes('admin')
class OpsExtendsBase extends BaseWithPublicHandlers {
  @Get('version')
  override version() {
    return { version: 'ops' };
  }
}

/** The webhook route of the configuration tests. */
@Controller('webhooks')
class Webhooks {
  @Post('honeybee')
  @HttpCode(200)
  @Public()
  @UseGuards(HoneybeeWebhookGuard)
  receive() {
    return { received: true };
  }
}

async function listen(platform: Platform, module: Parameters<typeof Test.createTestingModule>[0]) {
  const moduleRef = await Test.createTestingModule(module)
    .overrideProvider(HONEYBEE_CLOCK)
    .useValue(clock)
    .setLogger(run.logger)
    .compile();
  const app: INestApplication =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger: run.logger })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
          logger: run.logger,
        });
  await app.init();
  if (platform === 'fastify') {
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

describe.each(PLATFORMS)('guard configuration on %s', (platform: Platform) => {
  describe('two module configurations in one application', () => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      ({ app, url } = await listen(platform, { imports: [twoConfigurations()] }));
    });
    afterAll(() => app.close());

    it('a route guard of configuration B does not reuse the global guard’s verdict (A): 401', async () => {
      const token = (await issuer.issueToken(APP_ID, ['rx:read'])).access_token;
      const before = stranger.requests('tokenInfo').length;
      const res = await httpCall(`${url}/b`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain(`realm="${REALM}-b"`);
      expect(stranger.requests('tokenInfo').length - before).toBe(1);
      run.attackRejected();
    });

    it('a second guard of the same configuration reuses its verdict: one verification, 200', async () => {
      const token = (await issuer.issueToken(APP_ID, ['rx:read'])).access_token;
      const before = issuer.requests('tokenInfo').length;
      const res = await httpCall(`${url}/a`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.json).toEqual({ a: true });
      expect(issuer.requests('tokenInfo').length - before).toBe(1);
    });
  });

  describe('@Public() and inheritance (global ScopesGuard)', () => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      ({ app, url } = await listen(platform, {
        imports: [HoneybeeAuthModule.forRoot(optionsFor(issuer))],
        controllers: [AdminExtendsPublic, OpsExtendsBase],
        providers: [{ provide: APP_GUARD, useClass: ScopesGuard }],
      }));
    });
    afterAll(() => app.close());

    const get = (path: string, token?: string) =>
      httpCall(`${url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

    it('a controller extending a @Public() base controller needs a token on every route', async () => {
      for (const path of ['/admin/users', '/admin/status']) {
        const res = await get(path);
        expect({ path, status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
          path,
          status: 401,
          challenge: `Bearer realm="${REALM}"`,
        });
        run.attackRejected();
      }
      const token = (await issuer.issueToken(APP_ID, ['rx:read'])).access_token;
      expect((await get('/admin/users', token)).json).toEqual({ users: ['alice'] });
    });

    it('a handler-level @Public() is inherited with its handler; an override needs the scopes', async () => {
      expect((await get('/ops/ping')).json).toEqual({ pong: true });
      const anonymous = await get('/ops/version');
      expect(anonymous.status).toBe(401);
      run.attackRejected();
      const reader = (await issuer.issueToken(APP_ID, ['rx:read'])).access_token;
      expect((await get('/ops/version', reader)).status).toBe(403);
      const admin = (await issuer.issueToken(APP_ID, ['admin'])).access_token;
      expect((await get('/ops/version', admin)).json).toEqual({ version: 'ops' });
    });
  });

  describe('webhookSecret that could never match', () => {
    it.each([
      ['a trailing newline (read from a file)', `${WEBHOOK_SECRET}\n`],
      ['a leading space', ` ${WEBHOOK_SECRET}`],
      ['a trailing tab', `${WEBHOOK_SECRET}\t`],
      ['1 character', 'x'],
      ['15 characters', 'whsec-123456789'],
    ])('%s → HoneybeeConfigError at start-up naming webhookSecret', async (_what, secret) => {
      const err = await listen(platform, {
        imports: [HoneybeeAuthModule.forRoot(optionsFor(issuer, { webhookSecret: secret }))],
        controllers: [Webhooks],
      }).then(
        async ({ app }) => {
          await app.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      leakScanner.error(err);
      expect(err).toBeInstanceOf(HoneybeeConfigError);
      expect((err as HoneybeeConfigError).field).toBe('webhookSecret');
      run.faultSurvived();
    });

    it('a 16-character secret works (and only that exact header value passes)', async () => {
      const { app, url } = await listen(platform, {
        imports: [
          HoneybeeAuthModule.forRoot(optionsFor(issuer, { webhookSecret: WEBHOOK_SECRET })),
        ],
        controllers: [Webhooks],
      });
      try {
        const post = (secret: string) =>
          httpCall(`${url}/webhooks/honeybee`, {
            method: 'POST',
            headers: { 'x-honeybee-secret': secret },
          });
        expect((await post(WEBHOOK_SECRET)).status).toBe(200);
        expect((await post(`${WEBHOOK_SECRET}x`)).status).toBe(401);
      } finally {
        await app.close();
      }
    });
  });
});
