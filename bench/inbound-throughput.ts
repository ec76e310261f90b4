/**
 * Scenario 1, inbound throughput: a Nest app with one route (`GET /rx`), on Express and on
 * Fastify, without a guard (the baseline), behind `ScopesGuard` (token-info and jwt with a
 * warm verdict cache, jwt with every request a cache miss), behind `@nestjs/passport` +
 * `passport-jwt`, and behind `express-oauth2-jwt-bearer` (Express only). One child process per
 * server (pinned to CPU 1), autocannon in this process (CPU 0), the same tokens (round robin)
 * for every variant; for each pipelining level (1, then 10 requests in flight per connection),
 * a warm-up round, then variants interleaved round by round, each round starting one server
 * later. Ends with its targets: the warm guard against the unguarded route (CPU-bound) and
 * against the peers.
 *
 *   npx tsx bench/inbound-throughput.ts
 *   (BENCH_ROUNDS=5 BENCH_DURATION=2 BENCH_CONNECTIONS=10 BENCH_PIPELINING=1,10 BENCH_PIN=1
 *    BENCH_ONLY=express/unguarded,… runs only those servers;
 *    BENCH_COMPARE_ROOT=/other/checkout also runs each ScopesGuard variant from there;
 *    BENCH_PROFILE=express/guard-jwt-rs256,… writes a CPU profile of their timed rounds to bench/profiles/ADAPTER-VARIANT.cpuprofile)
 */
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { intFromEnv, machineLine } from './lib/env.js';
import type { InboundAppConfig, InboundVariant } from './lib/inbound-app.js';
import { PIN, load, pinSelf, spawnTsx, stopChild } from './lib/load.js';
import { PROFILE_DIR as PROFILES } from './lib/profiler.js';
import type { LoadResult } from './lib/load.js';
import { fmt, median, pairedMedian, ratio, table } from './lib/stats.js';
import { atLeast, printTargets, target } from './lib/summary.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 5);
const SECONDS = intFromEnv('BENCH_DURATION', 2);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10);
/** Pipelining levels (requests in flight per connection), each measured and reported. */
const PIPELINING = (process.env.BENCH_PIPELINING ?? '1,10')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
/** Distinct tokens, sent round robin. */
const TOKENS = 64;
/** Verdict-cache size of the uncached jwt variant: far below TOKENS, so every request misses. */
const UNCACHED_MAX_ENTRIES = 1;
const APP = fileURLToPath(new URL('./lib/inbound-app.ts', import.meta.url));
const PROFILE_DIR = fileURLToPath(PROFILES);
const PROFILE = new Set((process.env.BENCH_PROFILE ?? '').split(',').filter(Boolean));
/**
 * Other checkouts of this repository (comma-separated, each with a bench/ like this one), e.g.
 * with a proposed library patch: each ScopesGuard variant then also runs from each of them
 * ("[compare N]"), side by side with this one.
 */
const COMPARE_ROOTS = (process.env.BENCH_COMPARE_ROOT ?? '').split(',').filter(Boolean);
/** Only these `adapter/variant` servers (comma-separated), e.g. for profiling; default all. */
const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));

const LABELS: Record<InboundVariant, string> = {
  unguarded: 'unguarded (baseline)',
  'noop-guard': 'a guard that returns true (Nest guard cost)',
  'guard-token-info': 'ScopesGuard token-info, warm',
  'guard-jwt-rs256': 'ScopesGuard jwt RS256, warm',
  'guard-jwt-es256': 'ScopesGuard jwt ES256, warm',
  'guard-jwt-rs256-uncached': 'ScopesGuard jwt RS256, every request a miss',
  'passport-jwt-rs256': '@nestjs/passport + passport-jwt RS256',
  'express-oauth2-jwt-bearer-rs256': 'express-oauth2-jwt-bearer RS256',
};
const VARIANTS = Object.keys(LABELS) as InboundVariant[];

interface Server {
  adapter: 'express' | 'fastify';
  variant: InboundVariant;
  /** Started from BENCH_COMPARE_ROOT number `compare` (1-based); 0: from this checkout. */
  compare: number;
  url: string;
  child: ChildProcess;
  tokens: string[];
  /** This pipelining level's measurements, one per round. */
  results: (LoadResult & { cpuUsPerRequest: number })[];
}

/** Warm guard ÷ unguarded, CPU-bound, must be at least this (issue 17). */
const GUARD_TARGET = { express: 0.95, fastify: 0.9 };
/** Warm jwt guard ÷ peer, CPU-bound, must be at least this. */
const PEER_TARGET: Partial<Record<InboundVariant, number>> = {
  'express-oauth2-jwt-bearer-rs256': 1.5,
  'passport-jwt-rs256': 3,
};

/** `items` starting at index `round` (modulo their number). */
function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** Sends `msg` to a server and waits for its answer. */
function ask(child: ChildProcess, msg: object): Promise<unknown> {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(msg);
  });
}

