/**
 * Every relative link of the documentation resolves: the file (or folder) it names exists, and
 * an anchor (`page.md#section`, `#section`) names a heading of that page, by GitHub's rules for
 * heading anchors. Links to other sites are not fetched (the tests stay offline).
 */
import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { DOCUMENTATION, ROOT, readDoc, withoutCodeBlocks } from './fixtures/documentation.js';

/**
 * Pages written alongside this documentation by other work: a link to one of them is
 * accepted while the page is not in the repository yet, and checked (anchors included) as soon
 * as it is.
 */
const PENDING_PAGES = new Set(['docs/replicas.md']);

/** `[text](target)` and `[text](target "title")`; code spans are blanked first. */
const LINK = /\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

interface Link {
  doc: string;
  line: number;
  target: string;
}

function linksOf(doc: string): Link[] {
  const lines = withoutCodeBlocks(readDoc(doc))
    .split('\n')
    .map((line) => line.replace(/(`+)[^`]*?\1/g, (span) => 'x'.repeat(span.length)));
  return lines.flatMap((text, i) =>
    [...text.matchAll(LINK)].map((match) => ({ doc, line: i + 1, target: match[1]! })),
  );
}

/** GitHub's anchor of a heading: its text lower-cased, punctuation dropped, spaces as `-`. */
function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link keeps its text
    .replace(/<[^>]+>/g, ''); // inline HTML
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page's headings, numbered as GitHub numbers repeated ones (`-1`, `-2`). */
function anchorsOf(path: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of withoutCodeBlocks(readDoc(path)).matchAll(
    /^#{1,6}[ \t]+(.+?)[ \t#]*$/gm,
  )) {
    const base = slug(heading!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** What is wrong with `link`, or undefined when it resolves. */
function problemOf({ doc, target }: Link): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: …
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = pathPart === '' ? doc : normalize(join(dirname(doc), pathPart));
  if (file.startsWith('..')) return 'points outside the repository';
  if (!existsSync(join(ROOT, file))) {
    return PENDING_PAGES.has(file) ? undefined : `${file} does not exist`;
  }
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md')) return `an anchor into ${file}, which is not a Markdown page`;
  return anchorsOf(file).has(anchor) ? undefined : `${file} has no heading with anchor #${anchor}`;
}

const links = DOCUMENTATION.flatMap(linksOf);

describe('links in the documentation', () => {
  it('are found on every page that has them', () => {
    expect(links.length).toBeGreaterThan(100);
    expect(new Set(links.map((link) => link.doc))).toContain('README.md');
  });

  it.each(DOCUMENTATION)('%s: every relative link and anchor resolves', (doc) => {
    const broken = links
      .filter((link) => link.doc === doc)
      .map((link) => ({ link, problem: problemOf(link) }))
      .filter(({ problem }) => problem !== undefined)
      .map(({ link, problem }) => `${doc}:${link.line} (${link.target}): ${problem}`);
    expect(broken).toEqual([]);
  });
});

describe('GitHub heading anchors', () => {
  it.each([
    ['Health: `status()` and `checkStore()`', 'health-status-and-checkstore'],
    ['401: one replay with a fresh token', '401-one-replay-with-a-fresh-token'],
    ['Options (`HoneybeeEmulator.start(options)`)', 'options-honeybeeemulatorstartoptions'],
    ['`inbound.cache`', 'inboundcache'],
    ['Health: what "healthy" means', 'health-what-healthy-means'],
    ['`@Public()` and inheritance', 'public-and-inheritance'],
    ['Token info `token_type`', 'token-info-token_type'],
    ['1.2 Every variant in one run', '12-every-variant-in-one-run'],
  ])('%s → #%s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });
});
