/**
 * The heap-per-verdict measurement of `bench/startup-memory.ts`, in a process of its own run
 * with `--expose-gc`: a Nest application context with `HoneybeeAuthModule` (the verifier named
 * by `BENCH_VERDICT_HEAP`, {@link VerdictHeapConfig}) receives the tokens over IPC, then
 * `ScopesGuard.canActivate()` is called once per token (no HTTP server), and the heap is read
 * after forced GCs before and after. Sends {@link VerdictHeapResult}.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HoneybeeAuthModule, ScopesGuard, VerificationCache } from 'nestjs-honeybee-auth';
import { guardContext } from './guard-context.js';
import { benchOptions } from './ours.js';

/** What the parent tells the process. */
export interface VerdictHeapConfig {
  verifier: 'token-info' | 'jwt';
  tokenUrl: string;
  jwksUri: string;
  issuer: string;
}

/** What the process answers. */
export interface VerdictHeapResult {
  verdicts: number;
  heapBefore: number;
  heapAfter: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const config = JSON.parse(process.env.BENCH_VERDICT_HEAP ?? '{}') as VerdictHeapConfig;
/** Guard calls in flight, below the default limit of concurrent verifications. */
const BATCH = 32;

async function heapUsed(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

process.once('message', (msg: { tokens: string[] }) => void fill(msg.tokens));
process.send!({ ready: true });

async function fill(tokens: string[]): Promise<void> {
  @Module({
    imports: [
      HoneybeeAuthModule.forRoot(
        benchOptions(config.tokenUrl, {
          inbound: {
            verifier: config.verifier,
            jwt: { jwksUri: config.jwksUri, issuer: config.issuer, audience: 'honeybee-partners' },
            cache: { maxEntries: tokens.length + 1_000, maxAgeSeconds: 3600 },
          },
        }),
      ),
    ],
    providers: [ScopesGuard],
  })
  class VerdictHeapModule {}
  const app = await NestFactory.createApplicationContext(VerdictHeapModule, { logger: ['error'] });
  const guard = app.get(ScopesGuard);
  const cache = app.get(VerificationCache);
  const check = async (token: string) => {
    if (!(await guard.canActivate(guardContext(token)))) throw new Error('refused');
  };
  // Warm-up (JIT, JWKS, sockets) on the first tokens, then forgotten (and verified again below).
  for (const t of tokens.slice(0, 200)) await check(t);
  cache.clear();
  const heapBefore = await heapUsed();
  for (let i = 0; i < tokens.length; i += BATCH) {
    await Promise.all(tokens.slice(i, i + BATCH).map(check));
  }
  const heapAfter = await heapUsed();
  const result: VerdictHeapResult = { verdicts: cache.size, heapBefore, heapAfter };
  process.send!(result);
  await app.close();
  process.disconnect();
}
