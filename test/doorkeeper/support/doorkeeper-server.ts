import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'server');

/** The one-file Rails app that runs Doorkeeper (`test/doorkeeper/server/honeybee_doorkeeper.rb`). */
export const DOORKEEPER_APP = join(SERVER_DIR, 'honeybee_doorkeeper.rb');
/** The applications the server seeds and the emulator registers (one source for both). */
export const DOORKEEPER_CLIENTS_FILE = join(SERVER_DIR, 'clients.json');
/** The patients the server's `/v1/patients/:id/rx` serves, also given to the emulator. */
export const DOORKEEPER_PATIENTS_FILE = join(SERVER_DIR, 'patients.json');

/** Longest wait for the server to announce its port (Rails boots in about a second). */
const BOOT_TIMEOUT_MS = 30_000;
/** Longest wait for a clean exit after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;

/** What the server prints once it listens. */
interface ListeningLine {
  event: 'listening';
  url: string;
  port: number;
  doorkeeper: string;
  rails: string;
  puma: string;
  ruby: string;
}

/** The server's switches, set at run time through its loopback-only control endpoint. */
export interface DoorkeeperSwitches {
  /** Doorkeeper `reuse_access_token`. */
  reuseAccessToken?: boolean;
  /** Doorkeeper `revoke_previous_client_credentials_token`. */
  revokePrevious?: boolean;
}

/**
 * Starts, controls and stops the real Doorkeeper (Debian's `ruby-doorkeeper`) for tests. The
 * server listens on 127.0.0.1 and a free port; its SQLite database lives in a temporary folder
 * owned by this object, so {@link restart} brings back a server that still knows its tokens,
 * on the same port.
 *
 * @example
 * const dk = await DoorkeeperServer.start();
 * await dk.configure({ reuseAccessToken: true });
 * await dk.stop();
 */
export class DoorkeeperServer {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #listening!: ListeningLine;
  #stderr = '';

  private constructor(private readonly workDir: string) {}

  /** Boots a server and resolves once it listens. */
  static async start(): Promise<DoorkeeperServer> {
    const server = new DoorkeeperServer(mkdtempSync(join(tmpdir(), 'doorkeeper-test-')));
    try {
      await server.#spawn(0);
    } catch (err) {
      rmSync(server.workDir, { recursive: true, force: true });
      throw err;
    }
    return server;
  }

  /** `http://127.0.0.1:PORT`. */
  get url(): string {
    return this.#listening.url;
  }

  /** The port it listens on (kept across {@link restart}). */
  get port(): number {
    return this.#listening.port;
  }

  /** Versions the server reported: Doorkeeper, Rails, Puma, Ruby. */
  get versions(): Pick<ListeningLine, 'doorkeeper' | 'rails' | 'puma' | 'ruby'> {
    const { doorkeeper, rails, puma, ruby } = this.#listening;
    return { doorkeeper, rails, puma, ruby };
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Turns token reuse and revoke-previous on or off. */
  async configure(switches: DoorkeeperSwitches): Promise<void> {
    const body: Record<string, boolean> = {};
    if (switches.reuseAccessToken !== undefined) {
      body.reuse_access_token = switches.reuseAccessToken;
    }
    if (switches.revokePrevious !== undefined) body.revoke_previous = switches.revokePrevious;
    await this.#control('config', body);
  }

  /** Forgets every access token. */
  async reset(): Promise<void> {
    await this.#control('reset', {});
  }

  /** Moves every token `seconds` into the past (its creation and revocation times). */
  async age(seconds: number): Promise<void> {
    await this.#control('age', { seconds });
  }

  /** Stops the process (SIGTERM, then SIGKILL); the database and port stay for {@link restart}. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the process again on the same port with the same database. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn(this.#listening.port);
  }

  /** Stops the process and deletes its database. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  async #spawn(port: number): Promise<void> {
    this.#stderr = '';
    const child = spawn('ruby', [DOORKEEPER_APP], {
      env: {
        ...process.env,
        PORT: String(port),
        DOORKEEPER_CLIENTS: DOORKEEPER_CLIENTS_FILE,
        DOORKEEPER_DATABASE: join(this.workDir, 'doorkeeper.sqlite3'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });

    const lines = createInterface({ input: child.stdout! });
    try {
      this.#listening = await new Promise<ListeningLine>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(this.#bootError(`did not listen within ${BOOT_TIMEOUT_MS} ms`));
        }, BOOT_TIMEOUT_MS);
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(this.#bootError(`could not run ruby (${err.message})`));
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(this.#bootError(`exited before listening (code ${code}, signal ${signal})`));
        });
        lines.on('line', (line) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch {
            return;
          }
          if ((parsed as { event?: unknown })?.event === 'listening') {
            clearTimeout(timer);
            resolve(parsed as ListeningLine);
          }
        });
      });
    } catch (err) {
      child.kill('SIGKILL');
      await this.#exited;
      throw err;
    } finally {
      lines.close();
      // Keep draining stdout so the process never blocks on a full pipe.
      child.stdout!.resume();
    }
  }

  #bootError(why: string): Error {
    return new Error(
      `Doorkeeper test server ${why}. It needs Debian's ruby-doorkeeper, ruby-railties, ` +
        `ruby-activerecord, ruby-actionpack, ruby-sqlite3 and puma (.ci/install-doorkeeper).` +
        (this.#stderr ? `\nstderr:\n${this.#stderr}` : ''),
    );
  }

  async #control(action: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.url}/_control/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`Doorkeeper control ${action} answered ${res.status}`);
  }
}
