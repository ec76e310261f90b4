/**
 * Scenario 5, unique-token flood: 200,000 distinct Bearer tokens through `ScopesGuard`, each
 * seen once, with heap and RSS read (after a forced GC) before, along the way and after,
 * against the configured verdict-cache cap (`inbound.cache.maxEntries`).
 *
 * The guard runs in a Nest application context and is called directly with an HTTP execution
 * context (no HTTP server: sockets and parser buffers would only add noise to the readings).
 * The verifier is a custom `TokenVerifier` that decides without I/O or crypto, so the flood
 * measures the guard and its cache, not jose: "accept" returns a principal with JWT-sized
 * claims for every token (the valid-verdict LRU fills), "reject" returns null (the invalid
 * one fills: a junk-token flood).
 *
 *   npx tsx bench/unique-token-flood.ts      (re-runs itself with --expose-gc; BENCH_TOKENS=200000)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import type { ExecutionContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HoneybeeAuthModule, ScopesGuard, VerificationCache } from 'nestjs-honeybee-auth';
import type { HoneybeePrincipal, TokenVerifier } from 'nestjs-honeybee-auth';
import { intFromEnv, machineLine } from './lib/env.js';
import { RxController, guardContext } from './lib/guard-context.js';
import { fmt, table } from './lib/stats.js';
import { atMost, printTargets, target } from './lib/summary.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  // Forced GCs need --expose-gc: run again with it.
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const TOKENS = intFromEnv('BENCH_TOKENS', 200_000);
/** Concurrent guard calls per batch, like requests in flight. */
const BATCH = 100;
/** Heap growth from the first reading at the cap to the end may be at most this, MB (flat). */
const FLAT_TARGET_MB = 2;
const CHECKPOINTS = [0, 5_000, 10_000, 20_000, 50_000, 100_000, 150_000, 200_000].filter(
  (n) => n <= TOKENS,
);

@Injectable()
class AcceptAllVerifier implements TokenVerifier {
  async verify(token: string): Promise<HoneybeePrincipal> {
    const now = Math.floor(Date.now() / 1000);
    // The claims of a typical JWT access token: what the jwt verifier keeps per entry.
    return {
      clientId: 'partner-app',
      subject: 'partner-app',
      scopes: ['rx:read'],
      expiresAt: (now + 3600) * 1000,
      claims: {
        iss: 'https://auth.example.test',
        sub: 'partner-app',
        aud: 'honeybee-partners',
        exp: now + 3600,
        iat: now,
        jti: token.slice(-22),
        client_id: 'partner-app',
        scope: 'rx:read',
      },
    };
  }
}

@Injectable()
class RejectAllVerifier implements TokenVerifier {
  async verify(): Promise<null> {
    return null;
  }
}

/** A fresh 43-character url-safe token (Honeybee's length), distinct for every `i`. */
function tokenOf(i: number): string {
  return `${i.toString(36)}.${randomBytes(32).toString('base64url')}`.slice(0, 43);
}

interface Reading {
  label?: string;
  tokens: number;
  /** WeakRefs that Node's AbortSignal.any left on the verifier's long-lived shutdown signal. */
  dependants?: number;
  cacheSize: number;
  heapMb: number;
  rssMb: number;
}

/**
 * Diagnostic only: the size of Node's internal set of dependant signals on the private shutdown
 * signal of the checked verifier behind the cache (one WeakRef per
 * `AbortSignal.any([shutdown.signal, …])` call, see RESULTS.md).
 */
function dependantsOf(cache: VerificationCache): number | undefined {
  const checked = (cache as unknown as { verifier?: { shutdown?: AbortController } }).verifier;
  const signal = checked?.shutdown?.signal;
  if (!signal) return undefined;
  const key = Object.getOwnPropertySymbols(signal).find((k) => String(k).includes('Dependant'));
  const set = key && (signal as unknown as Record<symbol, Set<unknown> | undefined>)[key];
  return set ? set.size : 0;
}

async function read(tokens: number, cache: VerificationCache, label?: string): Promise<Reading> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return {
    label,
    tokens,
    dependants: dependantsOf(cache),
    cacheSize: cache.size,
    heapMb: m.heapUsed / 2 ** 20,
    rssMb: m.rss / 2 ** 20,
  };
}

