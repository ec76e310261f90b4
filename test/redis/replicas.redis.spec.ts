import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { RedisServer } from '../fixtures/redis-server.js';

const WORKER = fileURLToPath(new URL('./replica.worker.ts', import.meta.url));
const CLIENT = {
  clientId: 'replicated-app',
  clientSecret: 'replicated-app-secret',
  scopes: ['prescriptions:read'],
};

interface Message {
  type: string;
  [k: string]: unknown;
}

/** A replica process and the JSON lines it printed. */
class Replica {
  readonly messages: Message[] = [];
  stderr = '';
  private readonly waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      try {
        this.messages.push(JSON.parse(line) as Message);
      } catch {
        return;
      }
      this.waiters.splice(0).forEach((w) => w());
    });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  }

  send(cmd: string): void {
    this.proc.stdin.write(`${cmd}\n`);
  }

  /**
   * Resolves with the first message (from now on or already seen) that matches; rejects if the
   * process exits first, with what it wrote to stderr.
   */
  async next(pred: (m: Message) => boolean, from = 0): Promise<Message> {
    for (;;) {
      const found = this.messages.slice(from).find(pred);
      if (found) return found;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(
          `replica exited (${this.proc.exitCode ?? this.proc.signalCode}): ${this.stderr.slice(-2000)}`,
        );
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        this.proc.once('exit', () => r());
      });
    }
  }

  calls(): number {
    const p = this.messages.filter((m) => m.type === 'progress').at(-1);
    return (p?.calls as number) ?? 0;
  }
}

describe('replicas in separate processes against an emulator that revokes previous tokens', () => {
  let emu: HoneybeeEmulator;
  let redis: RedisServer;
  let prefix = '';
  const procs: Replica[] = [];

  const spawnReplica = (env: Record<string, string>): Replica => {
    const proc = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        TOKEN_URL: emu.tokenUrl,
        API_BASE_URL: emu.apiBaseUrl,
        CLIENT_ID: CLIENT.clientId,
        CLIENT_SECRET: CLIENT.clientSecret,
        KEY_PREFIX: prefix,
        ...env,
      },
      stdio: 'pipe',
    });
    const r = new Replica(proc);
    procs.push(r);
    return r;
  };

  const spawnReady = async (k: number, env: Record<string, string>): Promise<Replica[]> => {
    const rs = Array.from({ length: k }, () => spawnReplica(env));
    await Promise.all(rs.map((r) => r.next((m) => m.type === 'ready')));
    return rs;
  };

  const done = (rs: Replica[]) => Promise.all(rs.map((r) => r.next((m) => m.type === 'done')));
  const total = (results: Message[], key: 'ok' | 'failed') =>
    results.reduce((n, m) => n + (m[key] as number), 0);

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  beforeEach(async () => {
    prefix = `replicas-${Date.now()}:`;
    emu = await HoneybeeEmulator.start({ clients: [CLIENT], revokePreviousToken: true });
  });

  afterEach(async () => {
    for (const r of procs.splice(0)) {
      r.proc.kill('SIGKILL');
      await r.exited;
    }
    await emu.stop();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('8 processes sharing Redis: exactly one token request and zero failed API calls', async () => {
    const rs = await spawnReady(8, { REDIS_URL: redis.url, CALLS: '10' });
    rs.forEach((r) => r.send('go'));
    const results = await done(rs);
    expect(emu.requests('token')).toHaveLength(1);
    expect(total(results, 'failed')).toBe(0);
    expect(total(results, 'ok')).toBe(80);
  });

  it('the same 8 processes without the shared store fight over the token (the contrast)', async () => {
    const rs = await spawnReady(8, { CALLS: '10' });
    rs.forEach((r) => r.send('go'));
    const results = await done(rs);
    const tokenRequests = emu.requests('token').length;
    const revoked = emu.revokedTokens().length;
    // Each process fetches its own token and each new token revokes the previous one, so
    // there are more requests than processes and calls answered 401.
    expect(tokenRequests).toBeGreaterThan(8);
    expect(revoked).toBeGreaterThanOrEqual(tokenRequests - 1);
    console.log(
      `without a store: ${tokenRequests} token requests, ${revoked} tokens revoked, ` +
        `${total(results, 'failed')} of 80 calls failed`,
    );
  });

  it('a lock holder killed mid-fetch is replaced after the lock TTL', async () => {
    emu.injectFault('token', { delayMs: 60_000 }, { times: 1 });
    const [holder] = await spawnReady(1, { REDIS_URL: redis.url, CALLS: '1', LOCK_TTL_MS: '1000' });
    holder.send('go');
    await emu.waitForRequests('token', 1);
    holder.proc.kill('SIGKILL');
    await holder.exited;
    const [successor] = await spawnReady(1, {
      REDIS_URL: redis.url,
      CALLS: '5',
      LOCK_TTL_MS: '1000',
    });
    successor.send('go');
    const [result] = await done([successor]);
    expect(result).toMatchObject({ ok: 5, failed: 0 });
    expect(emu.requests('token')).toHaveLength(2);
  });

  it('Redis stopped and restarted mid-run: zero failed calls, then one token request per revocation again', async () => {
    const rs = await spawnReady(4, { REDIS_URL: redis.url, CALLS: '0' });
    rs.forEach((r) => r.send('go'));
    const progressed = (n: number) =>
      Promise.all(
        rs.map((r) => {
          const target = r.calls() + n;
          return r.next((m) => m.type === 'progress' && (m.calls as number) >= target);
        }),
      );
    await progressed(20);
    expect(emu.requests('token')).toHaveLength(1);
    await redis.stop();
    await progressed(40);
    await redis.resume();
    // Wait until every replica sees Redis again, then revoke the shared token.
    for (const r of rs) {
      for (;;) {
        const from = r.messages.length;
        r.send('check');
        const m = await r.next((x) => x.type === 'store', from);
        if (m.healthy) break;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    const before = emu.requests('token').length;
    for (const t of emu.issuedTokens()) emu.revokeToken(t.accessToken);
    await progressed(40);
    rs.forEach((r) => r.send('stop'));
    const results = await done(rs);
    expect(total(results, 'failed')).toBe(0);
    expect(emu.requests('token').length - before).toBe(1);
  });
});
