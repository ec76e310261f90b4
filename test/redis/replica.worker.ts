/**
 * One replica of a partner backend, in its own process: a Nest application context with
 * HoneybeeAuthModule (optionally on a shared Redis store) calling the emulator's Partners API
 * through HoneybeeHttpService. Driven by line commands on stdin, reports JSON lines on stdout:
 *   go      → call until `stop` (or make CALLS calls), then print {type:'done', ok, failed}
 *   stop    → end the calls
 *   check   → print {type:'store', healthy}
 * It also prints {type:'lock'} whenever it takes the refresh lock, so that a test can fault
 * the replica that is fetching for all.
 * Environment: TOKEN_URL, API_BASE_URL, CLIENT_ID, CLIENT_SECRET, REDIS_URL (absent: no
 * store), KEY_PREFIX, LOCK_TTL_MS, TOKEN_TIMEOUT_MS, CALLS (0: until `stop`), EVERY_MS, LOG (set:
 * the library's log lines on stdout).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { firstValueFrom } from 'rxjs';
import {
  HoneybeeAuthModule,
  HoneybeeHttpService,
  HoneybeeTokenService,
} from 'nestjs-honeybee-auth';
import type { TokenStore } from 'nestjs-honeybee-auth';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';

const env = process.env;
const print = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** The Redis store, reporting each lock it takes. */
function reportingStore(): TokenStore | undefined {
  if (!env.REDIS_URL) return undefined;
  const store = new RedisTokenStore({ url: env.REDIS_URL, keyPrefix: env.KEY_PREFIX });
  const tryLock = store.tryLock.bind(store);
  store.tryLock = async (...args) => {
    const taken = await tryLock(...args);
    if (taken) print({ type: 'lock' });
    return taken;
  };
  return store;
}

const store = reportingStore();

@Module({
  imports: [
    HoneybeeAuthModule.forRoot({
      clientId: env.CLIENT_ID!,
      clientSecret: env.CLIENT_SECRET!,
      tokenUrl: env.TOKEN_URL,
      apiBaseUrl: env.API_BASE_URL,
      allowInsecureLoopback: true,
      scopes: ['prescriptions:read'],
      tokenRequestTimeoutMs: Number(env.TOKEN_TIMEOUT_MS ?? 10_000),
      tokenStore: store ? { store, lockTtlMs: Number(env.LOCK_TTL_MS ?? 5000) } : undefined,
    }),
  ],
})
class ReplicaModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(ReplicaModule, {
    logger: env.LOG ? ['log', 'warn', 'error'] : ['error'],
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
    const every = Number(env.EVERY_MS ?? 0);
    for (let i = 0; calls === 0 ? !stopping : i < calls; i++) {
      await call();
      if (every) await delay(every);
    }
    print({ type: 'done', ...result });
    await app.close();
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
