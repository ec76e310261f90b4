import type { TestApp } from '../fixtures/inbound/start-app.js';
import { guardedApp, guardedCall, issueToken, revokeToken } from './support/library.js';
import { startEmulatedDoorkeeper, startRealDoorkeeper } from './support/targets.js';
import type { DoorkeeperTarget } from './support/targets.js';

const REALM = 'Bearer realm="honeybee"';
const INVALID = `${REALM}, error="invalid_token", error_description="The access token is invalid, expired or revoked"`;

/**
 * The library's inbound path (`ScopesGuard` with the `token-info` and `introspection`
 * verifiers) against Debian's Doorkeeper 5.5, and the same scenarios against the emulator's
 * '5.5' profile: the guard must answer the same on both.
 */
describe.each(['token-info', 'introspection'] as const)(
  'inbound with the %s verifier against Doorkeeper 5.5 (real and emulated)',
  (verifier) => {
    let real: DoorkeeperTarget;
    let emulated: DoorkeeperTarget;
    let app: TestApp | undefined;

    beforeAll(async () => {
      [real, emulated] = await Promise.all([startRealDoorkeeper(), startEmulatedDoorkeeper('5.5')]);
    });
    afterEach(async () => {
      await app?.app.close();
      app = undefined;
    });
    afterAll(async () => {
      await Promise.all([real?.dispose(), emulated?.dispose()]);
    });

    /** Runs a scenario against a guarded app on each server; both must answer the same. */
    async function onBoth<T>(
      scenario: (target: DoorkeeperTarget, app: TestApp) => Promise<T>,
    ): Promise<T> {
      const results: T[] = [];
      for (const target of [real, emulated]) {
        await target.reset();
        app = await guardedApp(target, verifier);
        results.push(await scenario(target, app));
        await app.app.close();
        app = undefined;
      }
      expect(results[1]).toEqual(results[0]);
      return results[0]!;
    }

    it('accepts a valid token of an allowed client with the scope, and hands over its principal', async () => {
      const seen = await onBoth(async (target, guarded) =>
        guardedCall(guarded, await issueToken(target, 'partner-app', 'prescriptions:read')),
      );
      expect(seen).toEqual({
        status: 200,
        challenge: null,
        retryAfter: null,
        body: { clientId: 'partner-app', scopes: ['prescriptions:read'] },
      });
    });

    it('refuses unknown, revoked, expired and other clients’ tokens with 401, never 503', async () => {
      const seen = await onBoth(async (target, guarded) => {
        const revoked = await issueToken(target, 'partner-app', 'prescriptions:read');
        await revokeToken(target, 'partner-app', revoked);
        const other = await issueToken(target, 'partner-reader', 'prescriptions:read');
        const expiring = await issueToken(target, 'partner-app', 'prescriptions:read');
        const result = {
          none: await guardedCall(guarded, undefined),
          unknown: await guardedCall(guarded, 'k'.repeat(43)),
          revoked: await guardedCall(guarded, revoked),
          otherClient: await guardedCall(guarded, other),
          expired: { status: 0 } as Awaited<ReturnType<typeof guardedCall>>,
        };
        await target.age(43_201);
        result.expired = await guardedCall(guarded, expiring);
        return result;
      });
      const refused = { status: 401, challenge: INVALID, retryAfter: null };
      expect(seen.none).toMatchObject({ status: 401, challenge: REALM });
      expect(seen.unknown).toMatchObject(refused);
      expect(seen.revoked).toMatchObject(refused);
      expect(seen.otherClient).toMatchObject(refused);
      expect(seen.expired).toMatchObject(refused);
    });

    it('refuses a token without the scope with 403', async () => {
      const seen = await onBoth(async (target, guarded) =>
        guardedCall(guarded, await issueToken(target, 'partner-app', 'orders:write')),
      );
      expect(seen).toMatchObject({
        status: 403,
        challenge: `${REALM}, error="insufficient_scope", error_description="Insufficient scope; this route requires all of: prescriptions:read", scope="prescriptions:read"`,
      });
    });

    it('answers 503 with Retry-After while Doorkeeper is stopped, and recovers once it is back', async () => {
      const seen = await onBoth(async (target, guarded) => {
        const before = await issueToken(target, 'partner-app', 'prescriptions:read');
        await target.stop();
        const down = await guardedCall(guarded, before);
        await target.restart();
        const after = await issueToken(target, 'partner-app', 'prescriptions:read');
        return { down, up: (await guardedCall(guarded, after)).status };
      });
      expect(seen.down).toMatchObject({ status: 503, retryAfter: '3' });
      expect(seen.up).toBe(200);
    });
  },
);
