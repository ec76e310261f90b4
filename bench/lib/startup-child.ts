/**
 * One fresh process of `bench/startup-memory.ts`'s start-up measurement: a minimal Nest app
 * (Express, one route) with `HoneybeeAuthModule.forRoot` (outbound and inbound configured) or
 * without it (`BENCH_STARTUP`, {@link StartupConfig}). Every module is imported before the clock
 * starts, in both variants alike, so the time is `NestFactory.create()` + `app.init()` only
 * (the sources run under tsx, whose compile time would otherwise swamp it); what the module
 * loads itself during `init()` (`@opentelemetry/api`, when installed) is counted. Sends `{ ms }`.
 */
import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { HoneybeeAuthModule, ScopesGuard } from 'nestjs-honeybee-auth';
import { OpenRxController, RxController } from './guard-context.js';
import { benchOptions } from './ours.js';

/** What the parent tells one process. */
export interface StartupConfig {
  withModule: boolean;
  tokenUrl: string;
  apiBaseUrl: string;
  jwksUri: string;
  issuer: string;
}

const config = JSON.parse(process.env.BENCH_STARTUP ?? '{}') as StartupConfig;

function rootModule(): DynamicModule {
  if (!config.withModule) {
    return { module: class WithoutModule {}, controllers: [OpenRxController] };
  }
  return {
    module: class WithModule {},
    imports: [
      HoneybeeAuthModule.forRoot(
        benchOptions(config.tokenUrl, {
          apiBaseUrl: config.apiBaseUrl,
          scopes: ['rx:read'],
          inbound: {
            verifier: 'jwt',
            jwt: { jwksUri: config.jwksUri, issuer: config.issuer, audience: 'honeybee-partners' },
          },
        }),
      ),
    ],
    controllers: [RxController],
    // ScopesGuard on every route, as an application that guards everything registers it.
    providers: [{ provide: APP_GUARD, useClass: ScopesGuard }],
  };
}

const t0 = performance.now();
const app = await NestFactory.create(rootModule(), new ExpressAdapter(), { logger: false });
await app.init();
const ms = performance.now() - t0;
process.send!({ ms });
await app.close();
process.disconnect();