/** One autocannon run against `s`, with the server's CPU time per response. */
async function measure(s: Server, pipelining: number): Promise<Server['results'][number]> {
  type Cpu = { usage: NodeJS.CpuUsage };
  const before = ((await ask(s.child, { type: 'cpu' })) as Cpu).usage;
  const result = await load(s.url, s.tokens, SECONDS, CONNECTIONS, pipelining);
  const after = ((await ask(s.child, { type: 'cpu' })) as Cpu).usage;
  const cpuUs = after.user - before.user + (after.system - before.system);
  return { ...result, cpuUsPerRequest: cpuUs / Math.max(1, result.requests) };
}

/** Prints each adapter's table for one pipelining level and records its targets. */
function report(servers: readonly Server[], pipelining: number): void {
  for (const adapter of ['express', 'fastify'] as const) {
    const mine = servers.filter((s) => s.adapter === adapter);
    const rps = (s: Server) => median(s.results.map((x) => x.rps));
    if (mine.length === 0) continue;
    const find = (v: InboundVariant) => mine.find((s) => s.variant === v && !s.compare);
    /** Median over rounds of this round's rps ÷ the same round's rps of `other`. */
    const paired = (s: Server, other: Server | undefined) =>
      other ? pairedMedian(s.results, other.results, (x, o) => x.rps / o.rps) : NaN;
    /** The same for CPU cost: `other`'s CPU µs per request ÷ this one's (> 1: cheaper). */
    const pairedCpu = (s: Server | undefined, other: Server | undefined) =>
      s && other
        ? pairedMedian(s.results, other.results, (x, o) => o.cpuUsPerRequest / x.cpuUsPerRequest)
        : NaN;
    const cpu = (s: Server) => median(s.results.map((x) => x.cpuUsPerRequest));
    const base = find('unguarded');
    const passport = find('passport-jwt-rs256');
    const name = adapter === 'express' ? 'Express' : 'Fastify';
    console.log(`### ${name}, pipelining ${pipelining}\n`);
    console.log(
      table(
        [
          'variant',
          'req/s (median)',
          'min–max',
          'vs unguarded',
          'vs passport-jwt',
          'server CPU µs/req',
          'CPU-bound vs unguarded',
          'CPU-bound vs passport-jwt',
          'p50 ms',
          'p99 ms',
          'non-2xx + errors',
        ],
        mine.map((s) => {
          const all = s.results.map((x) => x.rps);
          return [
            `${LABELS[s.variant]}${s.compare ? ` [compare ${s.compare}]` : ''}`,
            fmt(rps(s)),
            `${fmt(Math.min(...all))}–${fmt(Math.max(...all))}`,
            ratio(paired(s, base), 1),
            ratio(paired(s, passport), 1),
            fmt(cpu(s), 1),
            ratio(pairedCpu(s, base), 1),
            ratio(pairedCpu(s, passport), 1),
            fmt(median(s.results.map((x) => x.p50)), 0),
            fmt(median(s.results.map((x) => x.p99)), 0),
            fmt(s.results.reduce((a, x) => a + x.non2xx + x.errors, 0)),
          ];
        }),
      ),
    );
    console.log('');
    for (const v of ['guard-token-info', 'guard-jwt-rs256'] as const) {
      if (!find(v) || !base) continue;
      const r = pairedCpu(find(v), base);
      const min = GUARD_TARGET[adapter];
      target(
        'inbound-throughput',
        `${LABELS[v]} ÷ unguarded, ${name}, pipelining ${pipelining}, CPU-bound ≥ ${min.toFixed(2)}×`,
        ratio(r, 1),
        atLeast(r, min),
      );
    }
    for (const [peer, min] of Object.entries(PEER_TARGET) as [InboundVariant, number][]) {
      const other = find(peer);
      if (!other || !find('guard-jwt-rs256')) continue;
      const r = pairedCpu(find('guard-jwt-rs256'), other);
      target(
        'inbound-throughput',
        `${LABELS['guard-jwt-rs256']} ÷ ${LABELS[peer]}, ${name}, pipelining ${pipelining}, CPU-bound ≥ ${min}×`,
        ratio(r, 1),
        atLeast(r, min),
      );
    }
  }
}

