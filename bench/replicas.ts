/**
 * Scenario 4, replicas: K processes (K = 1, 4, 8), each with its own HoneybeeTokenService,
 * share one client id and one recording token server, with and without the Redis token store
 * (a real redis-server from the test fixture). Counts token requests per refresh.
 *
 * A "refresh" is one token as seen by one replica: requests ÷ (distinct tokens the busiest
 * replica used). Without a shared store every replica fetches its own, so this is ≈ K; with
 * Redis, one replica fetches and the others adopt it, so it should be 1.
 *
 *   npx tsx bench/replicas.ts        (BENCH_ROUNDS=3)
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { RecordingTokenServer } from '../libs/honeybee-auth/src/testing/recording-token-server.js';
import { RedisServer } from '../test/fixtures/redis-server.js';
import { intFromEnv, machineLine } from './lib/env.js';
import type { ResultMessage, RunMessage } from './lib/replica-child.js';
import { fmt, max, median, table } from './lib/stats.js';
import { atMost, printTargets, target } from './lib/summary.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const REPLICAS = [1, 4, 8];
/** Token lifetime, s: short, so several refreshes happen in one run. */
const LIFETIME_S = 2;
/** Length of one run, ms. */
const DURATION_MS = 6000;
/** The token endpoint's answer time, ms: some room for replicas to race. */
const ENDPOINT_MS = 50;
const CHILD = fileURLToPath(new URL('./lib/replica-child.ts', import.meta.url));

interface Sample {
  requests: number;
  refreshes: number;
  failures: number;
  maxMs: number;
  slowWarmCalls: number;
  calls: number;
}

function spawnReplica(): Promise<ChildProcess> {
  const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`replica exited early (${code})`)));
  });
}

function runOn(child: ChildProcess, msg: RunMessage): Promise<ResultMessage> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as ResultMessage));
    child.send(msg);
  });
}

async function once(children: ChildProcess[], redisUrl: string | undefined, id: string) {
  const server = await RecordingTokenServer.start();
  server.respond(async () => {
    await delay(ENDPOINT_MS);
    return { body: server.tokenBody({ expires_in: LIFETIME_S }) };
  });
  try {
    const msg: RunMessage = {
      type: 'run',
      tokenUrl: server.tokenUrl,
      clientId: `partner-app-${id}`,
      redisUrl,
      startAt: Date.now() + 300,
      durationMs: DURATION_MS,
      everyMs: 5,
    };
    const results = await Promise.all(children.map((c) => runOn(c, msg)));
    const sample: Sample = {
      requests: server.requests.length,
      refreshes: max(results.map((r) => r.tokens.length)),
      failures: results.reduce((a, r) => a + r.failures, 0),
      maxMs: max(results.map((r) => r.maxMs)),
      slowWarmCalls: results.reduce((a, r) => a + r.slowWarmCalls, 0),
      calls: results.reduce((a, r) => a + r.calls, 0),
    };
    return sample;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `## Replicas: token requests per refresh, K processes, token lifetime ${LIFETIME_S} s, endpoint ${ENDPOINT_MS} ms, ${DURATION_MS / 1000} s per run\n`,
  );
  console.log(`${machineLine()} · ${ROUNDS} rounds, with/without Redis interleaved\n`);
  const redis = await RedisServer.start();
  const rows: string[][] = [];
  try {
    for (const k of REPLICAS) {
      const children: ChildProcess[] = [];
      try {
        children.push(...(await Promise.all(Array.from({ length: k }, spawnReplica))));
        const modes = [
          { name: 'no shared store', redisUrl: undefined },
          { name: 'RedisTokenStore', redisUrl: redis.url },
        ];
        const samples = new Map<string, Sample[]>(modes.map((m) => [m.name, []]));
        for (let r = 0; r < ROUNDS; r++) {
          for (const m of modes) {
            samples.get(m.name)!.push(await once(children, m.redisUrl, `k${k}-r${r}-${m.name}`));
          }
        }
        for (const m of modes) {
          const s = samples.get(m.name)!;
          const perRefresh = s.map((x) => x.requests / x.refreshes);
          if (m.redisUrl) {
            const perRefreshMedian = median(perRefresh);
            target(
              'replicas',
              `RedisTokenStore, K = ${k} processes: token requests per refresh = 1`,
              fmt(perRefreshMedian, 2),
              atMost(perRefreshMedian, 1),
            );
          }
          rows.push([
            `K = ${k}, ${m.name}`,
            fmt(median(s.map((x) => x.requests))),
            fmt(median(s.map((x) => x.refreshes))),
            fmt(median(perRefresh), 2),
            `${fmt(Math.min(...perRefresh), 2)}–${fmt(Math.max(...perRefresh), 2)}`,
            fmt(median(s.map((x) => x.slowWarmCalls))),
            fmt(median(s.map((x) => x.maxMs)), 1),
            fmt(s.reduce((a, x) => a + x.failures, 0)),
          ]);
        }
      } finally {
        for (const c of children) c.send({ type: 'exit' });
      }
    }
  } finally {
    await redis.close();
  }
  console.log(
    table(
      [
        'replicas, store',
        'token requests',
        'refreshes (tokens per replica)',
        'requests per refresh',
        'min–max',
        'warm calls ≥ 50 ms',
        'max call ms (cold start incl.)',
        'failed calls',
      ],
      rows,
    ),
  );
  console.log(
    '\n(medians over rounds; a warm call starts after its replica already had a token)\n',
  );
  printTargets();
}

await main();
