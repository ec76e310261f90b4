/**
 * Outbound throughput: what `HoneybeeHttpService` adds to every call with a cached token (the
 * origin checks, the adapter wrapper, header masking, redirect hooks), against `@nestjs/axios`'s
 * `HttpService` with a static `Authorization: Bearer` header. A keep-alive loopback API
 * (`node:http`, a small JSON answer) in its own process (pinned to CPU 0); each client in its
 * own process (pinned to CPU 1), with the same keep-alive agent settings, 64 concurrent
 * callers looping GETs (throughput, CPU, and latency under load), then one caller alone
 * (latency unloaded: with 64 callers in a closed loop, latency is callers ÷ throughput, so
 * only the lone caller shows what a call adds); both with axios's default `http` adapter and
 * with `adapter: 'fetch'`. A warm-up round, then the four clients interleaved round by round,
 * each round starting one client later. Ratios are paired against the `HttpService` on the
 * same adapter.
 *
 *   npx tsx bench/outbound-throughput.ts
 *   (BENCH_ROUNDS=5 BENCH_DURATION=2 BENCH_CALLERS=64 BENCH_PIN=1;
 *    BENCH_PROFILE=honeybee/http,nestjs-axios/http,… writes a CPU profile of those clients' last
 *    64-caller measurement to bench/profiles/outbound-CLIENT-ADAPTER.cpuprofile)
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { intFromEnv, machineLine } from './lib/env.js';
import type { OutboundClientConfig, OutboundRun } from './lib/outbound-client.js';
import { PIN, spawnTsx, stopChild } from './lib/load.js';
import { PROFILE_DIR } from './lib/profiler.js';
import { fmt, median, pairedMedian, ms, ratio, table } from './lib/stats.js';
import { atLeast, atMost, printTargets, target } from './lib/summary.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 5);
const SECONDS = intFromEnv('BENCH_DURATION', 2);
const CALLERS = intFromEnv('BENCH_CALLERS', 64);
/** Ours ÷ HttpService throughput must be at least this. */
const THROUGHPUT_TARGET = 0.95;
/** Our p99 may exceed HttpService's by at most this, ms. */
const P99_TARGET_MS = 0.2;
/** `client/adapter` pairs to profile, e.g. `honeybee/http`. */
const PROFILE = new Set((process.env.BENCH_PROFILE ?? '').split(',').filter(Boolean));
const API = fileURLToPath(new URL('./lib/api-server.ts', import.meta.url));
const CLIENT = fileURLToPath(new URL('./lib/outbound-client.ts', import.meta.url));
const LABELS: Record<OutboundClientConfig['client'], string> = {
  honeybee: 'HoneybeeHttpService (cached token)',
  'nestjs-axios': '@nestjs/axios HttpService, static header (baseline)',
};

interface Client {
  client: OutboundClientConfig['client'];
  adapter: OutboundClientConfig['adapter'];
  child: ChildProcess;
  /** With CALLERS callers, one per round. */
  runs: OutboundRun[];
  /** With one caller, one per round. */
  alone: OutboundRun[];
  /** TCP connections the API accepted during this client's timed measurements. */
  connections: number;
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    child.send(msg);
  });
}

/** `items` starting at index `round` (modulo their number). */
function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

