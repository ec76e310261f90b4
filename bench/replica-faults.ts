/**
 * Replicas through faults: K = 8 processes (each its own Nest application) share a real
 * redis-server and call the emulator's Partners API non-stop, the emulator revoking the
 * previous token on every new one, while Redis is killed and restarted, the lock holder's
 * Redis connection is paused, and the lock holder is killed, each while a token is being
 * fetched. Prints token requests per refresh per phase and the failed calls
 * (`test/fixtures/replica-faults.ts` runs the scenario; `npm run test:redis` asserts on it).
 *
 *   npm run bench:replica-faults      (BENCH_RUNS=3, BENCH_PAUSE_MS=1000; needs redis-server)
 */
import { FAULT_RUN, measureReplicaFaults } from '../test/fixtures/replica-faults.js';
import type { FaultFigures } from '../test/fixtures/replica-faults.js';
import { intFromEnv, machineLine } from './lib/env.js';
import { table } from './lib/stats.js';

const RUNS = intFromEnv('BENCH_RUNS', 3);
const K = 8;
const settings = { ...FAULT_RUN, pauseMs: intFromEnv('BENCH_PAUSE_MS', FAULT_RUN.pauseMs) };

console.log(`## Replicas through faults: K = ${K} processes, ${RUNS} runs\n`);
console.log(`${machineLine()}\n`);
console.log(
  `token lifetime ${settings.tokenLifetimeS} s, token endpoint ${settings.tokenEndpointMs} ms, ` +
    `token request timeout ${settings.tokenRequestTimeoutMs} ms, lock TTL ${settings.lockTtlMs} ms, ` +
    `pause ${settings.pauseMs} ms, one API call per replica every ${settings.everyMs} ms\n`,
);
const runs: FaultFigures[] = [];
for (let i = 0; i < RUNS; i++) runs.push(await measureReplicaFaults(K, settings));

const rows = runs[0].phases.map((p, i) => {
  const rounds = runs.map((r) => r.phases[i].rounds);
  const all = rounds.flat();
  return [
    p.phase,
    String(all.length),
    String(all.reduce((a, b) => a + b, 0)),
    String(Math.max(...all)),
    rounds.map((r) => r.join(' ')).join(' · '),
  ];
});
console.log(
  table(
    [
      'phase',
      'refreshes',
      'token requests',
      'most requests in one refresh',
      'requests per refresh, by run',
    ],
    rows,
  ),
);
const calls = runs.reduce((n, r) => n + r.calls, 0);
const failed = runs.reduce((n, r) => n + r.failed, 0);
console.log(
  `\n${calls} API calls, ${failed} failed${failed ? ` ${JSON.stringify(runs.map((r) => r.statuses))}` : ''}\n`,
);
