/**
 * What OpenTelemetry costs on the hot paths: the warm `ScopesGuard` (token-info, every verdict
 * cached) behind Express and Fastify (autocannon), and in process, without the HTTP server's
 * noise: `canActivate()` called directly, `getAccessToken()` with a cached token, and
 * `HoneybeeHttpService` GETs to a local API, each authorized with the cached token. Each runs
 * in four processes side by side (see `TelemetryMode`):
 *
 * - `off`: the module's telemetry disabled, `@opentelemetry/api` never loaded (an application
 *   without the package);
 * - `api`: the API loaded, no SDK (its no-op providers; the default without an SDK);
 * - `sdk`: a real SDK registered (metrics collected every second, spans batched, the
 *   `AsyncLocalStorage` context manager), the module recording;
 * - `sdk-off`: the same SDK, the module not recording (what the SDK costs by itself).
 *
 * One child process per server or in-process subject (pinned to CPU 1), autocannon in this
 * process (CPU 0), a warm-up round, then the processes interleaved round by round, each round
 * starting one process later. Ratios are paired: the median over
 * rounds of (this ÷ `off`, same round); "CPU" ratios compare CPU time per request, which other
 * load on the machine disturbs much less than throughput.
 *
 *   npm run bench:telemetry
 *   (BENCH_ROUNDS=7 BENCH_DURATION=2 BENCH_CONNECTIONS=10 BENCH_PIN=1)
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { intFromEnv, machineLine } from './lib/env.js';
import type { HotPathConfig, HotPathMeasure } from './lib/hot-path-child.js';
import type { InboundAppConfig } from './lib/inbound-app.js';
import { PIN, load, pinSelf, spawnTsx, stopChild } from './lib/load.js';
import type { TelemetryMode } from './lib/opentelemetry-sdk.js';
import { fmt, median, pairedMedian, ratio, table } from './lib/stats.js';
import { atLeast, printTargets, target } from './lib/summary.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 7);
const SECONDS = intFromEnv('BENCH_DURATION', 2);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10);
const TOKENS = 64;
const MODES: TelemetryMode[] = ['off', 'api', 'sdk', 'sdk-off'];
const LABELS: Record<TelemetryMode, string> = {
  off: 'telemetry off (no @opentelemetry/api loaded)',
  api: '@opentelemetry/api, no SDK',
  sdk: 'SDK registered, module recording',
  'sdk-off': 'SDK registered, module not recording',
};
const INBOUND_APP = fileURLToPath(new URL('./lib/inbound-app.ts', import.meta.url));
const HOT_PATH_CHILD = fileURLToPath(new URL('./lib/hot-path-child.ts', import.meta.url));

/** One measurement: operations per second and CPU µs per operation of the measured process. */
interface Sample {
  opsPerSecond: number;
  cpuUsPerOp: number;
}

interface Subject {
  mode: TelemetryMode;
  child: ChildProcess;
  samples: Sample[];
}

/** `items` starting at index `round` (modulo their number). */
function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    child.send(msg);
  });
}

/** CPU-bound paired ratio: `base`'s CPU per operation ÷ `s`'s, median over rounds (> 1: cheaper). */
function pairedCpu(s: Subject, base: Subject): number {
  return pairedMedian(s.samples, base.samples, (x, b) => b.cpuUsPerOp / x.cpuUsPerOp);
}

/** Paired ratios of each subject against `off`, and of `sdk` against `sdk-off`, as table rows. */
function rows(subjects: Subject[], unit: string): string[][] {
  const find = (mode: TelemetryMode) => subjects.find((s) => s.mode === mode)!;
  const paired = (s: Subject, base: Subject) =>
    pairedMedian(s.samples, base.samples, (x, b) => x.opsPerSecond / b.opsPerSecond);
  const off = find('off');
  const sdkOff = find('sdk-off');
  return subjects.map((s) => {
    const all = s.samples.map((x) => x.opsPerSecond);
    return [
      LABELS[s.mode],
      fmt(median(all)),
      `${fmt(Math.min(...all))}–${fmt(Math.max(...all))}`,
      fmt(median(s.samples.map((x) => x.cpuUsPerOp)), unit === 'call' ? 3 : 1),
      ratio(paired(s, off), 1, 3),
      ratio(pairedCpu(s, off), 1, 3),
      s.mode === 'sdk' ? ratio(pairedCpu(s, sdkOff), 1, 3) : '',
    ];
  });
}