async function main(): Promise<void> {
  pinSelf();
  const client = { clientId: 'partner-app', clientSecret: 'partner-secret', scopes: ['rx:read'] };
  const rs = await HoneybeeEmulator.start({ clients: [client], jwt: { algorithm: 'RS256' } });
  const es = await HoneybeeEmulator.start({ clients: [client], jwt: { algorithm: 'ES256' } });
  const servers: Server[] = [];
  try {
    // Tokens issued by the emulator: JWTs its token-info endpoint also knows.
    const issue = async (emu: HoneybeeEmulator) => {
      const out: string[] = [];
      for (let i = 0; i < TOKENS; i++) {
        out.push((await emu.issueToken('partner-app', ['rx:read'])).access_token);
      }
      return out;
    };
    const rsTokens = await issue(rs);
    const esTokens = await issue(es);
    const [jwk] = (await rs.getJwks()).keys;
    const publicKeyPem = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();

    const plan: [Server['adapter'], InboundVariant, number][] = [];
    for (const adapter of ['express', 'fastify'] as const) {
      for (const variant of VARIANTS) {
        if (variant === 'express-oauth2-jwt-bearer-rs256' && adapter !== 'express') continue;
        if (ONLY.size > 0 && !ONLY.has(`${adapter}/${variant}`)) continue;
        plan.push([adapter, variant, 0]);
        if (!variant.startsWith('guard-')) continue;
        COMPARE_ROOTS.forEach((_, i) => plan.push([adapter, variant, i + 1]));
      }
    }
    const start = async ([adapter, variant, compare]: (typeof plan)[number]): Promise<Server> => {
      const config: InboundAppConfig = {
        variant,
        adapter,
        tokenUrl: rs.tokenUrl,
        rs256: { jwksUri: rs.jwksUri, issuer: rs.issuer, publicKeyPem },
        es256: { jwksUri: es.jwksUri, issuer: es.issuer },
        audience: 'honeybee-partners',
        uncachedMaxEntries: UNCACHED_MAX_ENTRIES,
      };
      const root = compare > 0 ? COMPARE_ROOTS[compare - 1] : undefined;
      const { child, first } = await spawnTsx<{ port: number }>(
        root ? `${root}/bench/lib/inbound-app.ts` : APP,
        { BENCH_APP: JSON.stringify(config) },
        [],
        root,
      );
      const url = `http://127.0.0.1:${first.port}/rx`;
      const tokens = variant === 'guard-jwt-es256' ? esTokens : rsTokens;
      return { adapter, variant, compare, url, child, tokens, results: [] };
    };
    // A few at a time: tsx compiles each on start-up.
    for (let i = 0; i < plan.length; i += 4) {
      servers.push(...(await Promise.all(plan.slice(i, i + 4).map(start))));
    }

    // Each server must accept a good token and refuse a missing one before it is timed.
    for (const s of servers) {
      const ok = await fetch(s.url, { headers: { authorization: `Bearer ${s.tokens[0]}` } });
      const none = await fetch(s.url);
      const expectNone = s.variant === 'unguarded' || s.variant === 'noop-guard' ? 200 : 401;
      if (ok.status !== 200 || none.status !== expectNone) {
        throw new Error(
          `${s.adapter}/${s.variant}: ${ok.status} with a token, ${none.status} without (expected 200, ${expectNone})`,
        );
      }
    }

    console.log('## Inbound throughput: GET /rx, requests per second\n');
    console.log(
      `${machineLine()} · autocannon ${CONNECTIONS} connections, pipelining ${PIPELINING.join(' and ')}, ${SECONDS} s per measurement, ${ROUNDS} rounds after a warm-up round per pipelining level, variants interleaved, ${TOKENS} tokens round robin${PIN ? ', servers pinned to CPU 1 and autocannon to CPU 0' : ''}\n`,
    );
    const profiled = servers.filter((s) => !s.compare && PROFILE.has(`${s.adapter}/${s.variant}`));
    for (const pipelining of PIPELINING) {
      for (const s of servers) s.results = [];
      // Warm-up: JIT, JWKS fetch, and every token's verdict cached.
      for (const s of servers) await measure(s, pipelining);
      const tokenInfoBefore = rs.requests('tokenInfo').length;
      await Promise.all(profiled.map((s) => ask(s.child, { type: 'profile-start' })));
      for (let r = 0; r < ROUNDS; r++) {
        // Each round starts one server later, so that no server always follows the same one.
        for (const s of rotated(servers, r)) s.results.push(await measure(s, pipelining));
        console.error(`  pipelining ${pipelining}: round ${r + 1}/${ROUNDS} done`);
      }
      for (const s of profiled) {
        const file = `${PROFILE_DIR}${s.adapter}-${s.variant}-p${pipelining}.cpuprofile`;
        await ask(s.child, { type: 'profile-stop', file });
        console.error(`  wrote ${file} (timed rounds only)`);
      }
      report(servers, pipelining);
      console.log(
        `Token-info calls during the timed rounds at pipelining ${pipelining} (a warm cache makes none): ${rs.requests('tokenInfo').length - tokenInfoBefore}\n`,
      );
    }
    console.log(
      'Ratios are paired: the median over rounds of (this variant ÷ the other, same round). ' +
        '"Server CPU µs/req" is the server process\'s CPU time (user + system, all threads) per ' +
        'response; "CPU-bound" ratios are the other variant\'s CPU per request ÷ this one\'s, ' +
        'i.e. the throughput ratio when the server is CPU-bound, and much less sensitive than ' +
        'req/s to other load on the machine.\n',
    );
    COMPARE_ROOTS.forEach((root, i) => console.log(`[compare ${i + 1}]: ${root}`));
    if (COMPARE_ROOTS.length > 0) console.log('');
    printTargets();
  } finally {
    await Promise.all(servers.map((s) => stopChild(s.child)));
    await rs.stop();
    await es.stop();
  }
}

await main();
