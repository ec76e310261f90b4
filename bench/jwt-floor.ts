/**
 * The cache-miss floor: what a jwt verification costs when the verdict cache cannot help,
 * against jose's own `jwtVerify` on the same tokens in the same process. Ours is what a user
 * gets on a miss: `ScopesGuard.canActivate()` (called directly, no HTTP server) with the `jwt`
 * verifier and a verdict cache of 1 entry, cycling through 64 RS256 tokens, so every call
 * parses the header, misses the cache, verifies the signature and the claims, and checks the
 * scopes. jose's is `jwtVerify(token, createRemoteJWKSet(jwksUri), { issuer, audience,
 * algorithms })` on the same tokens, the JWKS fetched once. One call at a time (awaited), a
 * warm-up round, then the two interleaved round by round (each round starting with the other).
 *
 *   npx tsx bench/jwt-floor.ts
 *   (BENCH_ROUNDS=7 BENCH_DURATION=2; BENCH_PROFILE=1 writes CPU profiles of the last round to
 *    bench/profiles/jwt-floor-jose.cpuprofile and jwt-floor-guard.cpuprofile)
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { HoneybeeAuthModule, ScopesGuard } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { intFromEnv, machineLine } from './lib/env.js';
import { guardContext } from './lib/guard-context.js';
import { benchOptions } from './lib/ours.js';
import { CpuProfiler, PROFILE_DIR } from './lib/profiler.js';
import { fmt, median, pairedMedian, ratio, table } from './lib/stats.js';
import { atLeast, printTargets, target } from './lib/summary.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 7);
const SECONDS = intFromEnv('BENCH_DURATION', 2);
const TOKENS = 64;
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 1);
/** Ours ÷ jose in operations per second must be at least this (≤ 1.25× jose's time). */
const TARGET = 0.8;
const AUDIENCE = 'honeybee-partners';
const PROFILE = process.env.BENCH_PROFILE === '1';

interface Sample {
  opsPerSecond: number;
  cpuUsPerOp: number;
}

interface Subject {
  /** Names its profile. */
  id: string;
  name: string;
  call: (token: string) => Promise<unknown>;
  samples: Sample[];
}

/** Calls `call` one at a time, cycling through `tokens`, for `seconds`. */
async function measure(s: Subject, tokens: readonly string[], seconds: number): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  let count = 0;
  const caller = async (): Promise<void> => {
    while (performance.now() < end) await s.call(tokens[count++ % tokens.length]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    opsPerSecond: (count / elapsed) * 1000,
    cpuUsPerOp: (used.user + used.system) / count,
  };
}

async function main(): Promise<void> {
  const emu = await HoneybeeEmulator.start({
    clients: [{ clientId: 'partner-app', clientSecret: 'partner-secret', scopes: ['rx:read'] }],
    jwt: { algorithm: 'RS256' },
  });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i++) {
      tokens.push((await emu.issueToken('partner-app', ['rx:read'])).access_token);
    }

    @Module({
      imports: [
        HoneybeeAuthModule.forRoot(
          benchOptions(emu.tokenUrl, {
            inbound: {
              verifier: 'jwt',
              jwt: {
                jwksUri: emu.jwksUri,
                issuer: emu.issuer,
                audience: AUDIENCE,
                algorithms: ['RS256'],
              },
              // One entry for 64 tokens cycled in order: every call is a miss.
              cache: { maxEntries: 1 },
            },
          }),
        ),
      ],
      providers: [ScopesGuard],
    })
    class FloorModule {}
    const app = await NestFactory.createApplicationContext(FloorModule, { logger: ['error'] });
    try {
      const guard = app.get(ScopesGuard);
      const jwks = createRemoteJWKSet(new URL(emu.jwksUri));
      const subjects: Subject[] = [
        {
          id: 'jose',
          name: 'jose `jwtVerify` (the floor)',
          call: (token) =>
            jwtVerify(token, jwks, {
              issuer: emu.issuer,
              audience: AUDIENCE,
              algorithms: ['RS256'],
            }),
          samples: [],
        },
        {
          id: 'guard',
          name: 'ScopesGuard jwt RS256, every call a cache miss',
          call: async (token) => {
            if (!(await guard.canActivate(guardContext(token)))) throw new Error('refused');
          },
          samples: [],
        },
      ];
      for (const s of subjects) await measure(s, tokens, SECONDS); // warm-up: JIT, JWKS
      const jwksBefore = emu.requests('jwks').length;
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? subjects : [...subjects].reverse();
        for (const s of order) {
          // The last round only (a profiler slows what it watches).
          const profiler = PROFILE && r === ROUNDS - 1 ? await CpuProfiler.start() : undefined;
          s.samples.push(await measure(s, tokens, SECONDS));
          await profiler?.stop(fileURLToPath(new URL(`jwt-floor-${s.id}.cpuprofile`, PROFILE_DIR)));
        }
        console.error(`  round ${r + 1}/${ROUNDS} done`);
      }
      const jwksDuring = emu.requests('jwks').length - jwksBefore;

      const [jose, ours] = subjects as [Subject, Subject];
      const paired = (s: Subject) =>
        pairedMedian(s.samples, jose.samples, (x, j) => x.opsPerSecond / j.opsPerSecond);
      const pairedCpu = (s: Subject) =>
        pairedMedian(s.samples, jose.samples, (x, j) => j.cpuUsPerOp / x.cpuUsPerOp);
      console.log('## Cache-miss floor: jwt verification on every call vs jose\n');
      console.log(
        `${machineLine()} · ${TOKENS} RS256 tokens from the emulator, cycled · one call at a time, ${SECONDS} s per measurement, ${ROUNDS} rounds after a warm-up round, interleaved · one process\n`,
      );
      console.log(
        table(
          [
            'subject',
            'calls/s (median)',
            'min–max',
            'µs per call',
            'CPU µs/call',
            'vs jose',
            'CPU-bound vs jose',
          ],
          subjects.map((s) => {
            const all = s.samples.map((x) => x.opsPerSecond);
            const ops = median(all);
            return [
              s.name,
              fmt(ops),
              `${fmt(Math.min(...all))}–${fmt(Math.max(...all))}`,
              fmt(1e6 / ops, 1),
              fmt(median(s.samples.map((x) => x.cpuUsPerOp)), 1),
              ratio(paired(s), 1),
              ratio(pairedCpu(s), 1),
            ];
          }),
        ),
      );
      console.log(
        `\n"vs jose" is the paired median of (calls/s ÷ jose's calls/s in the same round); 0.80× means a call takes 1.25× jose's time. JWKS requests during the timed rounds: ${jwksDuring}.\n`,
      );
      const r = paired(ours);
      target(
        'jwt-floor',
        `ScopesGuard jwt RS256 on a cache miss ÷ jose jwtVerify, calls/s ≥ ${TARGET.toFixed(2)}× (≤ 1.25× jose's time)`,
        ratio(r, 1),
        atLeast(r, TARGET),
      );
      printTargets();
    } finally {
      await app.close();
    }
  } finally {
    await emu.stop();
  }
}

await main();
