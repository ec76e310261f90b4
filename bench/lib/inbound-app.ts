/**
 * One server of scenario 1 (`bench/inbound-throughput.ts`), run as a child process with tsx and
 * IPC so that the load generator and the server do not share an event loop. The variant and
 * the adapter come from `BENCH_APP` (JSON, {@link InboundAppConfig}); the child answers
 * `{ port }` once it listens on 127.0.0.1.
 *
 * Every variant serves `GET /rx` → `{"ok":true}`; the guarded ones require the scope `rx:read`.
 */
import 'reflect-metadata';
import { Controller, ForbiddenException, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import type {
  CanActivate,
  DynamicModule,
  INestApplication,
  MiddlewareConsumer,
  NestModule,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Request, Response } from 'express';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { HoneybeeAuthModule, RequireScopes, ScopesGuard } from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import { startTelemetry } from './opentelemetry-sdk.js';
import { CpuProfiler } from './profiler.js';
import type { TelemetryMode } from './opentelemetry-sdk.js';

/** The server variants of scenario 1. */
export type InboundVariant =
  | 'unguarded'
  | 'noop-guard'
  | 'guard-token-info'
  | 'guard-jwt-rs256'
  | 'guard-jwt-es256'
  | 'guard-jwt-rs256-uncached'
  | 'passport-jwt-rs256'
  | 'express-oauth2-jwt-bearer-rs256';

/** What the parent tells one child. */
export interface InboundAppConfig {
  variant: InboundVariant;
  adapter: 'express' | 'fastify';
  /** The emulator's token URL (its token-info endpoint is on the same origin). */
  tokenUrl: string;
  rs256: { jwksUri: string; issuer: string; publicKeyPem: string };
  es256: { jwksUri: string; issuer: string };
  audience: string;
  /** Verdict-cache size of the uncached variant: smaller than the token set it cycles through. */
  uncachedMaxEntries: number;
  /** OpenTelemetry in this server (see `TelemetryMode`). @default 'api' */
  telemetry?: TelemetryMode;
}

const config = JSON.parse(process.env.BENCH_APP ?? '{}') as InboundAppConfig;
const SCOPE = 'rx:read';
/** Started before the module, as an application's tracing set-up is. */
const telemetry = startTelemetry(config.telemetry ?? 'api');

@Controller('rx')
class OpenController {
  @Get()
  get() {
    return { ok: true };
  }
}

@Controller('rx')
@UseGuards(ScopesGuard)
@RequireScopes(SCOPE)
class GuardedController {
  @Get()
  get() {
    return { ok: true };
  }
}

/** A guard that lets everything through: what Nest's guard pipeline alone costs. */
@Injectable()
class NoopGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Controller('rx')
@UseGuards(NoopGuard)
class NoopGuardedController {
  @Get()
  get() {
    return { ok: true };
  }
}

/** The usual passport-jwt strategy: a static public key, and the scope checked in validate(). */
@Injectable()
class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.rs256?.publicKeyPem ?? 'unused',
      issuer: config.rs256?.issuer,
      audience: config.audience,
      algorithms: ['RS256'],
    });
  }

  validate(payload: { scope?: string }) {
    if (!(payload.scope ?? '').split(' ').includes(SCOPE)) throw new ForbiddenException();
    return payload;
  }
}

@Controller('rx')
@UseGuards(AuthGuard('jwt'))
class PassportController {
  @Get()
  get() {
    return { ok: true };
  }
}

/** express-oauth2-jwt-bearer as Nest middleware on the route (Express only). */
@Module({ controllers: [OpenController] })
class Oauth2JwtBearerModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply(
        withStatus(
          auth({
            issuer: config.rs256.issuer,
            jwksUri: config.rs256.jwksUri,
            audience: config.audience,
            tokenSigningAlg: 'RS256',
          }),
        ),
        withStatus(requiredScopes(SCOPE)),
      )
      .forRoutes('rx');
  }
}

type Middleware = (req: Request, res: Response, next: (err?: unknown) => void) => void;

/**
 * Answers the library's errors (401/403 with `WWW-Authenticate`) itself, as its README does
 * with an Express error handler; Nest would turn them into 500s. Not on the timed path.
 */
function withStatus(mw: Middleware): Middleware {
  return (req, res, next) =>
    mw(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { status?: number; headers?: Record<string, string> };
      res
        .status(e.status ?? 500)
        .set(e.headers ?? {})
        .json({ statusCode: e.status ?? 500 });
    });
}

function honeybee(inbound: HoneybeeAuthModuleOptions['inbound']): DynamicModule {
  return HoneybeeAuthModule.forRoot({
    clientId: 'partner-app',
    clientSecret: 'bench-secret-bench-secret-bench-secret',
    tokenUrl: config.tokenUrl,
    allowInsecureLoopback: true,
    inbound,
    telemetry,
  });
}

/** Warm-cache variants keep verdicts for the whole run (the default is 60 s). */
const WARM = { maxAgeSeconds: 3600 };

function rootModule(): DynamicModule {
  const guarded = (inbound: HoneybeeAuthModuleOptions['inbound']): DynamicModule => ({
    module: class GuardedAppModule {},
    imports: [honeybee(inbound)],
    controllers: [GuardedController],
  });
  const jwt = (k: { jwksUri: string; issuer: string }, algorithm: string) => ({
    jwksUri: k.jwksUri,
    issuer: k.issuer,
    audience: config.audience,
    algorithms: [algorithm],
  });
  switch (config.variant) {
    case 'unguarded':
      return { module: class UnguardedAppModule {}, controllers: [OpenController] };
    case 'noop-guard':
      return { module: class NoopGuardAppModule {}, controllers: [NoopGuardedController] };
    case 'guard-token-info':
      return guarded({ verifier: 'token-info', cache: WARM });
    case 'guard-jwt-rs256':
      return guarded({ verifier: 'jwt', jwt: jwt(config.rs256, 'RS256'), cache: WARM });
    case 'guard-jwt-es256':
      return guarded({ verifier: 'jwt', jwt: jwt(config.es256, 'ES256'), cache: WARM });
    case 'guard-jwt-rs256-uncached':
      return guarded({
        verifier: 'jwt',
        jwt: jwt(config.rs256, 'RS256'),
        cache: { maxEntries: config.uncachedMaxEntries },
      });
    case 'passport-jwt-rs256':
      return {
        module: class PassportAppModule {},
        imports: [PassportModule],
        providers: [JwtStrategy],
        controllers: [PassportController],
      };
    case 'express-oauth2-jwt-bearer-rs256':
      return { module: Oauth2JwtBearerModule };
    default:
      throw new Error(`unknown variant ${String(config.variant)}`);
  }
}

async function main(): Promise<void> {
  const module = rootModule();
  const app: INestApplication =
    config.adapter === 'express'
      ? await NestFactory.create(module, new ExpressAdapter(), { logger: ['error'] })
      : await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), {
          logger: ['error'],
        });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.send!({ port });
  let profiler: CpuProfiler | undefined;
  process.on('message', (msg: { type: string; file?: string }) => {
    if (msg.type === 'exit') void app.close().then(() => process.exit(0));
    // CPU time of this process (all threads), read around each timed measurement.
    if (msg.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() });
    // CPU profile of the timed rounds only (not start-up, not tsx compiling modules).
    if (msg.type === 'profile-start') {
      void CpuProfiler.start().then((p) => {
        profiler = p;
        process.send!({ type: 'profiling' });
      });
    }
    if (msg.type === 'profile-stop' && profiler) {
      void profiler.stop(msg.file!).then(() => process.send!({ type: 'profiled' }));
    }
  });
}

await main();