/** The module's recording (sdk ÷ sdk-off, CPU-bound) must keep at least this: ≤ 3 % overhead. */
const RECORDING_TARGET = 0.97;

/** Records the target of one table: what the module's recording costs with a real SDK. */
function recordTarget(subjects: Subject[], what: string): void {
  const find = (mode: TelemetryMode) => subjects.find((s) => s.mode === mode)!;
  const recording = pairedCpu(find('sdk'), find('sdk-off'));
  const vsOff = pairedCpu(find('sdk'), find('off'));
  target(
    'telemetry-overhead',
    `${what}: SDK registered, module recording ÷ not recording, CPU-bound ≥ ${RECORDING_TARGET}× (≤ 3 %)`,
    `${ratio(recording, 1, 3)} (vs telemetry off: ${ratio(vsOff, 1, 3)})`,
    atLeast(recording, RECORDING_TARGET),
  );
}

const HEADER = (what: string, unit: string) => [
  what,
  `${unit}s/s (median)`,
  'min–max',
  `CPU µs/${unit}`,
  'vs off',
  'CPU-bound vs off',
  'CPU-bound vs sdk-off',
];

async function inbound(emu: HoneybeeEmulator, tokens: string[]): Promise<void> {
  for (const adapter of ['express', 'fastify'] as const) {
    const subjects: (Subject & { url: string })[] = [];
    try {
      for (const mode of MODES) {
        const config: InboundAppConfig = {
          variant: 'guard-token-info',
          adapter,
          tokenUrl: emu.tokenUrl,
          rs256: { jwksUri: emu.jwksUri, issuer: emu.issuer, publicKeyPem: '' },
          es256: { jwksUri: emu.jwksUri, issuer: emu.issuer },
          audience: 'honeybee-partners',
          uncachedMaxEntries: 1,
          telemetry: mode,
        };
        const { child, first } = await spawnTsx<{ port: number }>(INBOUND_APP, {
          BENCH_APP: JSON.stringify(config),
        });
        subjects.push({ mode, child, url: `http://127.0.0.1:${first.port}/rx`, samples: [] });
      }
      const measure = async (s: (typeof subjects)[number]): Promise<Sample> => {
        const before = (await ask<{ usage: NodeJS.CpuUsage }>(s.child, { type: 'cpu' })).usage;
        const result = await load(s.url, tokens, SECONDS, CONNECTIONS);
        const after = (await ask<{ usage: NodeJS.CpuUsage }>(s.child, { type: 'cpu' })).usage;
        if (result.non2xx + result.errors > 0) throw new Error(`${s.mode}: non-2xx answers`);
        const cpuUs = after.user - before.user + (after.system - before.system);
        return { opsPerSecond: result.rps, cpuUsPerOp: cpuUs / Math.max(1, result.requests) };
      };
      for (const s of subjects) await measure(s); // warm-up: JIT, every verdict cached
      for (let r = 0; r < ROUNDS; r++) {
        // Each round starts one process later, so that no process always follows the same one.
        for (const s of rotated(subjects, r)) s.samples.push(await measure(s));
        console.error(`  ${adapter}: round ${r + 1}/${ROUNDS} done`);
      }
      console.log(
        `### Warm ScopesGuard (token-info), ${adapter === 'express' ? 'Express' : 'Fastify'}: GET /rx\n`,
      );
      console.log(table(HEADER('telemetry', 'request'), rows(subjects, 'request')));
      console.log('');
      recordTarget(
        subjects,
        `warm ScopesGuard (token-info), ${adapter === 'express' ? 'Express' : 'Fastify'}`,
      );
    } finally {
      await Promise.all(subjects.map((s) => stopChild(s.child)));
    }
  }
}

