import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The emulator's layers, bottom to top. A module imports only from its own layer or the ones
 * below; within a layer, the folders' imports form no cycle. A folder is one module (its files
 * share a layer); a file at the root is a module of its own.
 */
const LAYERS: readonly (readonly string[])[] = [
  // Base: HTTP helpers, the clock, OAuth error codes and refusals, Doorkeeper's versions.
  ['http', 'clock.ts', 'emulator.errors.ts', 'doorkeeper.profile.ts'],
  // The emulated server's parts: clients, tokens, OAuth errors and client authentication,
  // the Partners API's routes and records, webhooks, faults.
  ['clients', 'tokens', 'oauth', 'api', 'webhooks', 'faults'],
  // Options validated into settings, and what an endpoint handler gets.
  ['emulator.options.ts'],
  ['emulator.context.ts'],
  // The handlers: token, token info, introspection, revocation, discovery, Partners API.
  ['endpoints'],
  // The HTTP server: routing, faults applied, requests recorded.
  ['server'],
  // The programmatic API, the package's entry points, the command line, test helpers.
  ['honeybee-emulator.ts'],
  ['index.ts', 'cli', 'cli.ts', 'testing'],
];

const SRC = dirname(fileURLToPath(import.meta.url));

/** Every library file (specs left out), relative to `src/`. */
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
      ? [relative(SRC, path)]
      : [];
  });
}

/** The module a file belongs to: its top folder, or itself at the root. */
const moduleOf = (file: string): string => file.split('/')[0]!;

/** Every import from one module to another, as `[from file, to file]`. */
function crossImports(): [string, string][] {
  return sources().flatMap((file) =>
    [...readFileSync(join(SRC, file), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)]
      .map((m): [string, string] => [file, normalize(join(dirname(file), `${m[1]}.ts`))])
      .filter(([from, to]) => moduleOf(from) !== moduleOf(to)),
  );
}

describe("the emulator's layers", () => {
  const layerOf = (module: string): number => LAYERS.findIndex((l) => l.includes(module));

  it('name every module', () => {
    const unplaced = [...new Set(sources().map(moduleOf))].filter((m) => layerOf(m) < 0);
    expect(unplaced).toEqual([]);
  });

  it('import only from their own layer or below', () => {
    const upward = crossImports()
      .filter(([from, to]) => layerOf(moduleOf(to)) > layerOf(moduleOf(from)))
      .map(([from, to]) => `${from} -> ${to}`);
    expect(upward).toEqual([]);
  });

  it('have no import cycle between folders of one layer', () => {
    const next = new Map<string, Set<string>>();
    for (const [from, to] of crossImports()) {
      const set = next.get(moduleOf(from)) ?? new Set();
      next.set(moduleOf(from), set.add(moduleOf(to)));
    }
    /** A path from `start` back to itself, if there is one. */
    const cycleFrom = (start: string): string[] | undefined => {
      const seen = new Set<string>();
      const walk = (at: string, path: string[]): string[] | undefined => {
        for (const to of next.get(at) ?? []) {
          if (to === start) return [...path, to];
          if (seen.has(to)) continue;
          seen.add(to);
          const found = walk(to, [...path, to]);
          if (found) return found;
        }
        return undefined;
      };
      return walk(start, [start]);
    };
    const cycles = [...next.keys()].map(cycleFrom).filter((c) => c !== undefined);
    expect(cycles).toEqual([]);
  });
});
