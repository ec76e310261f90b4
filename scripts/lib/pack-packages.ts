/**
 * `npm pack` of the two published packages, as users will download them, and a check of what
 * each tarball holds: compiled JavaScript, declarations and their maps, README, LICENSE and
 * package.json; no sources, specs or test helpers; every `exports` target and `bin` present.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './steps.js';

/** The workspaces that are published, in the order they are packed. */
export const PUBLISHED_WORKSPACES = ['libs/honeybee-auth', 'libs/honeybee-emulator'] as const;

/** The parts of a package manifest the checks read. */
export interface Manifest {
  name: string;
  version: string;
  exports?: Record<string, string | Record<string, string>>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** One packed package. */
export interface PackedPackage {
  readonly manifest: Manifest;
  /** Absolute path of the tarball, named `<name>.tgz` (no version: the fixture's lock points at it). */
  readonly tarball: string;
  /** Bytes of the tarball. */
  readonly size: number;
  /** Bytes once unpacked. */
  readonly unpackedSize: number;
  /** Paths inside the package, `package/` prefix left out. */
  readonly files: readonly string[];
}

/** What `npm pack --json` prints for one package (the fields used here). */
interface NpmPackEntry {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

const SHIPPED = /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|js\.map|d\.ts|d\.ts\.map))$/;
const NEVER_SHIPPED = /(\.spec\.|\.e2e-spec\.|(^|\/)(testing|test|fixtures|src)\/)/;
/** Export conditions that only this repository resolves (its TypeScript sources). */
const REPO_ONLY_CONDITIONS = new Set(['honeybee-source']);

/** Packs every published workspace of `root` into `destination` and checks each tarball. */
export async function packPackages(root: string, destination: string): Promise<PackedPackage[]> {
  await mkdir(destination, { recursive: true });
  const workspaces = PUBLISHED_WORKSPACES.flatMap((dir) => ['-w', dir]);
  const { stdout } = await run(
    'npm',
    ['pack', ...workspaces, '--pack-destination', destination, '--json'],
    { cwd: root },
  );
  const entries = JSON.parse(stdout) as NpmPackEntry[];
  const packed: PackedPackage[] = [];
  for (const [index, dir] of PUBLISHED_WORKSPACES.entries()) {
    const entry = entries[index]!;
    const manifest = JSON.parse(
      await readFile(join(root, dir, 'package.json'), 'utf8'),
    ) as Manifest;
    const tarball = join(destination, `${manifest.name}.tgz`);
    await rename(join(destination, entry.filename), tarball);
    const files = entry.files.map((file) => file.path).sort();
    const problems = [
      ...contentProblems(manifest, files),
      ...(await binProblems(join(root, dir), manifest)),
    ];
    if (problems.length > 0) {
      throw new Error(`${manifest.name} tarball:\n  - ${problems.join('\n  - ')}`);
    }
    packed.push({ manifest, tarball, size: entry.size, unpackedSize: entry.unpackedSize, files });
  }
  return packed;
}

function contentProblems(manifest: Manifest, files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (!SHIPPED.test(file) || NEVER_SHIPPED.test(file)) problems.push(`ships ${file}`);
  }
  for (const required of ['package.json', 'README.md', 'LICENSE']) {
    if (!files.includes(required)) problems.push(`has no ${required}`);
  }
  const targets = [
    ...Object.values(manifest.exports ?? {}).flatMap((target) =>
      typeof target === 'string'
        ? [target]
        : Object.entries(target)
            .filter(([condition]) => !REPO_ONLY_CONDITIONS.has(condition))
            .map(([, path]) => path),
    ),
    ...Object.values(manifest.bin ?? {}),
  ];
  for (const target of targets) {
    const path = target.replace(/^\.\//, '');
    if (!files.includes(path)) problems.push(`names ${target} in exports/bin but does not ship it`);
  }
  return problems;
}

async function binProblems(packageDir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, target] of Object.entries(manifest.bin ?? {})) {
    const source = await readFile(join(packageDir, target), 'utf8');
    if (!source.startsWith('#!/usr/bin/env node\n')) {
      problems.push(`bin ${name} (${target}) does not start with "#!/usr/bin/env node"`);
    }
  }
  return problems;
}
