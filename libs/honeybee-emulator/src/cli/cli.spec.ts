import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_USAGE, loadClientsFile, parseCliArgs } from './cli.options.js';
import { runCli } from './cli.runner.js';
import { postForm } from '../testing/http-test.helpers.js';

const LIB_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(LIB_ROOT, 'fixtures/clients.json');
const REPO_ROOT = join(LIB_ROOT, '../..');

describe('parseCliArgs', () => {
  it('has sensible defaults', () => {
    expect(parseCliArgs([])).toEqual({
      port: 0,
      host: '127.0.0.1',
      doorkeeper: 'current',
      tokenReuse: false,
      revokePreviousToken: false,
      logRequests: false,
      help: false,
    });
  });

  it('reads every flag', () => {
    expect(
      parseCliArgs([
        '--clients',
        'c.json',
        '--port=8080',
        '--host',
        '0.0.0.0',
        '--jwt',
        'ES256',
        '--token-reuse',
        '--revoke-previous',
        '--doorkeeper',
        '5.5',
        '--log-requests',
      ]),
    ).toEqual({
      clientsFile: 'c.json',
      port: 8080,
      host: '0.0.0.0',
      doorkeeper: '5.5',
      jwt: 'ES256',
      tokenReuse: true,
      revokePreviousToken: true,
      logRequests: true,
      help: false,
    });
  });

  it.each([
    [['--port', 'abc'], /--port/],
    [['--port', '70000'], /--port/],
    [['--port', '-1'], /--port/],
    [['--jwt', 'HS256'], /--jwt/],
    [['--doorkeeper', '5.6'], /--doorkeeper must be 5\.5 or current, got "5\.6"/],
    [['--bogus'], /bogus/],
  ])('rejects %p', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe('loadClientsFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'honeybee-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads {"clients": [...]} and bare arrays', async () => {
    const clients = await loadClientsFile(FIXTURE);
    expect(clients.map((c) => c.clientId)).toEqual(['fixture-app', 'fixture-reader']);
    const bare = join(dir, 'bare.json');
    await writeFile(bare, JSON.stringify([{ clientId: 'x', clientSecret: 'y' }]));
    expect(await loadClientsFile(bare)).toEqual([{ clientId: 'x', clientSecret: 'y' }]);
  });

  it('names the file and the bad field', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ clients: [{ clientId: 'x' }] }));
    await expect(loadClientsFile(bad)).rejects.toThrow(
      `Clients file ${bad}: clients[0].clientSecret must be a non-empty string`,
    );
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{');
    await expect(loadClientsFile(broken)).rejects.toThrow(/Cannot read clients file/);
    await expect(loadClientsFile(join(dir, 'missing.json'))).rejects.toThrow(
      /Cannot read clients file/,
    );
    const wrongShape = join(dir, 'shape.json');
    await writeFile(wrongShape, '{"apps": []}');
    await expect(loadClientsFile(wrongShape)).rejects.toThrow(/must hold an array/);
  });
});

