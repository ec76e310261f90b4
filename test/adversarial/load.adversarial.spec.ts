import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { adversarialRun } from './support/adversarial-run.js';
import { PLATFORMS, REALM, startGuardedApp } from './support/guarded-app.js';
import type { GuardedApp, Platform } from './support/guarded-app.js';
import { httpCall } from './support/http.js';
import type { Answer } from './support/http.js';
import { HoldingServer } from './support/holding-server.js';
import { leakScanner } from './support/leak-scanner.js';

/**
 * A burst of 10,000 requests, all issued at once (over 512 keep-alive connections), carrying
 * the same unknown token: the verdict cache's single flight and negative cache must turn them
 * into **one** token-info call, and a public route must keep answering during the burst.
 * The one verification is held 300 ms by the emulator so that the burst piles up on it.
 *
 * Then a flood of 5,000 *distinct* junk tokens against a verifier that answers nothing until
 * the test lets it: at most `inbound.maxConcurrentVerifications` (default 64) calls reach it,
 * every other request is answered 503 with `Retry-After` at once, and the heap stays bounded
 * (measured after a forced GC, at the flood's peak).
 */
const run = adversarialRun('load');

const APP_ID = 'load-app';
const APP_SECRET = 'load-app-secret-7a8b9c0d1e2f3a4b5c6d';
const BURST = Number(process.env.HONEYBEE_LOAD_REQUESTS ?? 10_000);
const SOCKETS = 512;

const clock = new FakeClock();
let emu: HoneybeeEmulator;

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clock,
    clients: [{ clientId: APP_ID, clientSecret: APP_SECRET, scopes: ['rx:read'] }],
  });
  leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(APP_ID, APP_SECRET);
});
afterAll(() => emu.stop());

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** The guarded app on `platform`, checking tokens with the token-info endpoint at `tokenInfoUrl`. */
const startApp = (
  platform: Platform,
  tokenInfoUrl: string,
  inbound: { verifyTimeoutMs: number; retryAfterSeconds?: number },
) =>
  startGuardedApp(platform, {
    clock,
    logger: run.logger,
    options: {
      clientId: APP_ID,
      clientSecret: APP_SECRET,
      tokenUrl: emu.tokenUrl,
      allowInsecureLoopback: true,
      inbound: { verifier: 'token-info', tokenInfoUrl, realm: REALM, ...inbound },
    },
  });

describe.each(PLATFORMS)('load on %s', (platform: Platform) => {
  let app: GuardedApp;

  beforeAll(async () => {
    app = await startApp(platform, emu.tokenInfoUrl, { verifyTimeoutMs: 5000 });
  });
  afterAll(() => app.close());
  afterEach(() => leakScanner.resetEmulator(emu));

  it(`${BURST} concurrent requests with one unknown token → one verification; /health stays responsive`, async () => {
    const unknown = randomBytes(32).toString('base64url');
    leakScanner.watchToken(unknown, 'load token');
    emu.injectFault('tokenInfo', { delayMs: 300 }, { times: 1 });
    const burstAgent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
    const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Warm the probe's connection, so the probe measures requests, not a connect under load.
      expect((await httpCall(`${app.url}/health`, { agent: healthAgent })).status).toBe(200);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const started = performance.now();
      let done = false;
      // The public route, one request at a time, for as long as the burst lasts.
      const health: { status: number; ms: number }[] = [];
      const probe = (async () => {
        while (!done) {
          const t0 = performance.now();
          const res = await httpCall(`${app.url}/health`, { agent: healthAgent });
          health.push({ status: res.status, ms: performance.now() - t0 });
        }
      })();

      // Every request is issued before any answer is awaited; the client yields to the event
      // loop every 500 requests so its own set-up does not stall the server it shares it with.
      const pending: Promise<Answer>[] = [];
      for (let i = 0; i < BURST; i++) {
        pending.push(
          httpCall(`${app.url}/rx`, {
            agent: burstAgent,
            headers: { authorization: `Bearer ${unknown}` },
          }),
        );
        if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
      }
      const burst = Promise.all(pending).finally(() => {
        done = true;
      });

      const answers: Answer[] = await burst;
      await probe;
      const elapsed = performance.now() - started;
      loop.disable();
      const stallMs = loop.max / 1e6;

      const statuses = new Map<number, number>();
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      expect([...statuses]).toEqual([[401, BURST]]);
      expect(answers[0].headers['www-authenticate']).toBe(
        `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is invalid, expired or revoked"`,
      );
      expect(emu.requests('tokenInfo')).toHaveLength(1);

      const latencies = health.map((h) => h.ms).sort((a, b) => a - b);
      // Responsive: the public route kept answering while the burst was in flight. The bound
      // is loose on purpose (client and server share one loop on a 2-core machine).
      expect(health.length).toBeGreaterThanOrEqual(3);
      expect(health.every((h) => h.status === 200)).toBe(true);
      expect(latencies.at(-1)!).toBeLessThan(5000);
      expect(stallMs).toBeLessThan(2000);

      run.cases(BURST);
      run.attackRejected(BURST);
      run.note(
        `${platform}: ${BURST} requests (${SOCKETS} connections) in ${Math.round(elapsed)} ms (${Math.round((BURST / elapsed) * 1000)} req/s), 1 token-info call; /health answered ${health.length} times during the burst, p50 ${percentile(latencies, 50).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; longest event-loop stall ${stallMs.toFixed(0)} ms`,
      );
    } finally {
      burstAgent.destroy();
      healthAgent.destroy();
    }
  });
});

