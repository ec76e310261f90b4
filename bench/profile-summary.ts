/**
 * Prints the hottest functions of a V8 `.cpuprofile` (from `node --cpu-prof`): self time by
 * function, and self time by package (or `node:` internals, or the library's own files).
 *
 *   npx tsx bench/profile-summary.ts bench/profiles/fastify-guard-jwt-rs256.cpuprofile [top=25] [focus]
 *
 * With `focus` (a function name, e.g. `canActivate`), also prints the self time spent under
 * frames of that name (inclusive time) and which functions it went to.
 */
import { readFileSync } from 'node:fs';
import { fmt, table } from './lib/stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, focus] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) =>
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()]
  .filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName))
  .reduce((a, [, t]) => a + t, 0);

/** Where a frame's code lives: a package, a Node internal, the library, or V8 itself. */
function place(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const lib = /\/(libs\/[^/]+\/src\/.*)$/.exec(url);
  if (lib) return lib[1];
  const bench = /\/(bench\/.*)$/.exec(url);
  return bench ? bench[1] : url;
}

const byFn = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, t] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)' || functionName === '(program)') continue;
  const key = `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
  const pkg = url.includes('/libs/') ? 'honeybee-auth (libs/)' : place(url).split('/')[0];
  byPlace.set(pkg, (byPlace.get(pkg) ?? 0) + t);
}
const busy = total - idle;
const nameOf = (id: number) => {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  return `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`;
};
const rows = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => [k, fmt(t / 1000, 0), `${((100 * t) / busy).toFixed(1)}%`]);
console.log(`${file}: ${fmt(total / 1000, 0)} ms sampled, ${fmt(busy / 1000, 0)} ms busy\n`);
console.log(table(['function (self time)', 'ms', '% of busy'], rows(byFn, top)));
console.log('');
console.log(table(['where (self time)', 'ms', '% of busy'], rows(byPlace, 15)));

if (focus) {
  // Self time of every sample whose stack holds a frame named `focus`, by leaf function.
  const under = new Map<string, number>();
  let inclusive = 0;
  for (const [id, t] of self) {
    let hit = false;
    for (let x: number | undefined = id; x !== undefined; x = parentOf.get(x)) {
      if (byId.get(x)!.callFrame.functionName === focus) {
        hit = true;
        break;
      }
    }
    if (!hit) continue;
    inclusive += t;
    under.set(nameOf(id), (under.get(nameOf(id)) ?? 0) + t);
  }
  console.log(
    `\nUnder ${focus}: ${fmt(inclusive / 1000, 0)} ms, ${((100 * inclusive) / busy).toFixed(1)}% of busy\n`,
  );
  console.log(table([`self time under ${focus}`, 'ms', '% of busy'], rows(under, top)));
}
