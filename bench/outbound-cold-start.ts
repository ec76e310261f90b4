/**
 * Scenario 2, outbound cold start: N concurrent callers ask for a token on a cold cache.
 * Ours (single flight) vs the usual hand-rolled `simple-oauth2` wrapper. Counts the requests
 * that reach a recording loopback token server and times until every caller has its token.
 *
 *   npx tsx bench/outbound-cold-start.ts        (BENCH_ROUNDS=5 BENCH_CALLERS=1000)
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { RecordingTokenServer } from '../libs/honeybee-auth/src/testing/recording-token-server.js';
import { intFromEnv, machineLine, quietNestLogs } from './lib/env.js';
import { makeTokenService } from './lib/ours.js';
import { HandRolledSimpleOauth2Cache } from './lib/peers.js';
import { fmt, median, ratio, table } from './lib/stats.js';
import { atMost, printTargets, target } from './lib/summary.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 5);
const CALLERS = intFromEnv('BENCH_CALLERS', 1000);
/** Token-endpoint answer delays to try, in ms: 0 (loopback) and a plausible network round trip. */
const DELAYS = [0, 50];

interface Sample {
  requests: number;
  ms: number;
  failed: number;
}

interface Variant {
  name: string;
  /** A fresh cold cache pointed at `tokenUrl`; returns its getter and a disposer. */
  make(tokenUrl: string): { get: () => Promise<string>; close: () => void };
}

const variants: Variant[] = [
  {
    name: 'honeybee-auth HoneybeeTokenService',
    make(tokenUrl) {
      const s = makeTokenService(tokenUrl, { retry: { maxAttempts: 1 } });
      return { get: () => s.getAccessToken(), close: () => s.onModuleDestroy() };
    },
  },
  {
    name: 'simple-oauth2, hand-rolled cache',
    make(tokenUrl) {
      const c = new HandRolledSimpleOauth2Cache(tokenUrl);
      return { get: () => c.getAccessToken(), close: () => undefined };
    },
  },
];

async function once(variant: Variant, delayMs: number): Promise<Sample> {
  const server = await RecordingTokenServer.start();
  server.respond(async () => {
    if (delayMs > 0) await delay(delayMs);
    return { body: server.tokenBody() };
  });
  const { get, close } = variant.make(server.tokenUrl);
  try {
    const t0 = performance.now();
    const results = await Promise.allSettled(Array.from({ length: CALLERS }, () => get()));
    const ms = performance.now() - t0;
    const failed = results.filter((r) => r.status === 'rejected').length;
    return { requests: server.requests.length, ms, failed };
  } finally {
    close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  quietNestLogs();
  console.log(`## Outbound cold start: ${CALLERS} concurrent callers, cold cache\n`);
  console.log(`${machineLine()} · ${ROUNDS} rounds, variants interleaved\n`);
  for (const delayMs of DELAYS) {
    // Warm-up: JIT, sockets, module loading; not counted.
    for (const v of variants) await once(v, delayMs);
    const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of variants) samples.get(v)!.push(await once(v, delayMs));
    }
    const base = samples.get(variants[0])!;
    const baseMs = median(base.map((s) => s.ms));
    const rows = variants.map((v) => {
      const s = samples.get(v)!;
      const reqs = s.map((x) => x.requests);
      const t = median(s.map((x) => x.ms));
      return [
        v.name,
        fmt(median(reqs)),
        `${fmt(Math.min(...reqs))}–${fmt(Math.max(...reqs))}`,
        fmt(t, 1),
        ratio(t, baseMs),
        fmt(s.reduce((a, x) => a + x.failed, 0)),
      ];
    });
    console.log(`Token endpoint answers after ${delayMs} ms:\n`);
    console.log(
      table(
        [
          'variant',
          'token requests (median)',
          'min–max',
          'ms to all resolved (median)',
          'time vs ours',
          'failed calls (all rounds)',
        ],
        rows,
      ),
    );
    console.log('');
    const most = Math.max(...base.map((x) => x.requests));
    target(
      'outbound-cold-start',
      `HoneybeeTokenService: token requests for ${fmt(CALLERS)} concurrent callers on a cold cache, endpoint ${delayMs} ms, every round = 1`,
      `${fmt(most)} (most in a round)`,
      atMost(most, 1),
    );
  }
  printTargets();
}

await main();
