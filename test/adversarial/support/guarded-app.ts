import { Controller, Get, HttpCode, Inject, Module, Post, UseGuards } from '@nestjs/common';
import type { INestApplication, MiddlewareConsumer, NestModule } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { TestingModuleBuilder } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import {
  CurrentPrincipal,
  HONEYBEE_CLOCK,
  HoneybeeAuthModule,
  HoneybeeWebhookGuard,
  Public,
  RequireScopes,
  ScopesGuard,
} from 'nestjs-honeybee-auth';
import type { Clock, HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import type { CapturingLogger } from './leak-scanner.js';

/** The two HTTP platforms every inbound scenario runs on. */
export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Realm of every challenge the adversarial apps send. */
export const REALM = 'adversarial';

/** Counts requests that got past the HTTP parser and into Nest (a middleware sees them). */
class HitCounter {
  count = 0;
}

/**
 * `GET /health` (public), `GET /me` (any valid token, no scope), `GET /rx` (needs `rx:read`),
 * `GET /admin` (needs `admin`), each answering JSON, `ScopesGuard` per route;
 * `POST /webhooks/honeybee` behind `HoneybeeWebhookGuard`.
 */
@Controller()
class AdversarialController {
  @Get('health')
  @Public()
  health() {
    return { ok: true };
  }

  @Get('me')
  @UseGuards(ScopesGuard)
  me(@CurrentPrincipal('clientId') clientId: string | undefined) {
    return { me: true, clientId: clientId ?? null };
  }

  @Get('rx')
  @UseGuards(ScopesGuard)
  @RequireScopes('rx:read')
  rx(@CurrentPrincipal('clientId') clientId: string | undefined) {
    return { rx: true, clientId: clientId ?? null };
  }

  @Get('admin')
  @UseGuards(ScopesGuard)
  @RequireScopes('admin')
  admin() {
    return { admin: true };
  }

  @Post('webhooks/honeybee')
  @HttpCode(200)
  @Public()
  @UseGuards(HoneybeeWebhookGuard)
  webhook() {
    return { received: true };
  }
}

@Module({ controllers: [AdversarialController], providers: [HitCounter] })
class AdversarialAppModule implements NestModule {
  constructor(@Inject(HitCounter) private readonly hits: HitCounter) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((_req: unknown, _res: unknown, next: () => void) => {
        this.hits.count += 1;
        next();
      })
      .forRoutes(AdversarialController);
  }
}

/** A started application on 127.0.0.1. */
export interface GuardedApp {
  app: INestApplication;
  url: string;
  port: number;
  /** Requests that reached Nest so far (past Node's HTTP parser). */
  hits(): number;
  close(): Promise<void>;
}

/**
 * Starts `AdversarialController` behind `HoneybeeAuthModule.forRoot(options)` (global, so the
 * guard resolves) on Express or Fastify, with `logger` for every Nest log line and `clock` as
 * `HONEYBEE_CLOCK`.
 */
export async function startGuardedApp(
  platform: Platform,
  setup: {
    options: HoneybeeAuthModuleOptions;
    logger: CapturingLogger;
    clock?: Clock;
    override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  },
): Promise<GuardedApp> {
  let builder = Test.createTestingModule({
    imports: [
      HoneybeeAuthModule.forRoot({ ...setup.options, isGlobal: true }),
      AdversarialAppModule,
    ],
  });
  if (setup.clock) builder = builder.overrideProvider(HONEYBEE_CLOCK).useValue(setup.clock);
  if (setup.override) builder = setup.override(builder);
  builder.setLogger(setup.logger);
  const moduleRef = await builder.compile();
  const logger = setup.logger;
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger });
  await app.init();
  if (platform === 'fastify') {
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  }
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const counter = moduleRef.get(HitCounter);
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    hits: () => counter.count,
    close: () => app.close(),
  };
}
