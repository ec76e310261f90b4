import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh folder for this run's per-file figures (`<file>.json`), passed to the test files and
 * to the summary reporter through `HONEYBEE_ADVERSARIAL_RESULTS`.
 */
export default function globalSetup() {
  process.env.HONEYBEE_ADVERSARIAL_RESULTS = mkdtempSync(join(tmpdir(), 'honeybee-adversarial-'));
}
