import { HoneybeeAuthModule } from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions, HoneybeeInboundOptions } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { CapturingLogger } from '../libs/honeybee-auth/src/testing/capturing-logger.js';
import { expectNoLeak } from '../libs/honeybee-auth/src/testing/no-leak.js';
import {
  TelemetryBed,
  useContextManager,
} from '../libs/honeybee-auth/src/testing/telemetry.bed.js';
import { postGraphQL, startGraphQLApp } from './fixtures/contexts/graphql-app.js';
import { RxController } from './fixtures/inbound/controllers.js';
import { bearer, call } from './fixtures/inbound/http-call.js';
import { startApp } from './fixtures/inbound/start-app.js';
import type { TestApp } from './fixtures/inbound/start-app.js';

/**
 * What `ScopesGuard`, its verification cache and its verifier record with the real
 * OpenTelemetry SDK (in memory), after real traffic against the emulator's token-info endpoint:
 * a flood of every kind of request, then the verifier failing in each way it can.
 */
const SECRET = 'me-secret-never-recorded';
const DECISIONS = 'honeybee_auth.guard.decisions';
const LOOKUPS = 'honeybee_auth.verification.cache.lookups';
const SIZE = 'honeybee_auth.verification.cache.size';
const DURATION = 'honeybee_auth.verifier.duration';
const FAILURES = 'honeybee_auth.verifier.failures';

useContextManager();

let emu: HoneybeeEmulator;
let bed: TelemetryBed;
let test: TestApp;
/** Every token issued in this file, for the leak scan. */
const issued: string[] = [];

async function token(scopes: string[]): Promise<string> {
  const { access_token } = await emu.issueToken('partner', scopes);
  issued.push(access_token);
  return access_token;
}

const options = (inbound: HoneybeeInboundOptions = {}): HoneybeeAuthModuleOptions => ({
  clientId: 'me',
  clientSecret: SECRET,
  tokenUrl: emu.tokenUrl,
  allowInsecureLoopback: true,
  inbound: { allowedClientIds: ['partner'], ...inbound },
  telemetry: bed.providers,
});

async function start(inbound: HoneybeeInboundOptions = {}): Promise<void> {
  test = await startApp('express', {
    imports: [HoneybeeAuthModule.forRoot(options(inbound))],
    controllers: [RxController],
  });
}

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clients: [
      { clientId: 'partner', clientSecret: 'partner-secret', scopes: ['rx:read', 'rx:write'] },
      { clientId: 'me', clientSecret: SECRET, scopes: ['rx:read'] },
    ],
  });
});
beforeEach(() => {
  bed = new TelemetryBed();
});
afterEach(async () => {
  await test?.app.close();
  // Nothing recorded holds a token, the secret or an Authorization value.
  expectNoLeak(
    [SECRET, ...issued, ...issued.map((t) => `Bearer ${t}`)],
    ...(await bed.everything()),
  );
  await bed.shutdown();
  emu.clearFaults();
});
afterAll(() => emu.stop());

