/**
 * One replica of scenario 4 (`bench/replicas.ts`), run as a child process with tsx and IPC.
 * On each `run` message it builds its own HoneybeeTokenService (with or without the Redis
 * store), asks for a token every few ms until the run ends, and reports the distinct tokens
 * it used, in order.
 */
import { performance } from 'node:perf_hooks';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import { quietNestLogs, sleep } from './env.js';
import { makeTokenService } from './ours.js';

/** Parent → child: start a run. */
export interface RunMessage {
  type: 'run';
  tokenUrl: string;
  clientId: string;
  redisUrl?: string;
  /** Epoch ms at which every replica starts calling. */
  startAt: number;
  durationMs: number;
  /** Interval between two calls, ms. */
  everyMs: number;
}

/** Child → parent: what one replica saw. */
export interface ResultMessage {
  type: 'result';
  /** Distinct tokens in the order this replica first used them. */
  tokens: string[];
  calls: number;
  failures: number;
  maxMs: number;
  /** Calls started after this replica's first token arrived that still waited ≥ 50 ms. */
  slowWarmCalls: number;
}

async function run(msg: RunMessage): Promise<ResultMessage> {
  const store = msg.redisUrl ? new RedisTokenStore({ url: msg.redisUrl }) : undefined;
  const service = makeTokenService(msg.tokenUrl, {
    clientId: msg.clientId,
    tokenStore: store ? { store } : undefined,
  });
  const tokens: string[] = [];
  const seen = new Set<string>();
  let calls = 0;
  let failures = 0;
  let maxMs = 0;
  let slowWarmCalls = 0;
  let warm = false;
  const pending: Promise<void>[] = [];
  await sleep(Math.max(0, msg.startAt - Date.now()));
  const end = performance.now() + msg.durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    const startedWarm = warm;
    calls++;
    pending.push(
      service.getAccessToken().then(
        (tok) => {
          const took = performance.now() - t0;
          maxMs = Math.max(maxMs, took);
          if (took >= 50 && startedWarm) slowWarmCalls++;
          warm = true;
          if (!seen.has(tok)) {
            seen.add(tok);
            tokens.push(tok);
          }
        },
        () => void failures++,
      ),
    );
    await sleep(msg.everyMs);
  }
  await Promise.all(pending);
  service.onModuleDestroy();
  await store?.close();
  return { type: 'result', tokens, calls, failures, maxMs, slowWarmCalls };
}

quietNestLogs();
process.on('message', (msg: RunMessage | { type: 'exit' }) => {
  if (msg.type === 'exit') process.exit(0);
  else void run(msg).then((r) => process.send!(r));
});
process.send!({ type: 'ready' });
