import { metrics } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { FakeClock } from '../testing/fake-clock.js';
import { TelemetryBed } from '../testing/telemetry.bed.js';
import { HoneybeeTelemetry } from './honeybee.telemetry.js';
import { backendOf } from './telemetry.backend.js';
import {
  CacheResult,
  GuardOutcome,
  INSTRUMENTATION_VERSION,
  guardSlot,
} from './telemetry.conventions.js';

const DECISIONS = 'honeybee_auth.guard.decisions';
const EXPIRY = 'honeybee_auth.token.time_to_expiry';
const clock = new FakeClock();
let bed: TelemetryBed;
const started: HoneybeeTelemetry[] = [];

async function telemetry(
  over: Partial<HoneybeeAuthModuleOptions> = {},
): Promise<HoneybeeTelemetry> {
  const t = new HoneybeeTelemetry(
    resolveOptions({
      clientId: 'partner-app',
      clientSecret: 'partner-secret',
      scopes: ['rx:read'],
      telemetry: bed.providers,
      ...over,
    }),
    clock,
  );
  await t.onModuleInit();
  started.push(t);
  return t;
}

beforeEach(() => {
  bed = new TelemetryBed();
});
afterEach(async () => {
  started.splice(0).forEach((t) => t.onModuleDestroy());
  await bed.shutdown();
});

it('reports the package version as its instrumentation scope version', () => {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  expect(INSTRUMENTATION_VERSION).toBe(manifest.version);
});

it('with telemetry.enabled false, records nothing and counts in place only', async () => {
  const t = await telemetry({ telemetry: { ...bed.providers, enabled: false } });
  expect(backendOf(t)).toBeUndefined();
  t.guardDecisions.add(guardSlot(0, GuardOutcome.pass));
  expect(await bed.metrics()).toEqual([]);
});

it('adds up the instances that record on one meter, and keeps what a stopped one counted', async () => {
  const [a, b] = [await telemetry(), await telemetry()];
  const pass = guardSlot(0, GuardOutcome.pass);
  a.guardDecisions.add(pass);
  a.guardDecisions.add(pass);
  b.guardDecisions.add(pass);
  b.cacheLookups.add(CacheResult.hit);
  expect(await bed.sum(DECISIONS)).toBe(3);
  expect(await bed.points(DECISIONS)).toHaveLength(1); // one series, not one per instance

  b.onModuleDestroy();
  b.guardDecisions.add(pass); // after its shutdown: no longer reported
  a.guardDecisions.add(pass);
  // A counter never goes backwards.
  expect(await bed.sum(DECISIONS)).toBe(4);
  expect(await bed.sum('honeybee_auth.verification.cache.lookups')).toBe(1);
});

it('reports each token expiry by scope set: the configured ones by name, any other as _OTHER', async () => {
  const t = await telemetry({ telemetry: { ...bed.providers, scopeSets: [['b', 'a']] } });
  const now = clock.now();
  t.observeTokens(() => [
    { scopeKey: 'rx:read', expiresAt: now + 60_000 },
    { scopeKey: 'a b', expiresAt: now + 30_000 },
    { scopeKey: 'x', expiresAt: now + 20_000 },
    { scopeKey: 'y', expiresAt: now + 10_000 },
  ]);
  const at = (scope: string) => bed.sum(EXPIRY, { 'honeybee_auth.scope': scope });
  expect(await at('rx:read')).toBe(60);
  expect(await at('a b')).toBe(30);
  // Two scope sets share _OTHER: the sooner expiry.
  expect(await at('_OTHER')).toBe(10);
  const [point] = await bed.points(EXPIRY, { 'honeybee_auth.scope': 'rx:read' });
  expect(point!.attributes).toEqual({
    'honeybee_auth.client_id': 'partner-app',
    'honeybee_auth.scope': 'rx:read',
  });
});

it('stops reporting what is no longer observed', async () => {
  const t = await telemetry();
  const stop = t.observeCache(() => ({ valid: 3, invalid: 4 }));
  const size = 'honeybee_auth.verification.cache.size';
  expect(await bed.sum(size, { 'honeybee_auth.cache.verdict': 'invalid' })).toBe(4);
  stop();
  expect(await bed.sum(size)).toBe(0);
});

describe('without configured providers', () => {
  afterEach(() => metrics.disable());

  it('records with the global MeterProvider as it is when the module starts', async () => {
    metrics.setGlobalMeterProvider(bed.meterProvider);
    const t = await telemetry({ telemetry: {} });
    t.guardDecisions.add(guardSlot(1, GuardOutcome.missingToken));
    expect(
      await bed.sum(DECISIONS, {
        'honeybee_auth.guard.context': 'graphql',
        'error.type': 'missing_token',
      }),
    ).toBe(1);
  });
});
