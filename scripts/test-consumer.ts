/**
 * `npm run test:consumer`: nestjs-honeybee-auth and honeybee-emulator as a user gets them.
 *
 * Builds and packs both packages, copies the fixture `test/consumer` (an app exactly as
 * `nest new` creates it, changed only as a user would) to a temporary directory with no
 * `node_modules` above it, installs it from its committed lock, and checks that the app
 * type-checks (its examples too), lints, passes its tests under Vitest and under Jest ESM,
 * builds with `nest build`, and, installed for production (no dev dependencies, no ioredis),
 * serves a guarded call from `node dist/main.js` against the emulator started with its own bin.
 * It stops at the first broken step and prints what that step printed.
 *
 * `npm run test:consumer -- --update-lock` rewrites test/consumer/package-lock.json (after a
 * change to the fixture's dependencies or to a package's manifest); `-- --keep` keeps the
 * temporary directory for a look around.
 */
import { rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { packPackages } from './lib/pack-packages.js';
import type { Manifest, PackedPackage } from './lib/pack-packages.js';
import {
  StepFailure,
  log,
  run,
  seconds,
  startService,
  step,
  stopChildrenOnSignal,
} from './lib/steps.js';
import type { RunResult, Service } from './lib/steps.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = join(ROOT, 'test/consumer');
/** The app's own Honeybee client and a partner calling it (test/consumer/honeybee-clients.json). */
const APP_CLIENT = { id: 'consumer-app', secret: 'consumer-app-secret' };
const PARTNER = { id: 'partner', secret: 'partner-secret' };

/**
 * The environment of every command: this one's, minus what `npm run` adds about the repository
 * (its package, its directory, its node_modules/.bin on PATH) and NODE_OPTIONS, so that nothing
 * of the repository leaks into the fixture's install or its tools. npm's settings
 * (`npm_config_*`: registry, cache, certificates) stay.
 */
const REPOSITORY_ENV =
  /^(npm_package_|npm_lifecycle_|npm_command$|npm_config_local_prefix$|npm_config_call$|INIT_CWD$|NODE_OPTIONS$)/i;
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!REPOSITORY_ENV.test(name)) env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.startsWith(ROOT) && !entry.includes(`${sep}node_modules${sep}`))
    .join(delimiter);
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

const npm = (args: readonly string[], cwd: string): Promise<RunResult> =>
  run('npm', args, { cwd, env: cleanEnv() });
/** A tool of the fixture, as its users run it. */
const npx = (
  args: readonly string[],
  cwd: string,
  okCodes?: readonly number[],
): Promise<RunResult> =>
  run('npx', args, { cwd, env: cleanEnv(), ...(okCodes ? { okCodes } : {}) });

