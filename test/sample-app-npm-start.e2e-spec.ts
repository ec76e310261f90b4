import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const HAS_CURL = spawnSync('curl', ['--version']).status === 0;

/**
 * `npm start` itself, as a user runs it: no configuration but a free port. Reads the printed
 * URLs and commands, calls the app, runs the printed curl commands as printed, and stops the
 * process with SIGTERM.
 */
describe('npm start (e2e)', () => {
  let child: ChildProcessWithoutNullStreams;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let allOutputClosed: Promise<void>;

  /** Resolves once `pattern` shows up in the output; rejects if the process ends first. */
  function outputMatching(
    pattern: RegExp,
    timeoutMs = START_TIMEOUT_MS,
  ): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern);
        if (!match) return;
        done();
        resolve(match);
      };
      const ended = () => {
        done();
        reject(new Error(`npm start ended before printing ${pattern}:\n${output}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`No ${pattern} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.off('exit', ended);
      };
      child.stdout.on('data', check);
      child.once('exit', ended);
      check();
    });
  }

  /** The printed line that starts with `prefix`, without it. */
  const printed = (prefix: string) =>
    output
      .split('\n')
      .find((line) => line.startsWith(prefix))!
      .slice(prefix.length);

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', NO_COLOR: '1' };
    for (const name of Object.keys(env)) {
      if (/^(HONEYBEE_|REDIS_URL$|HOST$|NODE_OPTIONS$)/.test(name)) delete env[name];
    }
    // Its own process group: SIGTERM reaches npm, tsx and node alike, as Ctrl-C would.
    child = spawn('npm', ['start'], { cwd: REPO_ROOT, env, detached: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    child.stderr.on('data', (chunk: string) => (output += chunk));
    exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // stdout is shared by npm, tsx and node: it closes once the last of them has exited.
    allOutputClosed = new Promise((resolve) => child.stdout.once('close', () => resolve()));
    await outputMatching(/^Stop with Ctrl-C\.$/m);
  }, START_TIMEOUT_MS + 5_000);

  afterAll(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('prints where it listens, the emulator, the demo callers and the webhook secret', () => {
    expect(printed('Sample app listening on ')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed('Honeybee emulator (embedded, offline): ')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(output).toMatch(/^ {2}demo-reader +demo-reader-secret +prescriptions:read$/m);
    expect(output).toMatch(
      /^ {2}demo-writer +demo-writer-secret +prescriptions:read orders:write$/m,
    );
    expect(printed('Webhook secret (X-Honeybee-Secret): ')).toMatch(/^whsec-[0-9a-f]{24}$/);
  });

  it('answers GET /health with 200 and a valid token', async () => {
    const response = await fetch(`${printed('Sample app listening on ')}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      details: { honeybeeToken: { status: 'up', token: 'valid' } },
    });
  });

  it('gets a demo token from the emulator and reads prescriptions with it', async () => {
    const app = printed('Sample app listening on ');
    const emulator = printed('Honeybee emulator (embedded, offline): ');
    const tokenResponse = await fetch(`${emulator}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'demo-reader',
        client_secret: 'demo-reader-secret',
      }),
    });
    expect(tokenResponse.status).toBe(200);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const rx = await fetch(`${app}/patients/p_1/prescriptions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rx.status).toBe(200);
    expect(await rx.json()).toMatchObject({
      patient_id: 'p_1',
      prescriptions: [{ id: 'mr_p_1_1' }],
    });
  });

  (HAS_CURL ? it : it.skip)('runs every printed command as printed', () => {
    const section = output.slice(
      output.indexOf('Try it (bash):'),
      output.indexOf('Stop with Ctrl-C.'),
    );
    const commands = section
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.slice(2));
    expect(commands).toHaveLength(16);
    const script = commands.map((command, i) => `echo "@@@ ${i}"\n${command}`).join('\n');
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    const outputs = run.stdout.split(/^@@@ \d+\n/m).slice(1);
    const json = (i: number) => JSON.parse(outputs[i]);

    expect(outputs.slice(0, 2)).toEqual(['', '']); // TOKEN=…, READER=…
    expect(json(2)).toMatchObject({ status: 'ok' });
    expect(json(3)).toMatchObject({ patient_id: 'p_1' });
    expect(json(4)).toMatchObject({ id: 'ord_1', status: 'received' });
    expect(json(5)).toEqual({ received: true, event_id: 'evt_demo_1', duplicate: false });
    expect(json(6).events[0].event.event_id).toBe('evt_demo_1');
    expect(outputs[7]).toMatch(/^HTTP\/1\.1 401 Unauthorized\r$/m);
    expect(outputs[7]).toMatch(/^WWW-Authenticate: Bearer realm="honeybee"\r$/m);
    expect(json(8)).toMatchObject({ statusCode: 403 });
    expect(json(9)).toMatchObject({ statusCode: 400 });
    expect(json(10)).toMatchObject({ statusCode: 404, message: 'Honeybee has no patient "p_404"' });
    expect(json(11)).toMatchObject({
      statusCode: 401,
      message: 'Invalid X-Honeybee-Secret header',
    });
    expect(json(12)).toEqual({
      data: { prescriptions: [expect.objectContaining({ id: 'mr_p_1_1' })] },
    });
    expect(json(13).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', statusCode: 401 });
    expect(json(14)).toEqual({
      event: 'webhooks.recent',
      data: { events: [expect.objectContaining({ event: expect.anything() })] },
    });
    expect(json(15)).toMatchObject({ event: 'exception', data: { code: 'UNAUTHENTICATED' } });
  });

  it('stops on SIGTERM: closes the app and the emulator, and exits', async () => {
    const app = printed('Sample app listening on ');
    process.kill(-child.pid!, 'SIGTERM');
    await Promise.all([exited, allOutputClosed]);
    expect(output).toMatch(/\[EmbeddedHoneybee\] Honeybee emulator stopped/);
    await expect(fetch(`${app}/health`)).rejects.toThrow();
  }, 30_000);
});
