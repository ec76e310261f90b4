/**
 * The documentation shows code that CI compiles and runs: a code block introduced by
 * `<!-- quote: <path> -->` must be the file at that path (from the repository's root),
 * verbatim. The quoted files live in the consumer fixture (test/consumer), which
 * `npm run test:consumer` type-checks, tests and runs against the packed packages, or, for
 * the optional peers the fixture does not install, in test/fixtures/contexts/examples, which
 * `npm test` runs (test/contexts-examples.e2e-spec.ts).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = [
  'README.md',
  'libs/honeybee-auth/README.md',
  'libs/honeybee-emulator/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const MARKER = /<!-- quote: (\S+) -->/g;
const QUOTE = /<!-- quote: (\S+) -->\n```[a-z]*\n([\s\S]*?)^```$/gm;

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const quotes = DOCS.flatMap((doc) =>
  [...read(doc).matchAll(QUOTE)].map((match) => [doc, match[1]!, match[2]!] as const),
);

describe('quoted files in the documentation', () => {
  it('are there at all', () => {
    expect(quotes.length).toBeGreaterThan(0);
  });

  it.each(DOCS)('%s: every quote marker is followed by a code block', (doc) => {
    const markers = [...read(doc).matchAll(MARKER)].length;
    expect(quotes.filter(([inDoc]) => inDoc === doc)).toHaveLength(markers);
  });

  it.each(quotes)('%s shows %s verbatim', (_doc, path, block) => {
    expect(existsSync(join(ROOT, path))).toBe(true);
    expect(block).toBe(read(path));
  });
});
