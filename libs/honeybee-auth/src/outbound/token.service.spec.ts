import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { useTokenServiceBed } from '../testing/token-service.bed.js';
import { waitFor } from '../testing/wait-for.js';

const SECRET = 's3cr3t-Value-that-must-never-leak';

describe('HoneybeeTokenService', () => {
  const bed = useTokenServiceBed(SECRET);

  const make = (over: Partial<HoneybeeAuthModuleOptions> = {}) =>
    bed.service({ retry: { initialDelayMs: 100, maxDelayMs: 5000 }, ...over });

  /** The logs and every rendering of `things` are free of the secret and of `tokens`. */
  const assertNoLeak = (tokens: string[], ...things: unknown[]) =>
    expectNoLeak([SECRET, ...tokens], ...bed.logs.lines, ...things);

  describe('caching', () => {
    it('serves the cached token until it nears expiry', async () => {
      const tokens = make();
      const first = await tokens.getAccessToken();
      bed.clock.advance(60_000);
      expect(await tokens.getAccessToken()).toBe(first);
      expect(bed.server.requests).toHaveLength(1);
    });

    it('answers a cached token with one settled promise, a fresh one after invalidation', async () => {
      const tokens = make();
      const first = await tokens.getAccessToken();
      const answer = tokens.getAccessToken();
      expect(tokens.getAccessToken()).toBe(answer);
      await expect(answer).resolves.toBe(first);
      tokens.invalidate(first);
      const next = tokens.getAccessToken();
      expect(next).not.toBe(answer);
      await expect(next).resolves.not.toBe(first);
    });

    it('caches per normalised scope set: order and duplicates do not matter', async () => {
      const tokens = make();
      const ab = await tokens.getAccessToken(['b', 'a']);
      expect(await tokens.getAccessToken(['a', 'b', 'a'])).toBe(ab);
      const a = await tokens.getAccessToken(['a']);
      expect(a).not.toBe(ab);
      expect(bed.server.requests.map((r) => r.form.get('scope'))).toEqual(['a b', 'a']);
    });

    it('uses the module scopes by default and an explicit empty set separately', async () => {
      const tokens = make({ scopes: ['x'] });
      const def = await tokens.getAccessToken();
      expect(await tokens.getAccessToken(['x'])).toBe(def);
      expect(await tokens.getAccessToken([])).not.toBe(def);
      expect(bed.server.requests.map((r) => r.form.get('scope'))).toEqual(['x', null]);
    });

    it('shares one request among 500 concurrent callers on a cold cache', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      bed.server.respond(async () => {
        await gate;
        return { body: bed.server.tokenBody() };
      });
      const tokens = make();
      const all = Promise.all(Array.from({ length: 500 }, () => tokens.getAccessToken()));
      await new Promise((r) => setImmediate(r));
      release();
      const got = await all;
      expect(new Set(got).size).toBe(1);
      expect(bed.server.requests).toHaveLength(1);
    });

    it('computes expiry from the local send time + expires_in, not created_at', async () => {
      // A reused token: old created_at, small remaining lifetime.
      bed.server.respond(() => ({
        body: bed.server.tokenBody({
          expires_in: 100,
          created_at: bed.clock.now() / 1000 - 40_000,
        }),
      }));
      const tokens = make({ refreshMarginSeconds: 0, expiryLeewaySeconds: 0 });
      const t = await tokens.getAccessToken();
      bed.clock.advance(99_000);
      expect(await tokens.getAccessToken()).toBe(t);
      expect(bed.server.requests).toHaveLength(1);
      bed.clock.advance(1_000);
      expect(await tokens.getAccessToken()).not.toBe(t);
      expect(bed.server.requests).toHaveLength(2);
      expect(tokens.status().expiresAt).toBe(bed.clock.now() + 100_000);
    });

    it('stops handing out a token expiryLeewaySeconds before it expires', async () => {
      const tokens = make({ expiryLeewaySeconds: 30 });
      const t = await tokens.getAccessToken();
      bed.clock.advance(3600_000 - 30_000);
      expect(await tokens.getAccessToken()).not.toBe(t);
    });
  });

  describe('proactive refresh', () => {
    it('refreshes inside the margin in the background while callers keep the current token', async () => {
      const tokens = make({ refreshMarginSeconds: 300 });
      const first = await tokens.getAccessToken();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      bed.server.respond(async () => {
        await gate;
        return { body: bed.server.tokenBody() };
      });
      // Past the latest jittered refresh point (1x margin before expiry), before expiry.
      bed.clock.advance(3600_000 - 250_000);
      expect(await tokens.getAccessToken()).toBe(first);
      expect(await tokens.getAccessToken()).toBe(first);
      await waitFor(() => bed.server.requests.length === 2);
      expect(tokens.status().refreshing).toBe(true);
      release();
      await waitFor(() => !tokens.status().refreshing);
      const second = await tokens.getAccessToken();
      expect(second).not.toBe(first);
      expect(bed.server.requests).toHaveLength(2);
    });

    it('does not refresh before the jittered refresh point', async () => {
      const tokens = make({ refreshMarginSeconds: 300 });
      await tokens.getAccessToken();
      bed.clock.advance(3600_000 - 450_001);
      await tokens.getAccessToken();
      expect(bed.server.requests).toHaveLength(1);
    });

    it('keeps serving the valid token when a background refresh fails, logs it, retries later', async () => {
      const tokens = make({ refreshMarginSeconds: 300, retry: { maxAttempts: 1 } });
      const first = await tokens.getAccessToken();
      bed.server.respond(() => ({ status: 503, body: { error: 'temporarily_unavailable' } }));
      bed.clock.advance(3600_000 - 250_000);
      expect(await tokens.getAccessToken()).toBe(first);
      await waitFor(() =>
        bed.logs.lines.some((l) => l.includes('Background token refresh failed')),
      );
      // Not retried on every call: the next attempt waits.
      expect(await tokens.getAccessToken()).toBe(first);
      expect(bed.server.requests).toHaveLength(2);
      expect(tokens.status()).toMatchObject({ valid: true, lastError: { status: 503 } });
      bed.server.respond(() => ({ body: bed.server.tokenBody() }));
      bed.clock.advance(10_000);
      expect(await tokens.getAccessToken()).toBe(first);
      await waitFor(() => !tokens.status().refreshing && bed.server.requests.length === 3);
      expect(await tokens.getAccessToken()).not.toBe(first);
      assertNoLeak([first]);
    });
  });

  describe('invalidate', () => {
    it('forgets the cached token so the next call fetches a new one', async () => {
      const tokens = make();
      const t = await tokens.getAccessToken();
      expect(tokens.invalidate(t)).toBe(true);
      expect(await tokens.getAccessToken()).not.toBe(t);
    });

    it('ignores a late invalidation of an old token', async () => {
      const tokens = make();
      const old = await tokens.getAccessToken();
      tokens.invalidate(old);
      const fresh = await tokens.getAccessToken();
      expect(tokens.invalidate(old)).toBe(false);
      expect(await tokens.getAccessToken()).toBe(fresh);
      expect(bed.server.requests).toHaveLength(2);
    });
  });

  describe('failures', () => {
    it('refuses a malformed scope argument without a request', async () => {
      const err = await make()
        .getAccessToken(['ok', 'not ok'])
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'HoneybeeTokenError', kind: 'invalid_argument' });
      expect(bed.server.requests).toHaveLength(0);
    });

    it('lets the next caller try again after a failure (no cached failure)', async () => {
      bed.server.respond(
        () => ({ status: 401, body: { error: 'invalid_client' } }),
        () => ({ body: bed.server.tokenBody() }),
      );
      const tokens = make();
      await expect(tokens.getAccessToken()).rejects.toThrow(HoneybeeTokenError);
      expect(tokens.status()).toMatchObject({
        valid: false,
        lastError: { kind: 'oauth', status: 401, error: 'invalid_client' },
      });
      await expect(tokens.getAccessToken()).resolves.toMatch(/^tok-/);
      expect(tokens.status()).toMatchObject({ valid: true, lastError: undefined });
    });
  });

  describe('shutdown', () => {
    it('aborts a request in flight and refuses later calls', async () => {
      bed.server.respond(() => new Promise(() => undefined));
      const tokens = make();
      const pending = tokens.getAccessToken();
      await waitFor(() => bed.server.requests.length === 1);
      tokens.onModuleDestroy();
      await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
      await expect(tokens.getAccessToken()).rejects.toMatchObject({ kind: 'aborted' });
    });
  });

  describe('secrets', () => {
    it('never shows the secret or a token in inspect/JSON of the service or options', async () => {
      const tokens = make();
      const token = await tokens.getAccessToken();
      assertNoLeak([token], tokens, resolveOptions({ clientId: 'a', clientSecret: SECRET }));
      expect(bed.logs.lines.join('\n')).toContain(token.slice(0, 4));
    });
  });
});