/** What each in-process measurement calls, and its table's title and unit. */
const IN_PROCESS = [
  ['guard', 'Warm ScopesGuard: `canActivate()` called directly (no HTTP server)', 'call'],
  ['token', 'Cached token: `getAccessToken()` back to back', 'call'],
  [
    'http',
    'Cached token: `HoneybeeHttpService` GET to a local API, one at a time (client and API in one process)',
    'request',
  ],
] as const;

/** How the summary names each in-process measurement. */
const TARGET_NAMES: Record<(typeof IN_PROCESS)[number][0], string> = {
  guard: 'warm ScopesGuard, `canActivate()` in process',
  token: 'cached token, `getAccessToken()`',
  http: 'cached token, `HoneybeeHttpService` GET',
};

async function inProcess(emu: HoneybeeEmulator, callerToken: string): Promise<void> {
  const children: { mode: TelemetryMode; child: ChildProcess }[] = [];
  try {
    for (const mode of MODES) {
      const config: HotPathConfig = { tokenUrl: emu.tokenUrl, callerToken, telemetry: mode };
      const { child } = await spawnTsx<{ ready: boolean }>(HOT_PATH_CHILD, {
        BENCH_HOT_PATH: JSON.stringify(config),
      });
      children.push({ mode, child });
    }
    const subjects = IN_PROCESS.map(() =>
      children.map(({ mode, child }): Subject => ({ mode, child, samples: [] })),
    );
    const measure = async (s: Subject, type: string): Promise<Sample> => {
      const ms = SECONDS * 500;
      const { count, cpuUs } = await ask<HotPathMeasure>(s.child, { type, ms });
      return { opsPerSecond: (count / ms) * 1000, cpuUsPerOp: cpuUs / Math.max(1, count) };
    };
    for (let r = 0; r <= ROUNDS; r++) {
      for (const i of rotated([...children.keys()], r)) {
        for (const [k, [type]] of IN_PROCESS.entries()) {
          const sample = await measure(subjects[k]![i]!, type);
          if (r > 0) subjects[k]![i]!.samples.push(sample); // round 0: warm-up
        }
      }
      if (r > 0) console.error(`  in process: round ${r}/${ROUNDS} done`);
    }
    for (const [k, [, title, unit]] of IN_PROCESS.entries()) {
      console.log(`### ${title}\n`);
      console.log(table(HEADER('telemetry', unit), rows(subjects[k]!, unit)));
      console.log('');
      recordTarget(subjects[k]!, TARGET_NAMES[IN_PROCESS[k]![0]]);
    }
  } finally {
    await Promise.all(children.map(({ child }) => stopChild(child)));
  }
}

async function main(): Promise<void> {
  pinSelf();
  const emu = await HoneybeeEmulator.start({
    clients: [
      {
        clientId: 'partner-app',
        clientSecret: 'bench-secret-bench-secret-bench-secret',
        scopes: ['rx:read'],
      },
    ],
  });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i++) {
      tokens.push((await emu.issueToken('partner-app', ['rx:read'])).access_token);
    }
    console.log('## Telemetry overhead on the hot paths\n');
    console.log(
      `${machineLine()} · autocannon ${CONNECTIONS} connections, pipelining 1, ${SECONDS} s per measurement (in process: ${SECONDS / 2} s per measurement), ${ROUNDS} rounds after a warm-up round, processes interleaved${PIN ? ', servers pinned to CPU 1 and autocannon to CPU 0' : ''}\n`,
    );
    await inbound(emu, tokens);
    await inProcess(emu, tokens[0]!);
    console.log(
      '"vs off" is the paired median of (ops/s ÷ the same round\'s ops/s with telemetry off); ' +
        '"CPU-bound" ratios are (the other\'s CPU per operation ÷ this one\'s), the throughput ' +
        'ratio when CPU-bound; "vs sdk-off" isolates what the module records from what the SDK ' +
        'itself costs (its context manager above all).\n',
    );
    printTargets();
  } finally {
    await emu.stop();
  }
}

await main();
