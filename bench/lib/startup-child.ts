/**
 * One fresh process of `bench/startup-memory.ts`'s start-up measurement: a minimal Nest app
 * (Express, one route) with `HoneybeeAuthModule.forRoot` (outbound and inbound configured) or
 * without it (`BENCH_STARTUP`, {@link StartupConfig}). Every module is imported before the clock
 * starts, in both variants alike, so the time is `NestFactory.create()` + `app.init()` only
 * (the sources run under tsx, whose compile time would otherwise swamp it). Sends `{ ms }`.
 */
import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { HoneybeeAuthModule, RequireScopes, ScopesGuard } from 'nestjs-honeybee-auth';

/** What the parent tells one process. */
export interface StartupConfig {
  withModule: boolean;
  tokenUrl: string;
  apiBaseUrl: string;
  jwksUri: string;
  issuer: string;
}

const config = JSON.parse(process.env.BENCH_STARTUP ?? '{}') as StartupConfig;

@Controller('rx')
class OpenController {
  @Get()
  get() {
    return { ok: true };
  }
}

@Controller('rx')
@RequireScopes('rx:read')
class GuardedController {
  @Get()
  get() {
    return { ok: true };
  }
}

function rootModule(): DynamicModule {
  if (!config.withModule) return { module: class WithoutModule {}, controllers: [OpenController] };
  return {
    module: class WithModule {},
    imports: [
      HoneybeeAuthModule.forRoot({
        clientId: 'partner-app',
        clientSecret: 'bench-secret-bench-secret-bench-secret',
        tokenUrl: config.tokenUrl,
        apiBaseUrl: config.apiBaseUrl,
        scopes: ['rx:read'],
        allowInsecureLoopback: true,
        inbound: {
          verifier: 'jwt',
          jwt: { jwksUri: config.jwksUri, issuer: config.issuer, audience: 'honeybee-partners' },
        },
      }),
    ],
    controllers: [GuardedController],
    providers: [ScopesGuard],
  };
}

const t0 = performance.now();
const app = await NestFactory.create(rootModule(), new ExpressAdapter(), { logger: false });
await app.init();
const ms = performance.now() - t0;
process.send!({ ms });
await app.close();
process.disconnect();
