import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Prints the adversarial suite's figures after Jest's summary: per file and in total, the
 * generated cases run, attacks rejected, faults survived, what the leak scan read and what it
 * found, and the process-level faults (unhandled rejections, uncaught exceptions).
 * Each test file writes its figures to `$HONEYBEE_ADVERSARIAL_RESULTS/<file>.json` in `afterAll`.
 */
export default class AdversarialSummaryReporter {
  onRunComplete(_contexts, results) {
    const dir = process.env.HONEYBEE_ADVERSARIAL_RESULTS;
    if (!dir) return;
    let files;
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      return;
    }
    const rows = files
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
      .sort((a, b) => a.file.localeCompare(b.file));
    rmSync(dir, { recursive: true, force: true });
    if (rows.length === 0) return;

    const sum = (pick) => rows.reduce((n, r) => n + pick(r), 0);
    const total = {
      cases: sum((r) => r.cases),
      attacks: sum((r) => r.attacksRejected),
      faults: sum((r) => r.faultsSurvived),
      leaks: sum((r) => r.leaks),
      texts: sum((r) => r.scanned.texts),
      chars: sum((r) => r.scanned.chars),
      logLines: sum((r) => r.scanned.logLines),
      responses: sum((r) => r.scanned.responses),
      errors: sum((r) => r.scanned.errors),
      secrets: sum((r) => r.secretsWatched),
      rejections: sum((r) => r.unhandledRejections),
      exceptions: sum((r) => r.uncaughtExceptions),
    };
    const pad = (v, n) => String(v).padStart(n);
    const lines = [
      '',
      'Honeybee adversarial summary',
      `  seed ${rows.find((r) => r.seed !== undefined)?.seed ?? '-'}, HONEYBEE_FUZZ_RUNS ${rows.find((r) => r.numRuns !== undefined)?.numRuns ?? '-'}, ${results.numPassedTests}/${results.numTotalTests} tests passed`,
      `  ${'file'.padEnd(34)}${pad('cases', 8)}${pad('attacks', 9)}${pad('faults', 8)}${pad('scanned', 9)}${pad('leaks', 7)}${pad('unhandled', 11)}`,
      ...rows.map(
        (r) =>
          `  ${r.file.padEnd(34)}${pad(r.cases, 8)}${pad(r.attacksRejected, 9)}${pad(r.faultsSurvived, 8)}${pad(r.scanned.texts, 9)}${pad(r.leaks, 7)}${pad(r.unhandledRejections + r.uncaughtExceptions, 11)}`,
      ),
      `  ${'TOTAL'.padEnd(34)}${pad(total.cases, 8)}${pad(total.attacks, 9)}${pad(total.faults, 8)}${pad(total.texts, 9)}${pad(total.leaks, 7)}${pad(total.rejections + total.exceptions, 11)}`,
      `  generated cases run:   ${total.cases}`,
      `  attacks rejected:      ${total.attacks}`,
      `  faults survived:       ${total.faults}`,
      `  leak scan: ${total.texts} texts (${total.chars} characters: ${total.logLines} log lines, ${total.responses} response bodies and headers, ${total.errors} errors with their JSON and inspect forms, and stdout/stderr writes) against ${total.secrets} secrets and tokens: ${total.leaks} leaks found`,
      `  unhandled rejections:  ${total.rejections}, uncaught exceptions: ${total.exceptions}`,
      ...rows.flatMap((r) => (r.notes ?? []).map((n) => `  note (${r.file}): ${n}`)),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
