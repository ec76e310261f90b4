import { Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HoneybeeTokenService } from 'nestjs-honeybee-auth';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';
import { HoneybeeHealthIndicator } from 'nestjs-honeybee-auth/terminus';
import { systemClock } from '../../libs/honeybee-auth/src/common/clock.js';
import type { CheckedVerifier } from '../../libs/honeybee-auth/src/inbound/checked.verifier.js';
import { resolveOptions } from '../../libs/honeybee-auth/src/options/resolve-options.js';
import type { ResolvedHoneybeeAuthOptions } from '../../libs/honeybee-auth/src/options/resolved-options.js';
import { HoneybeeTelemetry } from '../../libs/honeybee-auth/src/telemetry/honeybee.telemetry.js';
import { CapturingLogger } from '../../libs/honeybee-auth/src/testing/capturing-logger.js';
import { expectNoLeak } from '../../libs/honeybee-auth/src/testing/no-leak.js';
import { RecordingTokenServer } from '../../libs/honeybee-auth/src/testing/recording-token-server.js';
import { TelemetryBed } from '../../libs/honeybee-auth/src/testing/telemetry.bed.js';
import { RedisServer } from '../fixtures/redis-server.js';

/**
 * The shared token store's metrics with a real redis-server: two replicas sharing one token
 * (operations, the lock wait of the one that did not fetch), then Redis down (failures by
 * reason, the token fetched locally, the health indicator down), all on the real SDK.
 */
const SECRET = 'redis-telemetry-client-secret';
const OPERATIONS = 'honeybee_auth.store.operations';
const FAILURES = 'honeybee_auth.store.failures';
const WAIT = 'honeybee_auth.store.lock.wait_time';
const REQUESTS = 'honeybee_auth.token.requests';

let redis: RedisServer;
let server: RecordingTokenServer;
let bed: TelemetryBed;
const closing: Array<() => unknown> = [];

/** A replica: its own store connection, telemetry and token service, on the shared bed. */
async function replica(keyPrefix: string) {
  const store = new RedisTokenStore({ url: redis.url, keyPrefix, operationTimeoutMs: 300 });
  const options = resolveOptions({
    clientId: 'partner-app',
    clientSecret: SECRET,
    tokenUrl: server.tokenUrl,
    allowInsecureLoopback: true,
    retry: { maxAttempts: 1 },
    tokenStore: { store },
    telemetry: bed.providers,
  });
  const telemetry = new HoneybeeTelemetry(options, systemClock);
  await telemetry.onModuleInit();
  const tokens = new HoneybeeTokenService(options, systemClock, telemetry);
  closing.push(
    () => tokens.onModuleDestroy(),
    () => tokens.onApplicationShutdown(),
    () => telemetry.onModuleDestroy(),
  );
  return { tokens, telemetry, options };
}

function indicator(options: ResolvedHoneybeeAuthOptions, tokens: HoneybeeTokenService) {
  return new HoneybeeHealthIndicator(
    new HealthIndicatorService(),
    options,
    tokens,
    undefined as unknown as CheckedVerifier,
  );
}

beforeAll(async () => {
  redis = await RedisServer.start();
  Logger.overrideLogger(new CapturingLogger());
});
afterAll(async () => {
  await redis.close();
  Logger.overrideLogger(new Logger());
});
beforeEach(async () => {
  bed = new TelemetryBed();
  server = await RecordingTokenServer.start();
  // A slow token endpoint: the second replica finds the lock taken and waits.
  server.respond(async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { body: server.tokenBody() };
  });
});
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
  await server.stop();
  expectNoLeak([SECRET], ...(await bed.everything()));
  await bed.shutdown();
});

/** Resolves once `condition` holds, looking again at every turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

it('two replicas, one token: the store operations counted, the waiting replica’s wait timed', async () => {
  const [a, b] = [await replica('two:'), await replica('two:')];
  const first = a.tokens.getAccessToken();
  await until(() => server.requests.length === 1);
  const [tokenA, tokenB] = await Promise.all([first, b.tokens.getAccessToken()]);
  expect(tokenB).toBe(tokenA);
  expect(server.requests).toHaveLength(1);

  expect(await bed.sum(REQUESTS)).toBe(1);
  const op = (operation: string) =>
    bed.sum(OPERATIONS, { 'honeybee_auth.store.operation': operation });
  expect(await op('lock')).toBeGreaterThanOrEqual(1);
  expect(await op('commit')).toBe(1);
  expect(await op('get')).toBeGreaterThanOrEqual(2);
  expect(await op('wait')).toBeGreaterThanOrEqual(1);
  expect(await bed.sum(FAILURES)).toBe(0);
  expect(
    await bed.histogram(WAIT, { 'honeybee_auth.store.lock.wait.result': 'adopted' }),
  ).toMatchObject({ count: 1 });
  const sources = bed
    .spans('honeybee_auth.token.request')
    .map((s) => s.attributes['honeybee_auth.token.source'])
    .sort();
  expect(sources).toEqual(['endpoint', 'store']);
  expectNoLeak([tokenA], ...(await bed.everything()));
});

it('Redis down: failures counted by reason, the token fetched locally, the store reported down', async () => {
  const a = await replica('down:');
  await redis.stop();
  try {
    const token = await a.tokens.getAccessToken();
    expect(server.requests).toHaveLength(1);

    expect(await bed.sum(REQUESTS, { 'honeybee_auth.token.outcome': 'success' })).toBe(1);
    const failures = await bed.points(FAILURES);
    expect(failures.length).toBeGreaterThan(0);
    for (const point of failures) {
      expect(['not_connected', 'timeout']).toContain(point.attributes['error.type']);
    }
    // Every operation failed but the waits between two looks (a wait never fails).
    const waits = await bed.sum(OPERATIONS, { 'honeybee_auth.store.operation': 'wait' });
    expect(await bed.sum(FAILURES)).toBe((await bed.sum(OPERATIONS)) - waits);

    const health = await indicator(a.options, a.tokens).isStoreReachable('store', {
      timeoutMs: 1000,
    });
    expect(health.store!.status).toBe('down');
    expect(['not_connected', 'timeout']).toContain(health.store!.reason.kind);
    expectNoLeak([token], ...(await bed.everything()), JSON.stringify(health));
  } finally {
    await redis.resume();
  }
});
