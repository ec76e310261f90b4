import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';

/** Date, Node version, CPU, cores, usable cores and load average, printed at the top of every scenario. */
export function machineLine(): string {
  let model = 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {
    // Not Linux: keep "unknown CPU".
  }
  return `${new Date().toISOString()} · Node ${process.version} · ${model} · ${cpus().length} cores (nproc ${availableParallelism()} for this process) · ${loadAverage()}`;
}

/** The 1, 5 and 15 minute load averages, e.g. `load average 0.52 0.61 0.70`. */
export function loadAverage(): string {
  return `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

/** A Nest logger that drops everything but errors, so the library's logs do not skew timings. */
class ErrorsOnlyLogger implements LoggerService {
  log(): void {}
  warn(): void {}
  debug(): void {}
  verbose(): void {}
  error(message: unknown): void {
    console.error(String(message));
  }
}

/** Silences the library's `log`/`warn` lines (one per token fetch) for the whole process. */
export function quietNestLogs(): void {
  Logger.overrideLogger(new ErrorsOnlyLogger());
}

/** A positive integer from the environment variable `name`, or `fallback`. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