async function main(): Promise<void> {
  const emu = await HoneybeeEmulator.start({
    clients: [
      {
        clientId: 'partner-app',
        clientSecret: 'bench-secret-bench-secret-bench-secret',
        scopes: ['rx:read'],
      },
    ],
  });
  let api: ChildProcess | undefined;
  const clients: Client[] = [];
  try {
    const started = await spawnTsx<{ port: number }>(API, {}, [], undefined, 0);
    api = started.child;
    const apiBaseUrl = `http://127.0.0.1:${started.first.port}/v1`;
    // A token of the same kind and length as the one HoneybeeHttpService fetches.
    const token = (await emu.issueToken('partner-app', ['rx:read'])).access_token;
    for (const adapter of ['http', 'fetch'] as const) {
      for (const client of ['nestjs-axios', 'honeybee'] as const) {
        const config: OutboundClientConfig = {
          client,
          adapter,
          tokenUrl: emu.tokenUrl,
          apiBaseUrl,
          token,
        };
        const { child } = await spawnTsx<{ ready: boolean }>(CLIENT, {
          BENCH_OUTBOUND: JSON.stringify(config),
        });
        clients.push({ client, adapter, child, runs: [], alone: [], connections: 0 });
      }
    }
    const measure = async (c: Client, callers: number, profile?: string): Promise<OutboundRun> => {
      const r = await ask<OutboundRun>(c.child, {
        type: 'run',
        ms: SECONDS * 1000,
        callers,
        profile,
      });
      if (r.failed > 0) throw new Error(`${c.client}/${c.adapter}: ${r.failed} calls failed`);
      return r;
    };
    const accepted = async () =>
      (await ask<{ count: number }>(api!, { type: 'connections' })).count;
    for (const c of clients) await measure(c, CALLERS); // warm-up: JIT, sockets
    const tokenRequestsBefore = emu.requests('token').length;
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of rotated(clients, r)) {
        const name = `${c.client}/${c.adapter}`;
        const profile =
          r === ROUNDS - 1 && PROFILE.has(name)
            ? fileURLToPath(new URL(`outbound-${c.client}-${c.adapter}.cpuprofile`, PROFILE_DIR))
            : undefined;
        const before = await accepted();
        c.runs.push(await measure(c, CALLERS, profile));
        c.alone.push(await measure(c, 1));
        c.connections += (await accepted()) - before;
      }
      console.error(`  round ${r + 1}/${ROUNDS} done`);
    }
    const tokenRequests = emu.requests('token').length - tokenRequestsBefore;

    console.log('## Outbound throughput: GET to a keep-alive loopback API, cached token\n');
    console.log(
      `${machineLine()} · ${CALLERS} concurrent callers per client, ${SECONDS} s per measurement, ${ROUNDS} rounds after a warm-up round, clients interleaved${PIN ? ', clients pinned to CPU 1 and the API to CPU 0' : ''}\n`,
    );
    const rps = (x: OutboundRun) => x.count / SECONDS;
    const cpu = (x: OutboundRun) => x.cpuUs / Math.max(1, x.count);
    for (const adapter of ['http', 'fetch'] as const) {
      const mine = clients.filter((c) => c.adapter === adapter);
      const base = mine.find((c) => c.client === 'nestjs-axios')!;
      const paired = (c: Client) => pairedMedian(c.runs, base.runs, (x, b) => rps(x) / rps(b));
      const pairedCpu = (c: Client) => pairedMedian(c.runs, base.runs, (x, b) => cpu(b) / cpu(x));
      const p99Delta = (c: Client, of: 'runs' | 'alone') =>
        pairedMedian(c[of], base[of], (x, b) => x.p99 - b.p99);
      const signed = (d: number) => `${d >= 0 ? '+' : ''}${ms(d)}`;
      console.log(`### axios \`${adapter}\` adapter\n`);
      console.log(
        table(
          [
            'client',
            'requests/s (median)',
            'min–max',
            'vs baseline',
            'client CPU µs/req',
            'CPU-bound vs baseline',
            'p50 ms',
            'p99 ms',
            'p99 − baseline p99, ms',
            '1 caller: p50 ms',
            '1 caller: p99 ms',
            '1 caller: p99 − baseline p99, ms',
            'new connections',
          ],
          mine.map((c) => {
            const all = c.runs.map(rps);
            return [
              LABELS[c.client],
              fmt(median(all)),
              `${fmt(Math.min(...all))}–${fmt(Math.max(...all))}`,
              ratio(paired(c), 1),
              fmt(median(c.runs.map(cpu)), 1),
              ratio(pairedCpu(c), 1),
              ms(median(c.runs.map((x) => x.p50))),
              ms(median(c.runs.map((x) => x.p99))),
              signed(p99Delta(c, 'runs')),
              ms(median(c.alone.map((x) => x.p50))),
              ms(median(c.alone.map((x) => x.p99))),
              signed(p99Delta(c, 'alone')),
              fmt(c.connections),
            ];
          }),
        ),
      );
      console.log('');
      const ours = mine.find((c) => c.client === 'honeybee')!;
      const t = paired(ours);
      target(
        'outbound-throughput',
        `HoneybeeHttpService ÷ HttpService with a static header, \`${adapter}\` adapter, requests/s ≥ ${THROUGHPUT_TARGET}×`,
        ratio(t, 1),
        atLeast(t, THROUGHPUT_TARGET),
      );
      for (const [of, what] of [
        ['runs', `${CALLERS} callers`],
        ['alone', '1 caller'],
      ] as const) {
        const d = p99Delta(ours, of);
        target(
          'outbound-throughput',
          `HoneybeeHttpService p99 − HttpService p99, \`${adapter}\` adapter, ${what}, ≤ +${P99_TARGET_MS} ms`,
          `${signed(d)} ms`,
          atMost(d, P99_TARGET_MS),
        );
      }
    }
    console.log(
      'Ratios and the p99 difference are paired: the median over rounds of (HoneybeeHttpService ÷ ' +
        '(or −) the baseline on the same adapter, same round). "Client CPU µs/req" is the client ' +
        'process\'s CPU time per completed request; the "CPU-bound" ratio is the baseline\'s ÷ ' +
        `ours. With ${CALLERS} callers in a closed loop, latency is about callers ÷ throughput, so its ` +
        'p99 moves with throughput; the lone caller\'s latency is what one call adds. "New ' +
        'connections" are the TCP connections the API accepted during the timed rounds (0 when ' +
        'every request goes on a connection the warm-up opened). Token requests ' +
        `during the timed rounds (a cached token makes none): ${tokenRequests}.\n`,
    );
    printTargets();
  } finally {
    await Promise.all(clients.map((c) => stopChild(c.child)));
    if (api) await stopChild(api);
    await emu.stop();
  }
}

await main();
