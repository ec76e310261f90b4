/**
 * One process of the cached-token part of `bench/telemetry-overhead.ts`: a Nest application
 * context with `HoneybeeAuthModule` (OpenTelemetry as `BENCH_TOKEN_PATH.telemetry` says), its
 * token fetched once from the emulator, and a trivial API server of its own on 127.0.0.1. It
 * answers `{ type: 'token', ms }` with how many `getAccessToken()` calls it made in `ms`, and
 * `{ type: 'http', ms }` with how many `HoneybeeHttpService` GETs (each authorized with the
 * cached token), with the CPU time each took.
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
} from 'nestjs-honeybee-auth';
import { startTelemetry } from './opentelemetry-sdk.js';
import type { TelemetryMode } from './opentelemetry-sdk.js';

const config = JSON.parse(process.env.BENCH_TOKEN_PATH ?? '{}') as {
  tokenUrl: string;
  telemetry: TelemetryMode;
};
const telemetry = startTelemetry(config.telemetry);

const api = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
});
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
const apiBaseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1`;

@Module({
  imports: [
    HoneybeeAuthModule.forRoot({
      clientId: 'partner-app',
      clientSecret: 'bench-secret-bench-secret-bench-secret',
      tokenUrl: config.tokenUrl,
      apiBaseUrl,
      scopes: ['rx:read'],
      allowInsecureLoopback: true,
      telemetry,
    }),
  ],
})
class TokenPathModule {}

const app = await NestFactory.createApplicationContext(TokenPathModule, { logger: ['error'] });
const tokens = app.get(HoneybeeTokenService);
const http = app.get(HoneybeeHttpService);
await tokens.getAccessToken();
await firstValueFrom(http.get('/rx'));

/** Runs `call` back to back for `ms`; the count and the CPU µs it took. */
async function measure(ms: number, call: () => Promise<unknown>, batch: number) {
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

process.on('message', (msg: { type: string; ms?: number }) => {
  if (msg.type === 'exit') {
    void app.close().then(() => api.close(() => process.exit(0)));
    return;
  }
  const run =
    msg.type === 'token'
      ? measure(msg.ms!, () => tokens.getAccessToken(), 1000)
      : measure(msg.ms!, () => firstValueFrom(http.get('/rx')), 1);
  void run.then((result) => process.send!({ type: msg.type, ...result }));
});
process.send!({ ready: true });
