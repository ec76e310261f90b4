/**
 * The documentation shows code that CI compiles and runs: a code block introduced by
 * `<!-- quote: <path> -->` must be the file at that path (from the repository's root),
 * verbatim. The quoted files live in the consumer fixture (test/consumer), which
 * `npm run test:consumer` type-checks, tests and runs against the packed packages, or, for
 * the optional peers the fixture does not install, in test/fixtures/contexts/examples, which
 * `npm test` runs (test/contexts-examples.e2e-spec.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DOCUMENTATION, ROOT, readDoc as read } from './fixtures/documentation.js';

const MARKER = /<!-- quote: (\S+) -->/g;
const QUOTE = /<!-- quote: (\S+) -->\n```[a-z]*\n([\s\S]*?)^```$/gm;

const quotes = DOCUMENTATION.flatMap((doc) =>
  [...read(doc).matchAll(QUOTE)].map((match) => [doc, match[1]!, match[2]!] as const),
);

describe('quoted files in the documentation', () => {
  it('are there at all', () => {
    expect(quotes.length).toBeGreaterThan(0);
  });

  it.each(DOCUMENTATION)('%s: every quote marker is followed by a code block', (doc) => {
    const markers = [...read(doc).matchAll(MARKER)].length;
    expect(quotes.filter(([inDoc]) => inDoc === doc)).toHaveLength(markers);
  });

  it.each(quotes)('%s shows %s verbatim', (_doc, path, block) => {
    expect(existsSync(join(ROOT, path))).toBe(true);
    expect(block).toBe(read(path));
  });
});