describe('runCli (in process)', () => {
  function fakeIo(): {
    output: () => string;
    signals: EventEmitter;
    io: Parameters<typeof runCli>[1];
  } {
    let text = '';
    const signals = new EventEmitter();
    return {
      output: () => text,
      signals,
      io: { stdout: { write: (chunk: string) => (text += chunk) }, signals },
    };
  }

  it('prints URLs and clients, serves them, and stops on SIGTERM', async () => {
    const { output, signals, io } = fakeIo();
    const { emulator, stopped } = await runCli(['--clients', FIXTURE], io);
    try {
      expect(output()).toContain(`Honeybee emulator listening on ${emulator!.url}`);
      expect(output()).toContain(`token endpoint:  ${emulator!.tokenUrl}`);
      expect(output()).toContain(`Partners API:    ${emulator!.apiBaseUrl}`);
      expect(output()).toContain(
        '- fixture-app  secret: fixt…  scopes: prescriptions:read orders:write  lifetime: 3600s',
      );
      expect(output()).not.toContain('fixture-app-secret');
      const res = await postForm(emulator!.tokenUrl, {
        grant_type: 'client_credentials',
        client_id: 'fixture-reader',
        client_secret: 'fixture-reader-secret',
      });
      expect(res.json).toMatchObject({ scope: 'prescriptions:read', expires_in: 43_200 });
      expect(output()).toContain('answers like:    Doorkeeper current (6.0)');
      // The current Doorkeeper refuses a request without scope when no default scope applies.
      const scopeless = await postForm(emulator!.tokenUrl, {
        grant_type: 'client_credentials',
        client_id: 'fixture-app',
        client_secret: 'fixture-app-secret',
      });
      expect(scopeless.status).toBe(400);
      expect(scopeless.json).toMatchObject({ error: 'invalid_scope' });
    } finally {
      signals.emit('SIGTERM');
      await stopped;
    }
    expect(output()).toContain('Received SIGTERM, stopping…\nHoneybee emulator stopped.\n');
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
    await expect(fetch(emulator!.metadataUrl)).rejects.toThrow();
  });

  it('--log-requests prints one line per request, with client ids and never a secret', async () => {
    const { output, signals, io } = fakeIo();
    const { emulator, stopped } = await runCli(['--clients', FIXTURE, '--log-requests'], io);
    try {
      await postForm(emulator!.tokenUrl, {
        grant_type: 'client_credentials',
        client_id: 'fixture-reader',
        client_secret: 'fixture-reader-secret',
      });
      emulator!.injectFault('api', { status: 503 }, { times: 1 });
      await fetch(`${emulator!.apiBaseUrl}/patients/p_1/rx`, {
        headers: { Authorization: 'Basic Zml4dHVyZS1hcHA6Zml4dHVyZS1hcHAtc2VjcmV0' },
      });
      await postForm(emulator!.tokenUrl, { grant_type: 'client_credentials', client_id: 'a\nb' });
      await emulator!.waitForRequests(undefined, 3);
      expect(output()).toContain(
        '\n#1 token POST /oauth/token client=fixture-reader\n' +
          '#2 api GET /v1/patients/p_1/rx client=fixture-app fault=status\n' +
          '#3 token POST /oauth/token client=a?b\n',
      );
      expect(output()).not.toMatch(/fixture-reader-secret|fixture-app-secret|Zml4/);
    } finally {
      signals.emit('SIGTERM');
      await stopped;
    }
    expect(output()).toMatch(/#3 .*\nReceived SIGTERM, stopping…\nHoneybee emulator stopped.\n$/);
  });

  it('registers the documented demo client when no file is given, and prints help', async () => {
    const { output, signals, io } = fakeIo();
    const { emulator, stopped } = await runCli(['--jwt', 'ES256'], io);
    expect(output()).toContain('- honeybee-emulator  secret: honeybee-emulator-secret');
    expect(output()).toContain('access tokens:   JWT (ES256)');
    expect(emulator!.jwtMode).toBe(true);
    signals.emit('SIGINT');
    await stopped;
    const help = fakeIo();
    const run = await runCli(['--help'], help.io);
    expect(run.emulator).toBeUndefined();
    expect(help.output()).toBe(`${CLI_USAGE}\n`);
  });
});

describe('npm run emulator (child process)', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'starts with --clients/--port and exits 0 on %s',
    async (signal) => {
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      // One process (no tsx wrapper relaying signals to a child), as `npm run emulator` runs it.
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(LIB_ROOT, 'src/cli.ts'),
          '--clients',
          FIXTURE,
          '--port',
          '0',
          '--doorkeeper',
          '5.5',
        ],
        { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      try {
        const url = await new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            const match =
              /Press Ctrl\+C/.test(stdout) && /listening on (http:\/\/\S+)/.exec(stdout);
            if (match) resolve(match[1]!);
          });
          child.on('exit', () => reject(new Error(`CLI exited early: ${stdout}${stderr}`)));
        });
        expect(stdout).toContain('- fixture-app');
        expect(stdout).toContain('answers like:    Doorkeeper 5.5');
        // Doorkeeper 5.5 gives a scopeless token to a request without scope.
        const res = await postForm(`${url}/oauth/token`, {
          grant_type: 'client_credentials',
          client_id: 'fixture-app',
          client_secret: 'fixture-app-secret',
        });
        expect(res.status).toBe(200);
        expect(res.json).not.toHaveProperty('scope');
        child.kill(signal);
        expect(await exited).toBe(0);
        expect(stdout).toContain('Honeybee emulator stopped.');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  );
});