/** Node resolves packages from every `node_modules` above a file: there must be none. */
async function assertIsolated(dir: string): Promise<void> {
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const nodeModules = join(parent, 'node_modules');
    if (await exists(nodeModules)) {
      throw new Error(`${nodeModules} would be visible to the fixture: set TMPDIR elsewhere`);
    }
    if (dirname(parent) === parent) return;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The fixture as committed: no node_modules, build output or caches of a local run. */
async function copyFixture(destination: string): Promise<void> {
  await cp(FIXTURE, destination, {
    recursive: true,
    filter: (source) =>
      !/(^|[\\/])(node_modules|dist|coverage)([\\/]|$)|\.tsbuildinfo$/.test(
        relative(FIXTURE, source),
      ),
  });
}

interface LockEntry extends Partial<Manifest> {
  resolved?: string;
  integrity?: string;
}
interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** The manifest fields a lock records for a package and npm installs from. */
const LOCKED_FIELDS = [
  'version',
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
] as const;

/**
 * How the committed lock stays authoritative although the tarballs change with every build.
 *
 * The fixture depends on `file:../packs/<name>.tgz`, exactly what `npm i ../packs/<name>.tgz`
 * writes, and its lock pins everything else (versions and integrity). A tarball's integrity
 * changes whenever the package's content does, so the committed lock has none for these two
 * entries (`npm ci` then installs the tarball that is there, and checks every other package).
 * What the lock does record of them (version, dependencies, peers, bin) must still match the
 * fresh tarballs, or `npm ci` would install a tree for another manifest: checked here.
 */
function checkLock(lock: Lockfile, packs: readonly PackedPackage[]): void {
  const stale: string[] = [];
  for (const { manifest } of packs) {
    const entry = lock.packages[`node_modules/${manifest.name}`];
    if (!entry) {
      stale.push(`${manifest.name} is not in the lock`);
      continue;
    }
    if (entry.resolved !== `file:../packs/${manifest.name}.tgz`) {
      stale.push(
        `${manifest.name} resolves to ${entry.resolved}, not file:../packs/${manifest.name}.tgz`,
      );
    }
    if (entry.integrity !== undefined)
      stale.push(`${manifest.name} has an integrity (it must not)`);
    // npm records bin paths without their leading `./`.
    const bin =
      manifest.bin &&
      Object.fromEntries(Object.entries(manifest.bin).map(([k, v]) => [k, v.replace(/^\.\//, '')]));
    const packed: Partial<Manifest> = { ...manifest, ...(bin ? { bin } : {}) };
    for (const field of LOCKED_FIELDS) {
      if (!isDeepStrictEqual(entry[field], packed[field])) {
        stale.push(
          `${manifest.name} ${field}: the lock has ${JSON.stringify(entry[field])}, the tarball ${JSON.stringify(packed[field])}`,
        );
      }
    }
  }
  if (stale.length > 0) {
    throw new Error(
      `test/consumer/package-lock.json does not match the packed packages:\n  - ${stale.join('\n  - ')}\n` +
        'Refresh it with: npm run test:consumer -- --update-lock',
    );
  }
}

/** Drops the integrity of the `file:` tarball entries (see {@link checkLock}). */
function withoutTarballIntegrity(lock: Lockfile): Lockfile {
  for (const entry of Object.values(lock.packages)) {
    if (entry.resolved?.startsWith('file:')) delete entry.integrity;
  }
  return lock;
}

async function readLock(dir: string): Promise<Lockfile> {
  return JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as Lockfile;
}

/** Every installed copy of `name` under `dir`, nested ones included. */
async function copiesOf(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const visitNodeModules = async (nodeModules: string): Promise<void> => {
    const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const path = join(nodeModules, entry.name);
      if (!entry.name.startsWith('@')) {
        await visitPackage(path, entry.name);
        continue;
      }
      for (const scoped of await readdir(path, { withFileTypes: true })) {
        if (scoped.isDirectory())
          await visitPackage(join(path, scoped.name), `${entry.name}/${scoped.name}`);
      }
    }
  };
  const visitPackage = async (path: string, packageName: string): Promise<void> => {
    if (packageName === name) found.push(relative(dir, path));
    await visitNodeModules(join(path, 'node_modules'));
  };
  await visitNodeModules(join(dir, 'node_modules'));
  return found;
}

async function assertSingleCopies(dir: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const copies = await copiesOf(dir, name);
    if (copies.length !== 1) {
      throw new Error(`expected exactly one ${name}, found ${copies.length}: ${copies.join(', ')}`);
    }
  }
}

/** The line of a test runner's output that counts the tests, e.g. `Tests  7 passed (7)`. */
function testCount(result: RunResult): string {
  return /^\s*Tests:?\s+.*$/m.exec(result.output)?.[0].trim() ?? '(no test count printed)';
}

/**
 * The time to install both packages into an app that has everything else: the two are removed
 * from node_modules and `npm install` puts them back from the tarballs.
 */
async function timeInstallOfPackages(
  appDir: string,
  packs: readonly PackedPackage[],
): Promise<number> {
  for (const { manifest } of packs) {
    await rm(join(appDir, 'node_modules', manifest.name), { recursive: true, force: true });
  }
  const { ms } = await npm(
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline'],
    appDir,
  );
  for (const { manifest } of packs) {
    if (!(await exists(join(appDir, 'node_modules', manifest.name, 'package.json')))) {
      throw new Error(`npm install did not put ${manifest.name} back`);
    }
  }
  return ms;
}

/**
 * A deployment as users make one: package.json, the lock and dist/, installed without dev
 * dependencies and without the optional peers (ioredis, @opentelemetry/api, @nestjs/terminus):
 * the app that then serves calls runs without them. The fixture has ioredis as a devDependency only to type-check the RedisTokenStore
 * example; npm keeps a dev package that also fills an optional peer of a production one
 * (`devOptional` in the lock) unless optional packages are left out too, hence `--omit=optional`
 * (ioredis's tree is the fixture's only optional one).
 */
async function installForProduction(appDir: string, prodDir: string): Promise<RunResult> {
  await mkdir(prodDir);
  for (const entry of ['package.json', 'package-lock.json', 'dist']) {
    await cp(join(appDir, entry), join(prodDir, entry), { recursive: true });
  }
  const omit = ['--omit=dev', '--omit=optional'];
  const result = await npm(['ci', ...omit, '--no-audit', '--no-fund', '--prefer-offline'], prodDir);
  // Every required peer is there, in a version its dependents accept.
  await npm(['ls', '--all', ...omit], prodDir);
  const present: string[] = [];
  for (const name of [
    'ioredis',
    '@opentelemetry/api',
    '@nestjs/terminus',
    'honeybee-emulator',
    'typescript',
    'vitest',
    'jest',
    '@nestjs/testing',
  ]) {
    if (await exists(join(prodDir, 'node_modules', name))) present.push(name);
  }
  if (present.length > 0) throw new Error(`the production install has ${present.join(', ')}`);
  await assertSingleCopies(prodDir, ['@nestjs/core', '@nestjs/common', 'nestjs-honeybee-auth']);
  return result;
}

async function expectStatus(response: Response, status: number, what: string): Promise<string> {
  const body = await response.text();
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status} ${body}`);
  }
  return body;
}

/**
 * The app from its production install against the emulator from its bin: a public route, a
 * guarded one without a token (401 and its challenge) and with one (200, twice), and exactly
 * one token request by the app for its two calls to Honeybee (the emulator's request log).
 */
async function serveGuardedCall(
  appDir: string,
  prodDir: string,
  services: Service[],
): Promise<string[]> {
  const emulator = startService(
    'npx',
    ['honeybee-emulator', '--port', '0', '--clients', 'honeybee-clients.json', '--log-requests'],
    { cwd: appDir, env: cleanEnv() },
  );
  services.push(emulator);
  const emu = (await emulator.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  await emulator.waitFor(/Press Ctrl\+C to stop\./);

  const app = startService(process.execPath, ['dist/main.js'], {
    cwd: prodDir,
    env: cleanEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      HONEYBEE_CLIENT_ID: APP_CLIENT.id,
      HONEYBEE_CLIENT_SECRET: APP_CLIENT.secret,
      HONEYBEE_TOKEN_URL: `${emu}/oauth/token`,
      HONEYBEE_API_BASE_URL: `${emu}/v1`,
      HONEYBEE_ALLOW_INSECURE_LOOPBACK: 'true',
    }),
  });
  services.push(app);
  try {
    const url = (await app.waitFor(/Listening on (http:\/\/\S+)/))[1]!;
    const rx = `${url}/patients/p_1/prescriptions`;

    await expectStatus(await fetch(url), 200, 'GET / (public)');
    const refused = await fetch(rx);
    await expectStatus(refused, 401, 'GET without a token');
    const challenge = refused.headers.get('www-authenticate');
    if (challenge !== 'Bearer realm="honeybee"') throw new Error(`401 challenge: ${challenge}`);

    const tokenResponse = await fetch(`${emu}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: PARTNER.id,
        client_secret: PARTNER.secret,
      }),
    });
    const { access_token: token } = JSON.parse(
      await expectStatus(tokenResponse, 200, "the partner's token request"),
    ) as { access_token: string };
    for (let call = 1; call <= 2; call++) {
      const body = await expectStatus(
        await fetch(rx, { headers: { Authorization: `Bearer ${token}` } }),
        200,
        `GET with a token (call ${call})`,
      );
      const { requestedBy, prescription } = JSON.parse(body) as {
        requestedBy?: string;
        prescription?: { patient_id?: string };
      };
      if (requestedBy !== PARTNER.id || prescription?.patient_id !== 'p_1') {
        throw new Error(`GET with a token (call ${call}) answered ${body}`);
      }
    }

    // Both calls reached the Partners API: every token request of the app is logged by now.
    await emulator.waitFor(/(api GET \/v1\/patients\/p_1\/rx\n[\s\S]*){2}/, 10_000);
    const log = emulator
      .output()
      .split('\n')
      .filter((line) => /^#\d+ /.test(line));
    const appTokenRequests = log.filter((line) =>
      new RegExp(`^#\\d+ token POST /oauth/token client=${APP_CLIENT.id}$`).test(line),
    );
    if (appTokenRequests.length !== 1) {
      throw new Error(
        `expected 1 token request by ${APP_CLIENT.id}, got ${appTokenRequests.length}`,
      );
    }

    await app.stop();
    const appOutput = app.output();
    for (const secret of [APP_CLIENT.secret, PARTNER.secret, token]) {
      if (appOutput.includes(secret)) throw new Error('the app logged a secret or a token');
    }
    if (/\bERROR\b/.test(appOutput)) throw new Error('the app logged an error');
    return log;
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\n--- app (node dist/main.js) ---\n${app.output()}` +
        `\n--- emulator (npx honeybee-emulator) ---\n${emulator.output()}`,
      { cause: error },
    );
  }
}

function describePacks(packs: readonly PackedPackage[]): string[] {
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  return packs.map(
    ({ manifest, size, unpackedSize, files }) =>
      `  ${`${manifest.name}@${manifest.version}`.padEnd(28)} ${kB(size).padStart(9)} packed, ${kB(unpackedSize).padStart(9)} unpacked, ${files.length} files`,
  );
}

async function updateLock(appDir: string): Promise<void> {
  await step('npm install (refreshes the lock)', () =>
    npm(['install', '--no-audit', '--no-fund'], appDir),
  );
  const lock = withoutTarballIntegrity(await readLock(appDir));
  await writeFile(join(FIXTURE, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  log(
    'test/consumer/package-lock.json updated: review `git diff`, then run npm run test:consumer.',
  );
}

async function main(): Promise<void> {
  const flags = new Set(process.argv.slice(2));
  const started = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'honeybee-consumer-'));
  stopChildrenOnSignal(() => rmSync(work, { recursive: true, force: true }));
  const packsDir = join(work, 'packs');
  const appDir = join(work, 'app');
  const prodDir = join(work, 'prod');
  const services: Service[] = [];
  try {
    await step(`no node_modules above ${work}`, () => assertIsolated(work));
    await step('npm run build', () => run('npm', ['run', 'build'], { cwd: ROOT }));
    const packs = await step('npm pack (contents checked)', () => packPackages(ROOT, packsDir));
    describePacks(packs).forEach((line) => log(line));
    await step('copy test/consumer', () => copyFixture(appDir));
    if (flags.has('--update-lock')) return await updateLock(appDir);

    await step('the lock matches the tarballs', async () =>
      checkLock(await readLock(appDir), packs),
    );
    const ci = await step('npm ci', () =>
      npm(['ci', '--no-audit', '--no-fund', '--prefer-offline'], appDir),
    );
    const packagesMs = await step('install of both packages, timed', () =>
      timeInstallOfPackages(appDir, packs),
    );
    await step('exactly one @nestjs/core and one @nestjs/common', () =>
      assertSingleCopies(appDir, ['@nestjs/core', '@nestjs/common']),
    );
    await step('npx honeybee-emulator --help', async () => {
      const { output } = await npx(['honeybee-emulator', '--help'], appDir);
      if (!output.includes('Usage: honeybee-emulator'))
        throw new Error(`no usage text:\n${output}`);
    });
    await step('tsc --noEmit (app, tests and examples; Vitest globals)', () =>
      npx(['tsc', '--noEmit', '-p', 'tsconfig.json'], appDir),
    );
    await step('tsc --noEmit -p tsconfig.jest.json (tests; Jest globals)', () =>
      npx(['tsc', '--noEmit', '-p', 'tsconfig.jest.json'], appDir),
    );
    await step("both packages' declarations with skipLibCheck: false", async () => {
      // Other packages' declarations may fail here (that is theirs to fix); ours must not.
      const { output } = await npx(
        ['tsc', '--noEmit', '-p', 'tsconfig.json', '--skipLibCheck', 'false'],
        appDir,
        [0, 1, 2],
      );
      const ours = output
        .split('\n')
        .filter((line) =>
          packs.some(({ manifest }) => line.startsWith(`node_modules/${manifest.name}/`)),
        );
      if (ours.length > 0) throw new Error(ours.join('\n'));
    });
    await step('oxlint (npm run lint -- --deny-warnings)', () =>
      npm(['run', 'lint', '--', '--deny-warnings'], appDir),
    );
    const vitestUnit = await step('Vitest: unit tests (npm test)', () => npm(['test'], appDir));
    log(`  ${testCount(vitestUnit)}`);
    const vitestE2e = await step('Vitest: e2e against the emulator (npm run test:e2e)', () =>
      npm(['run', 'test:e2e'], appDir),
    );
    log(`  ${testCount(vitestE2e)}`);
    const jest = await step('Jest ESM: unit and e2e (npm run test:jest)', () =>
      npm(['run', 'test:jest'], appDir),
    );
    log(`  ${testCount(jest)}`);
    await step('nest build (npm run build)', () => npm(['run', 'build'], appDir));
    const prod = await step(
      'production install (npm ci --omit=dev --omit=optional): no optional peer, no dev packages',
      () => installForProduction(appDir, prodDir),
    );
    const requests = await step(
      'node dist/main.js against npx honeybee-emulator: 401, 200 twice, one token request',
      () => serveGuardedCall(appDir, prodDir, services),
    );
    requests.forEach((line) => log(`  emulator ${line}`));

    const added = (result: RunResult) => /added (\d+) packages?/.exec(result.output)?.[1] ?? '?';
    log('');
    log('Tarballs:');
    describePacks(packs).forEach((line) => log(line));
    log(`Install into the fixture: npm ci ${seconds(ci.ms)} (${added(ci)} packages);`);
    log(`  both packages alone ${seconds(packagesMs)} (npm install with everything else in place)`);
    log(
      `Production install: npm ci --omit=dev --omit=optional ${seconds(prod.ms)} (${added(prod)} packages)`,
    );
    log(`test:consumer passed in ${seconds(performance.now() - started)}`);
  } finally {
    for (const service of services) await service.stop();
    if (flags.has('--keep')) log(`Kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof StepFailure ? `\ntest:consumer: ${error.message}` : String(error));
  process.exitCode = 1;
});
