/**
 * One process of the in-process part of `bench/telemetry-overhead.ts`: a Nest application
 * context with `HoneybeeAuthModule` (OpenTelemetry as `BENCH_HOT_PATH.telemetry` says) against
 * the emulator, its token fetched once, and a trivial API server of its own on 127.0.0.1. It
 * answers `{ type, ms }` with how many calls it made in `ms` and the CPU time they took:
 * `guard`, `ScopesGuard.canActivate()` on a new HTTP request whose token's verdict is cached
 * (the guard alone, no HTTP server); `token`, `getAccessToken()`; `http`, one
 * `HoneybeeHttpService` GET at a time, each authorized with the cached token.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom } from 'rxjs';
import {
  HoneybeeAuthModule,
  HoneybeeHttpService,
  HoneybeeTokenService,
  ScopesGuard,
} from 'nestjs-honeybee-auth';
import { guardContext } from './guard-context.js';
import { benchOptions } from './ours.js';
import { startTelemetry } from './opentelemetry-sdk.js';
import type { TelemetryMode } from './opentelemetry-sdk.js';

/** What the parent tells one child. */
export interface HotPathConfig {
  tokenUrl: string;
  /** A caller's token with `rx:read`, issued by the emulator. */
  callerToken: string;
  telemetry: TelemetryMode;
}

/** What the child answers to one measurement. */
export interface HotPathMeasure {
  count: number;
  cpuUs: number;
}

const config = JSON.parse(process.env.BENCH_HOT_PATH ?? '{}') as HotPathConfig;
const telemetry = startTelemetry(config.telemetry);

const api = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
});
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
const apiBaseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1`;

@Module({
  imports: [
    HoneybeeAuthModule.forRoot(
      benchOptions(config.tokenUrl, {
        apiBaseUrl,
        scopes: ['rx:read'],
        inbound: { cache: { maxAgeSeconds: 3600 } },
        telemetry,
      }),
    ),
  ],
  providers: [ScopesGuard],
})
class HotPathModule {}

const app = await NestFactory.createApplicationContext(HotPathModule, { logger: ['error'] });
const tokens = app.get(HoneybeeTokenService);
const http = app.get(HoneybeeHttpService);
const guard = app.get(ScopesGuard);
await tokens.getAccessToken();
await firstValueFrom(http.get('/rx'));
if (!(await guard.canActivate(guardContext(config.callerToken))))
  throw new Error('the guard refused the caller');

/** Runs `call` back to back for `ms`; the count and the CPU µs it took. */
async function measure(
  ms: number,
  call: () => Promise<unknown>,
  batch: number,
): Promise<HotPathMeasure> {
  const cpu = process.cpuUsage();
  const end = performance.now() + ms;
  let count = 0;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) await call();
    count += batch;
  }
  const used = process.cpuUsage(cpu);
  return { count, cpuUs: used.user + used.system };
}

const CALLS: Record<string, [() => Promise<unknown>, number]> = {
  guard: [async () => guard.canActivate(guardContext(config.callerToken)), 1000],
  token: [() => tokens.getAccessToken(), 1000],
  http: [() => firstValueFrom(http.get('/rx')), 1],
};

process.on('message', (msg: { type: string; ms?: number }) => {
  if (msg.type === 'exit') {
    void app.close().then(() => api.close(() => process.exit(0)));
    return;
  }
  const [call, batch] = CALLS[msg.type]!;
  void measure(msg.ms!, call, batch).then((result) => process.send!({ type: msg.type, ...result }));
});
process.send!({ ready: true });
