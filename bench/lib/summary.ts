/**
 * Targets and their measured values, for the one-screen summary of `npm run bench`. Each
 * scenario records what it measured with {@link target}, then calls {@link printTargets} at the
 * end: it prints the scenario's own "Targets" table and one `##BENCH {json}` line per target,
 * which `bench/run-all.ts` collects (and strips from the tables it prints) into the summary.
 */
import { table } from './stats.js';

/** The prefix of a machine-readable result line on a scenario's stdout. */
export const RESULT_PREFIX = '##BENCH ';

/** One target and what one run measured for it. */
export interface TargetResult {
  /** The scenario that measured it (its script's name). */
  scenario: string;
  /** What is measured and what it must reach, e.g. `warm jwt ÷ unguarded, Express, CPU-bound ≥ 0.95×`. */
  target: string;
  /** The measured value as printed, e.g. `0.97×`. */
  measured: string;
  /** Whether the target is met; `null`: reported, without a target (or not measurable this run). */
  met: boolean | null;
}

const recorded: TargetResult[] = [];

/** Records one target of `scenario`; returns it. */
export function target(
  scenario: string,
  what: string,
  measured: string,
  met: boolean | null,
): TargetResult {
  const result = { scenario, target: what, measured, met };
  recorded.push(result);
  return result;
}

/** `met` of a value that must be at least `min`; `null` when it could not be measured. */
export function atLeast(value: number, min: number): boolean | null {
  return Number.isFinite(value) ? value >= min : null;
}

/** `met` of a value that must be at most `max`; `null` when it could not be measured. */
export function atMost(value: number, max: number): boolean | null {
  return Number.isFinite(value) ? value <= max : null;
}

/** "met", "missed" or "reported". */
export function verdict(met: boolean | null): string {
  return met === null ? 'reported' : met ? 'met' : '**missed**';
}

/** A Markdown table of `results`: scenario (when `withScenario`), target, measured, verdict. */
export function targetTable(results: readonly TargetResult[], withScenario: boolean): string {
  const header = withScenario
    ? ['scenario', 'target', 'measured', 'met?']
    : ['target', 'measured', 'met?'];
  return table(
    header,
    results.map((r) =>
      withScenario
        ? [r.scenario, r.target, r.measured, verdict(r.met)]
        : [r.target, r.measured, verdict(r.met)],
    ),
    withScenario ? 2 : 1,
  );
}

/** Prints the targets recorded so far as a table and as `##BENCH` lines, then forgets them. */
export function printTargets(): void {
  if (recorded.length === 0) return;
  console.log('### Targets\n');
  console.log(targetTable(recorded, false));
  console.log('');
  for (const r of recorded) console.log(`${RESULT_PREFIX}${JSON.stringify(r)}`);
  recorded.length = 0;
}