const FLOOD = Number(process.env.HONEYBEE_FLOOD_TOKENS ?? 5000);
/** The documented default of `inbound.maxConcurrentVerifications`. */
const DEFAULT_CAP = 64;
const RETRY_AFTER = 7;
/** Heap growth allowed at the flood's peak (it was +34 MB with one verification per token). */
const MAX_HEAP_GROWTH_MB = 12;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

describe.each(PLATFORMS)('a flood of distinct junk tokens on %s', (platform: Platform) => {
  let slow: HoldingServer;
  let app: GuardedApp;

  beforeAll(async () => {
    slow = await HoldingServer.start();
    app = await startApp(platform, `${slow.url}/oauth/token/info`, {
      verifyTimeoutMs: 60_000,
      retryAfterSeconds: RETRY_AFTER,
    });
  });
  afterAll(async () => {
    await app.close();
    await slow.stop();
  });

  it(`${FLOOD} distinct tokens, verifier held: at most ${DEFAULT_CAP} verifications at once, the rest 503 + Retry-After at once, bounded heap`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
    try {
      // Open the whole connection pool (both ends keep 512 sockets and their buffers) and warm
      // the route, so that the baseline holds what the flood's transport holds.
      const warm = await Promise.all(
        Array.from({ length: 2 * SOCKETS }, () => httpCall(`${app.url}/health`, { agent })),
      );
      expect(warm.every((a) => a.status === 200)).toBe(true);
      const before = heapMb();
      const statuses = new Map<number, number>();
      let answered = 0;
      let retryAfterMissing = 0;
      let wake = () => undefined as void;
      const progress = () => new Promise<void>((resolve) => (wake = resolve));
      let allAnswered!: () => void;
      const done = new Promise<void>((resolve) => (allAnswered = resolve));
      const prefix = randomBytes(8).toString('base64url');
      for (let i = 0; i < FLOOD; i++) {
        // The answers are counted, not kept, and only the first of each status goes to the leak
        // scanner: what stays on the heap is the module's, not this client's.
        void httpCall(`${app.url}/me`, {
          agent,
          scan: false,
          headers: { authorization: `Bearer junk-${prefix}-${i}` },
        }).then((a) => {
          if (!statuses.has(a.status)) leakScanner.response(a.status, a.headers, a.text);
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          if (a.status === 503 && a.headers['retry-after'] !== String(RETRY_AFTER)) {
            retryAfterMissing += 1;
          }
          answered += 1;
          wake();
          if (answered === FLOOD) allAnswered();
        });
        if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
      }
      // The flood's peak: every request answered but those the verifier holds, or (without a
      // bound) more held than the bound allows. Event-driven: no timer decides.
      while (answered + slow.holding < FLOOD && slow.holding <= DEFAULT_CAP) {
        await Promise.race([progress(), slow.nextRequest()]);
      }
      const held = slow.holding;
      const peakGrowth = heapMb() - before;
      slow.release();
      await done;

      expect({ held, peak: slow.peak, received: slow.received }).toEqual({
        held: DEFAULT_CAP,
        peak: DEFAULT_CAP,
        received: DEFAULT_CAP,
      });
      expect(Object.fromEntries(statuses)).toEqual({ 401: DEFAULT_CAP, 503: FLOOD - DEFAULT_CAP });
      expect(retryAfterMissing).toBe(0);
      expect(peakGrowth).toBeLessThan(MAX_HEAP_GROWTH_MB);
      run.cases(FLOOD);
      run.attackRejected(FLOOD);
      run.note(
        `${platform}: ${FLOOD} distinct junk tokens, verifier held: ${slow.peak} verifications at once (bound ${DEFAULT_CAP}), ${FLOOD - DEFAULT_CAP} answered 503 at once; heap +${peakGrowth.toFixed(1)} MB at the peak`,
      );
    } finally {
      agent.destroy();
    }
  });
});
