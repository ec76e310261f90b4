import type { Parameters as FcParameters } from 'fast-check';

/**
 * The fuzzing seed: fixed, so a run is reproducible; printed at the start of every fuzzing
 * file and in the summary. Override with `HONEYBEE_FUZZ_SEED`.
 */
export const FUZZ_SEED = Number(process.env.HONEYBEE_FUZZ_SEED ?? 20261129);

/**
 * Runs per property at weight 1. Override with `HONEYBEE_FUZZ_RUNS` (e.g. 200 for a quick
 * look, 20000 for a long soak).
 */
export const FUZZ_RUNS = Number(process.env.HONEYBEE_FUZZ_RUNS ?? 2500);

if (!Number.isInteger(FUZZ_SEED) || !Number.isInteger(FUZZ_RUNS) || FUZZ_RUNS < 1) {
  throw new Error('HONEYBEE_FUZZ_SEED and HONEYBEE_FUZZ_RUNS must be integers (runs >= 1)');
}

/** `numRuns` for a property weighing `weight` (cheap properties run more, costly ones fewer). */
export function fuzzRuns(weight = 1): number {
  return Math.max(1, Math.round(FUZZ_RUNS * weight));
}

/** fast-check parameters: the fixed seed and `fuzzRuns(weight)` runs. */
export function fuzzParameters<T>(weight = 1): FcParameters<T> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(weight) };
}

/** The line each fuzzing file prints, so a failure can be replayed. */
export function fuzzBanner(what: string): string {
  return `${what}: fast-check seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per property at weight 1 (HONEYBEE_FUZZ_SEED / HONEYBEE_FUZZ_RUNS to change)`;
}
