import type { HoneybeeInboundOptions } from 'nestjs-honeybee-auth';
import type { HoneybeeEmulator } from 'honeybee-emulator';
import {
  contextsModuleOptions,
  startContextsEmulator,
} from './fixtures/contexts/contexts-emulator.js';
import type { FaultEndpoint } from 'honeybee-emulator';
import { CapturingLogger } from '../libs/honeybee-auth/src/testing/capturing-logger.js';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import {
  ENTRY_POINTS,
  TokenInfoLookupVerifier,
  startEntryPoint,
} from './fixtures/contexts/entry-points.js';
import type { EntryPoint, EntryPointName } from './fixtures/contexts/entry-points.js';

/**
 * Every entry point besides REST (GraphQL on Apollo and Mercurius, graphql-ws, socket.io, ws,
 * TCP, gRPC) with every verifier kind against the emulator: the same four answers as HTTP.
 */
const clock = new FakeClock();
const SCOPES = ['rx:read', 'admin'];
let opaque: HoneybeeEmulator;
let jwt: HoneybeeEmulator;

beforeAll(async () => {
  opaque = await startContextsEmulator(clock);
  jwt = await startContextsEmulator(clock, { jwt: { audience: 'partner-api' } });
  TokenInfoLookupVerifier.endpoint = opaque.tokenInfoUrl;
});
afterAll(async () => {
  await opaque.stop();
  await jwt.stop();
});

/** Each verifier kind: its emulator, its options and the endpoint that takes it down. */
const VERIFIERS: {
  kind: string;
  emulator: () => HoneybeeEmulator;
  inbound: () => HoneybeeInboundOptions;
  down: FaultEndpoint;
}[] = [
  { kind: 'token-info', emulator: () => opaque, inbound: () => ({}), down: 'tokenInfo' },
  {
    kind: 'introspection',
    emulator: () => opaque,
    inbound: () => ({ verifier: 'introspection' }),
    down: 'introspect',
  },
  {
    kind: 'jwt',
    emulator: () => jwt,
    inbound: () => ({
      verifier: 'jwt',
      jwt: { jwksUri: jwt.jwksUri, issuer: jwt.issuer, audience: 'partner-api', jwksCooldownMs: 0 },
    }),
    down: 'jwks',
  },
  {
    kind: 'custom class',
    emulator: () => opaque,
    inbound: () => ({ verifier: TokenInfoLookupVerifier }),
    down: 'tokenInfo',
  },
];

const moduleOptions = (emu: HoneybeeEmulator, inbound: HoneybeeInboundOptions) =>
  contextsModuleOptions(emu, { retryAfterSeconds: 9, maxTokenLength: 2048, ...inbound });

describe.each(VERIFIERS)('$kind verifier', ({ emulator, inbound, down }) => {
  describe.each(ENTRY_POINTS)('%s', (name: EntryPointName) => {
    let entry: EntryPoint | undefined;
    let logger: CapturingLogger;
    const tokens: string[] = [];
    const tokenFor = async (scopes: string[]) => {
      const token = (await emulator().issueToken('partner', scopes)).access_token;
      tokens.push(token);
      return token;
    };

    beforeEach(async () => {
      emulator().reset();
      // Doorkeeper introspects only the caller's own tokens by default; the introspection
      // verifier needs a server that lets this application introspect the partner's.
      emulator().configure({ introspection: { ownApplicationOnly: false } });
      logger = new CapturingLogger();
      entry = await startEntryPoint(name, moduleOptions(emulator(), inbound()), { clock, logger });
    });
    afterEach(async () => {
      await entry?.close();
      const logs = logger.lines.join('\n');
      for (const t of tokens) expect(logs).not.toContain(t);
      tokens.length = 0;
    });

    it('lets a valid token in and refuses the rest with the same codes as HTTP', async () => {
      const reader = await tokenFor(['rx:read']);
      const revoked = await tokenFor(['rx:read']);
      emulator().revokeToken(revoked);
      const outcomes = {
        valid: await entry!.call('read', `Bearer ${reader}`),
        none: await entry!.call('read'),
        malformed: await entry!.call('read', 'Bearer not,a,token'),
        unknown: await entry!.call('read', 'Bearer unknown-token-0123456789'),
        scope: await entry!.call('admin', `Bearer ${reader}`),
        admin: await entry!.call('admin', `Bearer ${await tokenFor(SCOPES)}`),
      };
      // A revoked JWT stays valid until it expires: it is checked locally.
      if (emulator() !== jwt) {
        expect((await entry!.call('read', `Bearer ${revoked}`)).code).toBe('UNAUTHENTICATED');
      }
      expect({
        valid: outcomes.valid.clientId,
        none: outcomes.none.code,
        malformed: outcomes.malformed.code,
        unknown: outcomes.unknown.code,
        scope: outcomes.scope.code,
        admin: outcomes.admin.code,
      }).toEqual({
        valid: 'partner',
        none: 'UNAUTHENTICATED',
        malformed: 'BAD_REQUEST',
        unknown: 'UNAUTHENTICATED',
        scope: 'FORBIDDEN',
        admin: undefined,
      });
      for (const outcome of Object.values(outcomes)) {
        for (const t of tokens) expect(outcome.raw).not.toContain(t);
      }
    });

    it('answers SERVICE_UNAVAILABLE with a retry hint when the verifier is down', async () => {
      const token = await tokenFor(['rx:read']);
      emulator().injectFault(down, { status: 503 });
      const outcome = await entry!.call('read', `Bearer ${token}`);
      expect({ code: outcome.code, retry: outcome.retryAfterSeconds }).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        retry: 9,
      });
      emulator().clearFaults();
      expect((await entry!.call('read', `Bearer ${token}`)).clientId).toBe('partner');
    });
  });
});
