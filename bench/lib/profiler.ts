/**
 * A CPU profile of part of a process's life (the timed rounds only: not start-up, not tsx
 * compiling modules), written as a `.cpuprofile` that Chrome DevTools and
 * `bench/profile-summary.ts` read.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Session } from 'node:inspector/promises';

/** Where the scenarios write their profiles. */
export const PROFILE_DIR = new URL('../profiles/', import.meta.url);

/** A running profile of this process. */
export class CpuProfiler {
  private constructor(private readonly session: Session) {}

  /** Starts profiling this process. */
  static async start(): Promise<CpuProfiler> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return new CpuProfiler(session);
  }

  /** Stops profiling and writes the profile to `file` (its directory created if need be). */
  async stop(file: string): Promise<void> {
    const { profile } = await this.session.post('Profiler.stop');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    this.session.disconnect();
  }
}
