/**
 * One replica of a partner backend, in its own process: a Nest application context with
 * HoneybeeAuthModule (optionally on a shared Redis store) calling the emulator's Partners API
 * through HoneybeeHttpService. Driven by line commands on stdin, reports JSON lines on stdout:
 *   go      → make CALLS calls (or call until `stop` when CALLS=0), then print {type:'done'}
 *   stop    → end a CALLS=0 loop
 *   check   → print {type:'store', healthy}
 * Environment: TOKEN_URL, API_BASE_URL, CLIENT_ID, CLIENT_SECRET, REDIS_URL (absent: no
 * store), LOCK_TTL_MS, CALLS.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline';
import { firstValueFrom } from 'rxjs';
import {
  HoneybeeAuthModule,
  HoneybeeHttpService,
  HoneybeeTokenService,
} from 'nestjs-honeybee-auth';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';

const env = process.env;
const store = env.REDIS_URL
  ? new RedisTokenStore({ url: env.REDIS_URL, keyPrefix: env.KEY_PREFIX })
  : undefined;

@Module({
  imports: [
    HoneybeeAuthModule.forRoot({
      clientId: env.CLIENT_ID!,
      clientSecret: env.CLIENT_SECRET!,
      tokenUrl: env.TOKEN_URL,
      apiBaseUrl: env.API_BASE_URL,
      allowInsecureLoopback: true,
      scopes: ['prescriptions:read'],
      tokenStore: store ? { store, lockTtlMs: Number(env.LOCK_TTL_MS ?? 5000) } : undefined,
    }),
  ],
})
class ReplicaModule {}

const print = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(ReplicaModule, {
    logger: ['warn', 'error'],
  });
  const http = app.get(HoneybeeHttpService);
  const tokens = app.get(HoneybeeTokenService);
  let stopping = false;
  const result = { ok: 0, failed: 0, statuses: {} as Record<string, number> };

  const call = async () => {
    try {
      await firstValueFrom(http.get('/patients/p_1/rx'));
      result.ok++;
    } catch (err) {
      result.failed++;
      const status = String(
        (err as { response?: { status?: number } }).response?.status ?? (err as Error).name,
      );
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
    }
    const n = result.ok + result.failed;
    if (n % 20 === 0) print({ type: 'progress', calls: n });
  };

  const run = async () => {
    const calls = Number(env.CALLS ?? 10);
    if (calls > 0) for (let i = 0; i < calls; i++) await call();
    else while (!stopping) await call();
    print({ type: 'done', ...result });
    await app.close();
    await store?.close();
    process.exit(0);
  };

  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'go') void run();
    if (line === 'stop') stopping = true;
    if (line === 'check')
      void tokens.checkStore().then((healthy) => print({ type: 'store', healthy }));
  });
  print({ type: 'ready' });
}

void main();
