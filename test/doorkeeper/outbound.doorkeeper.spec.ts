import { firstValueFrom } from 'rxjs';
import { MemoryTokenStore } from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import {
  failureOf,
  optionsFor,
  outboundModule,
  revokeToken,
  tokenInfoOf,
} from './support/library.js';
import type { OutboundModule } from './support/library.js';
import { startEmulatedDoorkeeper, startRealDoorkeeper } from './support/targets.js';
import type { DoorkeeperTarget } from './support/targets.js';

/**
 * The library's outbound path (token service, `HoneybeeHttpService`) against Debian's
 * Doorkeeper 5.5, and the same scenarios against the emulator's '5.5' profile: what the library
 * observes must be identical on both.
 */
describe('outbound against Doorkeeper 5.5 (real and emulated)', () => {
  let real: DoorkeeperTarget;
  let emulated: DoorkeeperTarget;
  const open: OutboundModule[] = [];

  beforeAll(async () => {
    [real, emulated] = await Promise.all([startRealDoorkeeper(), startEmulatedDoorkeeper('5.5')]);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
  });
  afterAll(async () => {
    await Promise.all([real?.dispose(), emulated?.dispose()]);
  });

  const module = async (
    target: DoorkeeperTarget,
    clientId: string,
    over: Partial<HoneybeeAuthModuleOptions> = {},
  ): Promise<OutboundModule> => {
    const m = await outboundModule(optionsFor(target, clientId, over));
    open.push(m);
    return m;
  };
  const settle = <T>(promise: Promise<T>): Promise<T | Record<string, unknown>> =>
    promise.catch((err: unknown) => failureOf(err));
  /** Seconds from now to a module's token expiry, to the nearest 10 s. */
  const remaining = (m: OutboundModule, scopes?: string[]): number =>
    Math.round((m.tokens.status(scopes).expiresAt! - Date.now()) / 10_000) * 10;

  /** Runs a scenario on the real server, then on the emulator; both must observe the same. */
  async function onBoth<T>(scenario: (target: DoorkeeperTarget) => Promise<T>): Promise<T> {
    await real.reset();
    const expected = await scenario(real);
    await Promise.all(open.splice(0).map((m) => m.close()));
    await emulated.reset();
    const actual = await scenario(emulated);
    expect(actual).toEqual(expected);
    return expected;
  }

  it('gets tokens with client_secret_post and client_secret_basic, with and without scopes', async () => {
    const seen = await onBoth(async (target) => {
      const out: unknown[] = [];
      for (const clientAuthMethod of ['client_secret_post', 'client_secret_basic'] as const) {
        const m = await module(target, 'partner-app', { clientAuthMethod });
        for (const scopes of [['prescriptions:read'], ['orders:write', 'prescriptions:read'], []]) {
          const token = await m.tokens.getAccessToken(scopes);
          out.push({
            clientAuthMethod,
            scopes,
            length: token.length,
            lifetime: remaining(m, scopes),
            info: await tokenInfoOf(target, token),
          });
        }
      }
      return out;
    });
    expect(seen).toContainEqual({
      clientAuthMethod: 'client_secret_basic',
      scopes: ['orders:write', 'prescriptions:read'],
      length: 43,
      lifetime: 43_200,
      info: {
        status: 200,
        scope: ['orders:write', 'prescriptions:read'],
        clientId: 'partner-app',
      },
    });
    // Doorkeeper 5.5 answers a request without scope with a scopeless token.
    expect(seen).toContainEqual(
      expect.objectContaining({ scopes: [], info: expect.objectContaining({ scope: [] }) }),
    );
  });

  it('sends a secret with + / = in Basic as it is: only basicCredentialsEncoding rfc6749 fails', async () => {
    const seen = await onBoth(async (target) => {
      const attempt = async (over: Partial<HoneybeeAuthModuleOptions>) => {
        const m = await module(target, 'partner-hand-set', over);
        return settle(m.tokens.getAccessToken(['prescriptions:read']).then((t) => t.length));
      };
      return {
        post: await attempt({ clientAuthMethod: 'client_secret_post' }),
        basic: await attempt({ clientAuthMethod: 'client_secret_basic' }),
        basicRfc6749: await attempt({
          clientAuthMethod: 'client_secret_basic',
          basicCredentialsEncoding: 'rfc6749',
        }),
      };
    });
    expect(seen).toEqual({
      post: 43,
      basic: 43,
      basicRfc6749: {
        class: 'HoneybeeTokenError',
        kind: 'oauth',
        error: 'invalid_client',
        status: 401,
        retryable: false,
        attempts: 1,
      },
    });
  });

  it('treats each OAuth refusal as definitive: one request, no retry', async () => {
    const seen = await onBoth(async (target) => ({
      wrongSecret: await settle(
        (await module(target, 'partner-app', { clientSecret: 'wrong' })).tokens.getAccessToken(),
      ),
      unauthorizedClient: await settle(
        (await module(target, 'partner-no-grant')).tokens.getAccessToken(),
      ),
      unknownScope: await settle(
        (await module(target, 'partner-app')).tokens.getAccessToken(['admin']),
      ),
      scopeOutsideTheApplication: await settle(
        (await module(target, 'partner-reader')).tokens.getAccessToken(['orders:write']),
      ),
    }));
    const refusal = (error: string, status: number) => ({
      class: 'HoneybeeTokenError',
      kind: 'oauth',
      error,
      status,
      retryable: false,
      attempts: 1,
    });
    expect(seen).toEqual({
      wrongSecret: refusal('invalid_client', 401),
      // 401 in every Doorkeeper 5.x (400 from 6.0): definitive either way.
      unauthorizedClient: refusal('unauthorized_client', 401),
      unknownScope: refusal('invalid_scope', 400),
      scopeOutsideTheApplication: refusal('invalid_scope', 400),
    });
  });

  it('reuses a token (token reuse on) and computes its expiry from the remaining lifetime', async () => {
    const seen = await onBoth(async (target) => {
      await target.configure({ reuseAccessToken: true });
      const first = await module(target, 'partner-app');
      const token = await first.tokens.getAccessToken(['prescriptions:read']);
      await target.age(600);
      const second = await module(target, 'partner-app');
      const again = await second.tokens.getAccessToken(['prescriptions:read']);
      return {
        sameToken: again === token,
        firstExpiresIn: remaining(first, ['prescriptions:read']),
        secondExpiresIn: remaining(second, ['prescriptions:read']),
      };
    });
    // The server's created_at is 600 s old; the expiry is the local send time + expires_in.
    expect(seen).toEqual({ sameToken: true, firstExpiresIn: 43_200, secondExpiresIn: 42_600 });
  });

  describe('revoke previous token on: two replicas', () => {
    const rx = async (m: OutboundModule) => {
      const res = await firstValueFrom(m.http.get('/patients/p_1/rx'));
      return { status: res.status, token: await m.tokens.getAccessToken() };
    };

    it('without a shared store they revoke each other, and each 401 is replayed once', async () => {
      const seen = await onBoth(async (target) => {
        await target.configure({ revokePrevious: true });
        const a = await module(target, 'partner-app', { scopes: ['prescriptions:read'] });
        const b = await module(target, 'partner-app', { scopes: ['prescriptions:read'] });
        const calls = [await rx(a), await rx(b), await rx(a), await rx(b)];
        return {
          statuses: calls.map((c) => c.status),
          // a's 2nd call met b's revocation, got a new token and replayed; b's 2nd likewise.
          tokensOfA: new Set([calls[0]!.token, calls[2]!.token]).size,
          tokensOfB: new Set([calls[1]!.token, calls[3]!.token]).size,
        };
      });
      expect(seen).toEqual({ statuses: [200, 200, 200, 200], tokensOfA: 2, tokensOfB: 2 });
    });

    it('with a shared store they share one token and nothing is revoked', async () => {
      const seen = await onBoth(async (target) => {
        await target.configure({ revokePrevious: true });
        const store = new MemoryTokenStore();
        const shared = { store, encryptionKey: 'a-shared-key-of-at-least-32-characters' };
        const a = await module(target, 'partner-app', {
          scopes: ['prescriptions:read'],
          tokenStore: shared,
        });
        const b = await module(target, 'partner-app', {
          scopes: ['prescriptions:read'],
          tokenStore: shared,
        });
        const calls = [await rx(a), await rx(b), await rx(a), await rx(b)];
        return {
          statuses: calls.map((c) => c.status),
          tokens: new Set(calls.map((c) => c.token)).size,
        };
      });
      expect(seen).toEqual({ statuses: [200, 200, 200, 200], tokens: 1 });
    });
  });

  it('replays once with a fresh token after a 401 from a revoked token', async () => {
    const seen = await onBoth(async (target) => {
      const m = await module(target, 'partner-app', { scopes: ['prescriptions:read'] });
      const before = await m.tokens.getAccessToken();
      await revokeToken(target, 'partner-app', before);
      const res = await firstValueFrom(m.http.get('/patients/p_1/rx'));
      const after = await m.tokens.getAccessToken();
      return {
        status: res.status,
        patient: (res.data as { medication_request: { patient_id: string } }).medication_request
          .patient_id,
        tokenReplaced: after !== before,
        before: await tokenInfoOf(target, before),
        after: await tokenInfoOf(target, after),
      };
    });
    expect(seen).toMatchObject({ status: 200, patient: 'p_1', tokenReplaced: true });
    expect(seen.before.status).toBe(401);
    expect(seen.after.status).toBe(200);
  });

  it('does not replay a 403 (no challenge before Doorkeeper 5.9.1) and keeps the token', async () => {
    const seen = await onBoth(async (target) => {
      const m = await module(target, 'partner-app', { scopes: ['prescriptions:read'] });
      const token = await m.tokens.getAccessToken();
      const refused = await settle(
        firstValueFrom(m.http.post('/orders', { patient_id: 'p_1' })).then((r) => r.status),
      );
      return { refused, tokenKept: (await m.tokens.getAccessToken()) === token };
    });
    expect(seen).toEqual({
      refused: { class: 'AxiosError', status: 403, challenge: null },
      tokenKept: true,
    });
  });

  it('reports a stopped Doorkeeper as a retryable network failure, and recovers once it is back', async () => {
    const seen = await onBoth(async (target) => {
      await target.stop();
      const m = await module(target, 'partner-app');
      const down = await settle(m.tokens.getAccessToken(['prescriptions:read']));
      await target.restart();
      const up = await m.tokens.getAccessToken(['prescriptions:read']);
      return { down, up: up.length };
    });
    expect(seen).toEqual({
      down: {
        class: 'HoneybeeTokenError',
        kind: 'network',
        error: undefined,
        status: undefined,
        retryable: true,
        attempts: 2,
      },
      up: 43,
    });
  });

  it('never logs a secret or a token', async () => {
    const m = await module(real, 'partner-hand-set', { clientAuthMethod: 'client_secret_basic' });
    const token = await m.tokens.getAccessToken(['prescriptions:read']);
    const logs = m.logger.lines.join('\n');
    expect(logs).toContain('Obtained access token');
    for (const secret of ['hand+set/secret==', token]) expect(logs).not.toContain(secret);
  });
});