describe('a guard flood', () => {
  it('counts each decision by answer, each cache lookup, each verification', async () => {
    await start();
    const reader = await token(['rx:read']);
    const writer = await token(['rx:read', 'rx:write']);
    const unknown = Array.from({ length: 20 }, (_, i) => `junk-token-${i}-abcdefghijklmnop`);
    issued.push(...unknown);
    const url = `${test.url}/rx`;
    const before = emu.requests('tokenInfo').length;

    const answers = await Promise.all([
      ...Array.from({ length: 300 }, () => call(url, { headers: bearer(reader) })),
      ...Array.from({ length: 100 }, () => call(`${url}/audit`, { headers: bearer(writer) })),
      ...Array.from({ length: 50 }, () => call(url)),
      ...unknown.map((t) => call(url, { headers: bearer(t) })),
      ...Array.from({ length: 10 }, () => call(url, { headers: { authorization: 'Bearer a b' } })),
      // Public: not a decision.
      ...Array.from({ length: 5 }, () => call(`${url}/open`)),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(305);
    const verifications = emu.requests('tokenInfo').length - before;
    expect(verifications).toBe(22); // reader, writer and each unknown token once

    const decisions = (where: Record<string, string>) =>
      bed.sum(DECISIONS, { 'honeybee_auth.guard.context': 'http', ...where });
    expect(await decisions({ 'honeybee_auth.guard.answer': 'pass' })).toBe(300);
    expect(
      await decisions({ 'honeybee_auth.guard.answer': '403', 'error.type': 'insufficient_scope' }),
    ).toBe(100);
    expect(
      await decisions({ 'honeybee_auth.guard.answer': '401', 'error.type': 'missing_token' }),
    ).toBe(50);
    expect(
      await decisions({ 'honeybee_auth.guard.answer': '401', 'error.type': 'invalid_token' }),
    ).toBe(20);
    expect(
      await decisions({ 'honeybee_auth.guard.answer': '400', 'error.type': 'invalid_request' }),
    ).toBe(10);
    expect(await bed.sum(DECISIONS)).toBe(480);

    // Every request with a well-formed token looked the cache up once.
    expect(await bed.sum(LOOKUPS)).toBe(420);
    expect(await bed.sum(LOOKUPS, { 'honeybee_auth.cache.result': 'miss' })).toBe(22);
    const hits = await bed.sum(LOOKUPS, { 'honeybee_auth.cache.result': 'hit' });
    const joined = await bed.sum(LOOKUPS, { 'honeybee_auth.cache.result': 'joined' });
    expect(hits + joined).toBe(398);

    expect(await bed.sum(SIZE, { 'honeybee_auth.cache.verdict': 'valid' })).toBe(2);
    expect(await bed.sum(SIZE, { 'honeybee_auth.cache.verdict': 'invalid' })).toBe(20);

    const base = { 'honeybee_auth.verifier': 'token-info' };
    expect(await bed.histogram(DURATION, base)).toMatchObject({ count: 22 });
    expect(
      await bed.histogram(DURATION, { ...base, 'honeybee_auth.verification.result': 'valid' }),
    ).toMatchObject({ count: 2 });
    expect(
      await bed.histogram(DURATION, { ...base, 'honeybee_auth.verification.result': 'invalid' }),
    ).toMatchObject({ count: 20 });
    expect(await bed.sum(FAILURES)).toBe(0);

    const spans = bed.spans('honeybee_auth.verification');
    expect(spans).toHaveLength(22);
    expect(
      spans.filter((s) => s.attributes['honeybee_auth.verification.result'] === 'valid'),
    ).toHaveLength(2);
  });

  it('counts a token of a client not in allowedClientIds as invalid_token', async () => {
    await start({ allowedClientIds: ['someone-else'] });
    const reader = await token(['rx:read']);
    expect((await call(`${test.url}/rx`, { headers: bearer(reader) })).status).toBe(401);
    expect(
      await bed.sum(DECISIONS, {
        'honeybee_auth.guard.answer': '401',
        'error.type': 'invalid_token',
      }),
    ).toBe(1);
    expect(
      await bed.histogram(DURATION, { 'honeybee_auth.verification.result': 'invalid' }),
    ).toMatchObject({ count: 1 });
  });
});

describe('decisions outside HTTP', () => {
  it('are counted with their context: one per guarded GraphQL field', async () => {
    const graphql = await startGraphQLApp('apollo', options(), { logger: new CapturingLogger() });
    try {
      const reader = await token(['rx:read']);
      const answer = await postGraphQL(
        graphql.url,
        { query: '{ prescriptions adminNote }' },
        `Bearer ${reader}`,
      );
      expect(answer.body.data).toMatchObject({ prescriptions: ['rx_1', 'rx_2'], adminNote: null });
      await postGraphQL(graphql.url, { query: '{ prescriptions }' });
    } finally {
      await graphql.app.close();
    }
    const graphqlDecisions = { 'honeybee_auth.guard.context': 'graphql' };
    expect(
      await bed.sum(DECISIONS, { ...graphqlDecisions, 'honeybee_auth.guard.answer': 'pass' }),
    ).toBe(1);
    expect(
      await bed.sum(DECISIONS, { ...graphqlDecisions, 'error.type': 'insufficient_scope' }),
    ).toBe(1);
    expect(await bed.sum(DECISIONS, { ...graphqlDecisions, 'error.type': 'missing_token' })).toBe(
      1,
    );
    expect(await bed.sum(DECISIONS, { 'honeybee_auth.guard.context': 'http' })).toBe(0);
  });
});

describe('a verifier outage', () => {
  it.each([
    ['a 503', { status: 503, body: 'down' }, 'http', 503],
    ['a reset connection', { resetConnection: true as const }, 'network', undefined],
    ['an answer that is not JSON', { malformedBody: true as const }, 'invalid_response', 200],
    ['no answer within verifyTimeoutMs', { delayMs: 400 }, 'timeout', undefined],
  ])(
    '%s: 503 answers, each a failure by reason, span in error',
    async (_, fault, reason, status) => {
      await start({ verifyTimeoutMs: 200 });
      const reader = await token(['rx:read']);
      emu.injectFault('tokenInfo', fault);

      for (let i = 0; i < 3; i++) {
        expect((await call(`${test.url}/rx`, { headers: bearer(reader) })).status).toBe(503);
      }

      expect(
        await bed.sum(DECISIONS, {
          'honeybee_auth.guard.answer': '503',
          'error.type': 'verifier_unavailable',
        }),
      ).toBe(3);
      // "Cannot decide" is never cached: three verifications, three failures.
      expect(await bed.sum(LOOKUPS, { 'honeybee_auth.cache.result': 'miss' })).toBe(3);
      const failure = { 'honeybee_auth.verifier': 'token-info', 'error.type': reason };
      expect(await bed.sum(FAILURES, failure)).toBe(3);
      const points = await bed.points(FAILURES, failure);
      expect(points.map((p) => p.attributes['http.response.status_code'])).toEqual([status]);
      expect(
        await bed.histogram(DURATION, {
          ...failure,
          'honeybee_auth.verification.result': 'unavailable',
        }),
      ).toMatchObject({ count: 3 });

      const spans = bed.spans('honeybee_auth.verification');
      expect(spans).toHaveLength(3);
      for (const span of spans) {
        expect(span.status).toEqual({ code: 2, message: `verifier unavailable: ${reason}` });
        expect(span.attributes).toMatchObject({ 'error.type': reason });
      }

      emu.clearFaults();
      expect((await call(`${test.url}/rx`, { headers: bearer(reader) })).status).toBe(200);
      expect(await bed.sum(DECISIONS, { 'honeybee_auth.guard.answer': 'pass' })).toBe(1);
    },
  );

  it('counts verifications refused beyond maxConcurrentVerifications as overloaded, with no span', async () => {
    await start({ maxConcurrentVerifications: 1 });
    const [first, second] = [await token(['rx:read']), await token(['rx:read'])];
    emu.injectFault('tokenInfo', { delayMs: 300 }, { times: 1 });
    const slow = call(`${test.url}/rx`, { headers: bearer(first) });
    await emu.waitForRequests('tokenInfo', 1);
    expect((await call(`${test.url}/rx`, { headers: bearer(second) })).status).toBe(503);
    expect((await slow).status).toBe(200);

    expect(
      await bed.sum(FAILURES, {
        'honeybee_auth.verifier': 'token-info',
        'error.type': 'overloaded',
      }),
    ).toBe(1);
    expect(await bed.histogram(DURATION)).toMatchObject({ count: 1 });
    expect(bed.spans('honeybee_auth.verification')).toHaveLength(1);
  });
});
