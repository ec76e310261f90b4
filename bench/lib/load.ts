import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';

/** Whether to pin the load generator and the servers to different cores (`BENCH_PIN=0`: no). */
export const PIN = process.env.BENCH_PIN !== '0' && canPin();

function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (the load generator) to CPU 0, when pinning is on. */
export function pinSelf(): void {
  if (PIN) execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
}

/**
 * Starts `script` with tsx in a child process with IPC (pinned to CPU `cpu`, default 1, when
 * pinning is on) and resolves with its first IPC message.
 */
export function spawnTsx<T>(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  cwd?: string,
  cpu = 1,
): Promise<{ child: ChildProcess; first: T }> {
  const node = [...nodeArgs, '--import', 'tsx', script];
  const child = PIN
    ? spawn('taskset', ['-c', String(cpu), process.execPath, ...node], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, ...env },
        cwd,
      })
    : spawn(process.execPath, node, {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, ...env },
        cwd,
      });
  return new Promise((resolve, reject) => {
    child.once('message', (first) => resolve({ child, first: first as T }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
  });
}

/** Asks a child started by {@link spawnTsx} to exit and waits for it. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ type: 'exit' });
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** One measurement with autocannon. */
export interface LoadResult {
  rps: number;
  /** Responses received. */
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * Loads `GET url` for `seconds` with `connections` connections, each with up to `pipelining`
 * requests in flight, each request carrying the next token of `tokens` (round robin) as
 * `Authorization: Bearer`.
 */
export async function load(
  url: string,
  tokens: readonly string[],
  seconds: number,
  connections: number,
  pipelining = 1,
): Promise<LoadResult> {
  let i = 0;
  const headers = tokens.map((t) => ({ authorization: `Bearer ${t}` }));
  const result = await autocannon({
    url,
    connections,
    pipelining,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.headers = headers[i++ % headers.length];
          return req;
        },
      },
    ],
  });
  return {
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
