import { Logger } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CapturingLogger, leakScanner } from './leak-scanner.js';
import type { Leak, ScanCounts } from './leak-scanner.js';

/** Counters the adversarial environment keeps on the real process (see adversarial-environment.js). */
interface ProcessFaults {
  unhandledRejections: unknown[];
  uncaughtExceptions: unknown[];
}

/** What one test file reports to the summary. */
export interface FileFigures {
  file: string;
  seed?: number;
  numRuns?: number;
  cases: number;
  attacksRejected: number;
  faultsSurvived: number;
  leaks: number;
  leaked: Leak[];
  scanned: ScanCounts;
  secretsWatched: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
  notes: string[];
}

/** The handle a test file uses to count what it proved. */
export interface AdversarialRun {
  /** The Nest logger every app and module of the file must use (it feeds the leak scanner). */
  readonly logger: CapturingLogger;
  /** Generated cases run (fast-check runs, requests of a load burst). */
  cases(n?: number): void;
  /** An attack answered with a refusal. */
  attackRejected(n?: number): void;
  /** A fault survived (typed error or fail-closed answer, no crash, recovery). */
  faultSurvived(n?: number): void;
  /** Records the fuzzing seed and run count for the summary. */
  fuzzing(seed: number, numRuns: number): void;
  /** A line for the summary. */
  note(text: string): void;
}

const faultsOf = (): ProcessFaults =>
  (globalThis as { __honeybeeProcessFaults?: ProcessFaults }).__honeybeeProcessFaults ?? {
    unhandledRejections: [],
    uncaughtExceptions: [],
  };

/**
 * Sets up one adversarial test file: every Nest log line goes to a capturing logger,
 * `process.stdout` / `stderr` writes are copied to the leak scanner, and in `afterAll` the
 * file asserts that no secret or token leaked and that the process saw no unhandled rejection
 * or uncaught exception, then writes its figures for the summary reporter.
 *
 * Call once, at the top level of the spec file.
 */
export function adversarialRun(file: string): AdversarialRun {
  const logger = new CapturingLogger();
  const figures: FileFigures = {
    file,
    cases: 0,
    attacksRejected: 0,
    faultsSurvived: 0,
    leaks: 0,
    leaked: [],
    scanned: leakScanner.counts,
    secretsWatched: 0,
    unhandledRejections: 0,
    uncaughtExceptions: 0,
    notes: [],
  };
  const restores: (() => void)[] = [];

  beforeAll(() => {
    Logger.overrideLogger(logger);
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = function (this: typeof stream, chunk: unknown, ...rest: unknown[]) {
        leakScanner.stdio(
          typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(),
        );
        return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      } as typeof stream.write;
      restores.push(() => {
        stream.write = original;
      });
    }
  });

  afterAll(() => {
    for (const restore of restores.splice(0)) restore();
    const faults = faultsOf();
    for (const reason of [...faults.unhandledRejections, ...faults.uncaughtExceptions]) {
      leakScanner.error(reason);
    }
    const leaks = leakScanner.scan();
    Object.assign(figures, {
      leaks: leaks.length,
      leaked: leaks,
      scanned: { ...leakScanner.counts },
      secretsWatched: leakScanner.secretsWatched,
      unhandledRejections: faults.unhandledRejections.length,
      uncaughtExceptions: faults.uncaughtExceptions.length,
    });
    const dir = process.env.HONEYBEE_ADVERSARIAL_RESULTS;
    if (dir) writeFileSync(join(dir, `${file}.json`), JSON.stringify(figures));
    const processFaults = [...faults.unhandledRejections, ...faults.uncaughtExceptions].map((r) =>
      inspect(r, { depth: 2 }).slice(0, 500),
    );
    expect({ leaks, processFaults }).toEqual({ leaks: [], processFaults: [] });
  });

  return {
    logger,
    cases: (n = 1) => void (figures.cases += n),
    attackRejected: (n = 1) => void (figures.attacksRejected += n),
    faultSurvived: (n = 1) => void (figures.faultsSurvived += n),
    fuzzing: (seed, numRuns) => {
      figures.seed = seed;
      figures.numRuns = numRuns;
    },
    note: (text) => void figures.notes.push(text),
  };
}