async function flood(
  name: string,
  verifier: Type<TokenVerifier>,
  maxEntries: number,
): Promise<string> {
  @Module({
    imports: [
      HoneybeeAuthModule.forRoot({
        clientId: 'partner-app',
        clientSecret: 'bench-secret-bench-secret-bench-secret',
        inbound: {
          verifier,
          cache: { maxEntries, negativeTtlSeconds: 300 },
          // Every call of a batch verifies (the cap would answer the rest 503, uncached).
          maxConcurrentVerifications: BATCH,
        },
      }),
    ],
    providers: [ScopesGuard],
    controllers: [RxController],
  })
  class FloodModule {}
  const app = await NestFactory.createApplicationContext(FloodModule, { logger: ['error'] });
  const guard = app.get(ScopesGuard);
  const cache = app.get(VerificationCache);
  const readings: Reading[] = [];
  let accepted = 0;
  let refused = 0;
  // canActivate decides a cached verdict synchronously (a throw, not a rejection): as a promise.
  const decide = async (context: ExecutionContext) => guard.canActivate(context);
  const started = performance.now();
  try {
    // Warm-up (JIT) with tokens that are then forgotten.
    for (let i = 0; i < 2_000; i++) await decide(guardContext(tokenOf(-1 - i))).catch(() => 0);
    cache.clear();
    let sent = 0;
    for (const checkpoint of CHECKPOINTS) {
      while (sent < checkpoint) {
        const n = Math.min(BATCH, checkpoint - sent);
        const outcomes = await Promise.allSettled(
          Array.from({ length: n }, (_, k) => decide(guardContext(tokenOf(sent + k)))),
        );
        for (const o of outcomes)
          if (o.status === 'fulfilled') accepted++;
          else refused++;
        sent += n;
      }
      readings.push(await read(sent, cache));
    }
    // Let every verification's timeout timer (verifyTimeoutMs, 5 s) fire, then read again.
    await new Promise((r) => setTimeout(r, 6000));
    readings.push(await read(sent, cache, `${fmt(sent)}, 6 s later`));
  } finally {
    await app.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const first = readings[0];
  const atCap = readings.find((r) => r.tokens >= maxEntries) ?? readings.at(-1)!;
  const last = readings.at(-1)!;
  const growth = last.heapMb - atCap.heapMb;
  target(
    'unique-token-flood',
    `${name}, cap ${fmt(maxEntries)}: heap growth from the cap to ${fmt(last.tokens)} tokens ≤ ${FLAT_TARGET_MB} MB`,
    `${growth >= 0 ? '+' : ''}${fmt(growth, 2)} MB`,
    atMost(growth, FLAT_TARGET_MB),
  );
  const lines = [
    `### ${name}: cap ${fmt(maxEntries)} entries\n`,
    table(
      [
        'tokens sent',
        'cached verdicts',
        'heap used MB',
        'heap vs before',
        'RSS MB',
        'WeakRefs on shutdown signal',
      ],
      readings.map((r) => [
        r.label ?? fmt(r.tokens),
        fmt(r.cacheSize),
        fmt(r.heapMb, 1),
        `${r.heapMb - first.heapMb >= 0 ? '+' : ''}${fmt(r.heapMb - first.heapMb, 1)}`,
        fmt(r.rssMb, 1),
        r.dependants === undefined ? '—' : fmt(r.dependants),
      ]),
    ),
    '',
    `${fmt(accepted)} let through, ${fmt(refused)} refused, ${fmt(seconds, 1)} s. ` +
      `Heap from the first reading at or past the cap (${fmt(atCap.tokens)} tokens) to the end: ` +
      `${last.heapMb - atCap.heapMb >= 0 ? '+' : ''}${fmt(last.heapMb - atCap.heapMb, 2)} MB; ` +
      `about ${fmt(((atCap.heapMb - first.heapMb) * 2 ** 20) / Math.max(1, atCap.cacheSize), 0)} bytes per cached verdict.`,
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  console.log(`## Unique-token flood: ${fmt(TOKENS)} distinct tokens through ScopesGuard\n`);
  console.log(
    `${machineLine()} · forced GC (×3) before each reading · custom verifiers, no I/O · ${BATCH} guard calls in flight\n`,
  );
  console.log(await flood('Accept-all verifier (valid verdicts)', AcceptAllVerifier, 10_000));
  console.log(
    await flood('Reject-all verifier (invalid verdicts, junk flood)', RejectAllVerifier, 10_000),
  );
  console.log(await flood('Accept-all verifier, larger cap', AcceptAllVerifier, 50_000));
  printTargets();
}

await main();
