/**
 * Named steps, child processes and their output, for the packaging scripts
 * (`npm run lint:packages`, `npm run test:consumer`). A step prints one line when it passes and
 * everything it captured when it fails, so CI logs stay short and a failure explains itself.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';

/** Prints one line to standard output. */
export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Seconds with one decimal, e.g. `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A step that failed: its title and what went wrong, output included. */
export class StepFailure extends Error {
  constructor(
    readonly step: string,
    readonly detail: string,
  ) {
    super(`step "${step}" failed: ${detail}`);
  }
}

/** Runs `body` as the step `title`: `✓ title (1.2 s)` when it passes, a {@link StepFailure} when not. */
export async function step<T>(title: string, body: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  try {
    const result = await body();
    log(`✓ ${title} (${seconds(performance.now() - started)})`);
    return result;
  } catch (error) {
    log(`✗ ${title} (${seconds(performance.now() - started)})`);
    throw new StepFailure(title, error instanceof Error ? error.message : String(error));
  }
}

/** Where a command runs. */
export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (with its children) after this long. @default 300000 */
  readonly timeoutMs?: number;
  /** Exit codes that count as success. @default [0] */
  readonly okCodes?: readonly number[];
}

/** What a finished command printed. */
export interface RunResult {
  /** Its exit code. */
  readonly code: number;
  /** Standard output alone (e.g. JSON). */
  readonly stdout: string;
  /** Standard output and error, interleaved as they arrived. */
  readonly output: string;
  /** How long it ran, in milliseconds. */
  readonly ms: number;
}

/**
 * Runs a command to completion. Rejects with the command line and everything it printed when it
 * exits non-zero or outlives `timeoutMs`.
 */
export async function run(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const started = performance.now();
  const child = spawnGroup(command, args, options);
  const { output, stdout } = collect(child);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const line = [command, ...args].join(' ');
  if (code === null || !(options.okCodes ?? [0]).includes(code)) {
    const why = signal ? `was killed (${signal}, limit ${seconds(timeoutMs)})` : `exited ${code}`;
    throw new Error(`\`${line}\` in ${options.cwd} ${why}:\n${output()}`);
  }
  return { code, stdout: stdout(), output: output(), ms: performance.now() - started };
}

/** A long-running process (a server) started by {@link startService}. */
export interface Service {
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in its output (rejects if it exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a server in a process group of its own, so that stopping it stops its children too. */
export function startService(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Service {
  const child = spawnGroup(command, args, options);
  const { output } = collect(child);
  const closed = once(child, 'close');
  let exited = false;
  void closed.then(() => (exited = true));
  const describe = () => `\`${[command, ...args].join(' ')}\``;
  return {
    output,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output());
        if (match) return match;
        if (exited)
          throw new Error(`${describe()} exited before printing ${pattern}:\n${output()}`);
        if (performance.now() > deadline) {
          throw new Error(
            `${describe()} did not print ${pattern} within ${seconds(timeoutMs)}:\n${output()}`,
          );
        }
        await Promise.race([closed, delay(50)]);
      }
    },
    async stop(graceMs = 10_000) {
      if (exited) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** Children still running, each the leader of its own process group. */
const running = new Set<ChildProcess>();

/**
 * On SIGINT or SIGTERM, stops every child still running, then runs `cleanup` and exits: each
 * child runs in a process group of its own, which a Ctrl-C in the terminal does not reach.
 */
export function stopChildrenOnSignal(cleanup: () => void = () => {}): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping`);
      for (const child of running) killGroup(child, 'SIGTERM');
      // npm finishes what it is writing before it honours SIGTERM, which can take a while.
      setTimeout(() => {
        for (const child of running) killGroup(child, 'SIGKILL');
        cleanup();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }, 2000);
    });
  }
}

function spawnGroup(command: string, args: readonly string[], options: RunOptions): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: `npx` does not pass signals on to the command it runs.
    detached: true,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function collect(child: ChildProcess): { output: () => string; stdout: () => string } {
  const all: string[] = [];
  const out: string[] = [];
  // Decoded by the streams, so a character split between two chunks stays whole.
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    all.push(chunk);
    out.push(chunk);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => all.push(chunk));
  return { output: () => all.join(''), stdout: () => out.join('') };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
