/**
 * Start-up and memory: what the module costs once and per cached verdict (reported, no target).
 *
 * - Start-up: `NestFactory.create()` + `app.init()` of a minimal Express app (one route) with
 *   `HoneybeeAuthModule.forRoot` (outbound and the jwt inbound verifier configured, `ScopesGuard`
 *   on the route) and without it, each measurement in a fresh process, the two interleaved
 *   (each round starting with the other); the medians and the paired difference.
 * - Heap per cached verdict: N distinct tokens from the emulator through `ScopesGuard`
 *   (`canActivate()` called directly) with the token-info verifier (opaque tokens, Honeybee's
 *   default) and with the jwt verifier (ES256 tokens), in a process run with `--expose-gc`;
 *   heap used after forced GCs, after ÷ N minus before ÷ N.
 *
 *   npx tsx bench/startup-memory.ts      (BENCH_ROUNDS=11 BENCH_VERDICTS=10000 BENCH_PIN=1)
 */
import { fileURLToPath } from 'node:url';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { intFromEnv, machineLine } from './lib/env.js';
import { spawnTsx } from './lib/load.js';
import type { StartupConfig } from './lib/startup-child.js';
import { fmt, median, pairedMedian, ratio, table } from './lib/stats.js';
import { printTargets, target } from './lib/summary.js';
import type { VerdictHeapConfig, VerdictHeapResult } from './lib/verdict-heap-child.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 11);
const VERDICTS = intFromEnv('BENCH_VERDICTS', 10_000);
const STARTUP_CHILD = fileURLToPath(new URL('./lib/startup-child.ts', import.meta.url));
const HEAP_CHILD = fileURLToPath(new URL('./lib/verdict-heap-child.ts', import.meta.url));
const CLIENT = {
  clientId: 'partner-app',
  clientSecret: 'bench-secret-bench-secret-bench-secret',
  scopes: ['rx:read'],
};

/** Start-up time of one fresh process, ms. */
async function startOnce(config: StartupConfig): Promise<number> {
  const { child, first } = await spawnTsx<{ ms: number }>(STARTUP_CHILD, {
    BENCH_STARTUP: JSON.stringify(config),
  });
  await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
  return first.ms;
}

async function startup(emu: HoneybeeEmulator): Promise<void> {
  const config = (withModule: boolean): StartupConfig => ({
    withModule,
    tokenUrl: emu.tokenUrl,
    apiBaseUrl: `${new URL(emu.tokenUrl).origin}/v1`,
    jwksUri: emu.jwksUri,
    issuer: emu.issuer,
  });
  const without: number[] = [];
  const withIt: number[] = [];
  await startOnce(config(true)); // warm-up: tsx's compile cache, the page cache
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      without.push(await startOnce(config(false)));
      withIt.push(await startOnce(config(true)));
    } else {
      withIt.push(await startOnce(config(true)));
      without.push(await startOnce(config(false)));
    }
    console.error(`  start-up: round ${r + 1}/${ROUNDS} done`);
  }
  const delta = pairedMedian(withIt, without, (x, w) => x - w);
  console.log('### Start-up: `NestFactory.create()` + `app.init()`, fresh process each\n');
  console.log(
    table(
      ['app', 'ms (median)', 'min–max', 'vs without'],
      [
        ['without the module (one route)', without, NaN],
        ['with `HoneybeeAuthModule.forRoot` and `ScopesGuard`', withIt, delta],
      ].map(([name, xs, d]) => {
        const all = xs as number[];
        return [
          name as string,
          fmt(median(all), 1),
          `${fmt(Math.min(...all), 1)}–${fmt(Math.max(...all), 1)}`,
          Number.isFinite(d)
            ? `+${fmt(d as number, 1)} ms (${ratio(median(withIt), median(without))})`
            : '',
        ];
      }),
    ),
  );
  console.log(
    '\nModules are imported before the clock starts (in both alike): the sources run under tsx, ' +
      'whose compile time is not what an application built with tsc pays. "vs without" is the ' +
      'median of the paired differences (same round).\n',
  );
  target(
    'startup-memory',
    'start-up with the module − without (`create()` + `init()`, median, no target)',
    `+${fmt(delta, 1)} ms`,
    null,
  );
}

async function heapPerVerdict(
  name: string,
  emu: HoneybeeEmulator,
  verifier: VerdictHeapConfig['verifier'],
): Promise<VerdictHeapResult> {
  const tokens: string[] = [];
  for (let i = 0; i < VERDICTS; i++) {
    tokens.push((await emu.issueToken('partner-app', ['rx:read'])).access_token);
  }
  const config: VerdictHeapConfig = {
    verifier,
    tokenUrl: emu.tokenUrl,
    jwksUri: emu.jwksUri,
    issuer: emu.issuer,
  };
  const { child } = await spawnTsx<{ ready: boolean }>(
    HEAP_CHILD,
    { BENCH_VERDICT_HEAP: JSON.stringify(config) },
    ['--expose-gc'],
  );
  const result = await new Promise<VerdictHeapResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as VerdictHeapResult));
    child.once('exit', (code) => reject(new Error(`${name}: exited with ${code}`)));
    child.send({ tokens });
  });
  await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
  return result;
}

async function main(): Promise<void> {
  const opaque = await HoneybeeEmulator.start({ clients: [CLIENT] });
  const jwt = await HoneybeeEmulator.start({ clients: [CLIENT], jwt: { algorithm: 'ES256' } });
  try {
    console.log('## Start-up and memory\n');
    console.log(
      `${machineLine()} · start-up: ${ROUNDS} rounds after a warm-up, with/without interleaved · heap: ${fmt(VERDICTS)} distinct tokens, forced GC (×3) before each reading\n`,
    );
    await startup(jwt);
    const rows: string[][] = [];
    for (const [name, emu, verifier] of [
      ['token-info verifier (opaque tokens)', opaque, 'token-info'],
      ['jwt verifier (ES256 tokens)', jwt, 'jwt'],
    ] as const) {
      const r = await heapPerVerdict(name, emu, verifier);
      const bytes = (r.heapAfter - r.heapBefore) / Math.max(1, r.verdicts);
      rows.push([
        name,
        fmt(r.verdicts),
        fmt((r.heapAfter - r.heapBefore) / 2 ** 20, 2),
        fmt(bytes, 0),
      ]);
      target(
        'startup-memory',
        `heap per cached verdict, ${name} (no target)`,
        `${fmt(bytes, 0)} bytes`,
        null,
      );
    }
    console.log('### Heap per cached verdict\n');
    console.log(
      table(['verifier', 'verdicts cached', 'heap growth MB', 'bytes per verdict'], rows),
    );
    console.log(
      '\nHeap used after forced GCs, after filling the cache minus before, ÷ the verdicts cached ' +
        '(the tokens themselves are in the heap before the first reading; what is counted is ' +
        'the cache entry: its key, the principal and the bookkeeping).\n',
    );
    printTargets();
  } finally {
    await opaque.stop();
    await jwt.stop();
  }
}

await main();
