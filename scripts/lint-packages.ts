/**
 * `npm run lint:packages`: builds and packs nestjs-honeybee-auth and honeybee-emulator, checks
 * what each tarball holds, then lints each tarball with publint (every message fails, warnings
 * and suggestions included) and @arethetypeswrong/cli (ESM-only profile: the packages are
 * ESM-only like Nest 12, so `require()` and node10 resolution are out of scope).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packPackages } from './lib/pack-packages.js';
import type { PackedPackage } from './lib/pack-packages.js';
import { StepFailure, log, run, step, stopChildrenOnSignal } from './lib/steps.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ATTW = join(ROOT, 'node_modules/.bin/attw');

/** Fails with every publint message, of any level, for one tarball. */
async function publintTarball(pack: PackedPackage): Promise<void> {
  const tarball = await readFile(pack.tarball);
  const { messages, pkg } = await publint({
    pack: {
      tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.length),
    },
    level: 'suggestion',
    strict: true,
  });
  if (messages.length > 0) {
    const lines = messages.map((m) => `  - ${m.type}: ${formatMessage(m, pkg, { color: false })}`);
    throw new Error(`publint on ${pack.tarball}:\n${lines.join('\n')}`);
  }
}

/** Fails with attw's table when any entry point resolves wrongly for an ESM consumer. */
async function attwTarball(pack: PackedPackage): Promise<void> {
  await run(
    ATTW,
    [
      pack.tarball,
      '--profile',
      'esm-only',
      '--format',
      'table-flipped',
      '--no-color',
      '--no-emoji',
    ],
    { cwd: ROOT, timeoutMs: 120_000 },
  );
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'honeybee-packages-'));
  stopChildrenOnSignal(() => rmSync(workDir, { recursive: true, force: true }));
  try {
    await step('npm run build', () => run('npm', ['run', 'build'], { cwd: ROOT }));
    const packs = await step('npm pack (contents checked)', () => packPackages(ROOT, workDir));
    for (const pack of packs) {
      await step(`publint ${pack.manifest.name} (strict)`, () => publintTarball(pack));
      await step(`attw ${pack.manifest.name} --profile esm-only`, () => attwTarball(pack));
    }
    log('Both packages lint clean.');
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof StepFailure ? `\nlint:packages: ${error.message}` : String(error));
  process.exitCode = 1;
});
