import { createHash } from 'node:crypto';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { deferred } from '../testing/deferred.js';
import { principal, verificationBed as setup } from '../testing/verification.bed.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

describe('VerificationCache', () => {
  it.each([
    ['until maxAgeSeconds', 60, 3_600_000, 60_000],
    ['no longer than the token lives', 600, 10_000, 10_000],
  ])(
    'verifies once, then answers from the cache %s',
    async (_until, maxAgeSeconds, tokenLifetimeMs, cachedForMs) => {
      const { cache, verifier, clock } = setup({ maxAgeSeconds });
      verifier.answer = async () => principal({ expiresAt: clock.now() + tokenLifetimeMs });
      const first = await cache.verify('tok');
      expect(first).toMatchObject({ clientId: 'client', scopes: ['a', 'b'] });
      clock.advance(cachedForMs - 1);
      await cache.verify('tok');
      expect(verifier.calls).toHaveLength(1);
      clock.advance(1);
      await cache.verify('tok');
      expect(verifier.calls).toHaveLength(2);
    },
  );

  it('does not cache a principal that is already expired', async () => {
    const { cache, verifier, clock } = setup();
    verifier.answer = async () => principal({ expiresAt: clock.now() });
    await cache.verify('tok');
    await cache.verify('tok');
    expect(verifier.calls).toHaveLength(2);
  });

  it('keeps an invalid verdict for negativeTtlSeconds, and not at all with 0', async () => {
    const { cache, verifier, clock } = setup({ negativeTtlSeconds: 5 });
    expect(await cache.verify('bad')).toBeNull();
    clock.advance(4_999);
    expect(await cache.verify('bad')).toBeNull();
    expect(verifier.calls).toHaveLength(1);
    clock.advance(1);
    await cache.verify('bad');
    expect(verifier.calls).toHaveLength(2);

    const off = setup({ negativeTtlSeconds: 0 });
    await off.cache.verify('bad');
    await off.cache.verify('bad');
    expect(off.verifier.calls).toHaveLength(2);
  });

  it('never caches unavailability', async () => {
    const { cache, verifier } = setup();
    verifier.answer = async () => {
      throw new HoneybeeVerifierUnavailableError('down');
    };
    await expect(cache.verify('tok')).rejects.toThrow('down');
    verifier.answer = async () => principal();
    await expect(cache.verify('tok')).resolves.toMatchObject({ clientId: 'client' });
    expect(verifier.calls).toHaveLength(2);
  });

  it('shares one verification among concurrent requests with the same token', async () => {
    const { cache, verifier } = setup();
    const gate = deferred<HoneybeePrincipal | null>();
    verifier.answer = () => gate.promise;
    const waiting = Array.from({ length: 20 }, () => cache.verify('tok'));
    const other = cache.verify('other');
    await Promise.resolve();
    expect(verifier.calls).toEqual(['tok', 'other']);
    gate.resolve(principal());
    const results = await Promise.all(waiting);
    expect(new Set(results).size).toBe(1); // the very same principal object
    await other;
    expect(verifier.calls).toHaveLength(2);
  });

  it('shares a failure too, and the next request tries again', async () => {
    const { cache, verifier } = setup();
    const gate = deferred<HoneybeePrincipal | null>();
    verifier.answer = () => gate.promise;
    const waiting = [cache.verify('tok'), cache.verify('tok')];
    gate.reject(new HoneybeeVerifierUnavailableError('down'));
    for (const w of waiting) await expect(w).rejects.toThrow('down');
    verifier.answer = async () => null;
    await expect(cache.verify('tok')).resolves.toBeNull();
    expect(verifier.calls).toHaveLength(2);
  });

  it('answers a cached verdict synchronously (cached), undefined when it has none', async () => {
    const { cache, verifier } = setup();
    verifier.answer = async (token) => (token === 'tok' ? principal() : null);
    expect(cache.cached(cache.keyOf('tok'))).toBeUndefined();
    await cache.verify('tok', cache.keyOf('tok'));
    expect(cache.cached(cache.keyOf('tok'))).toMatchObject({ clientId: 'client' });
    await cache.verify('bad');
    expect(cache.cached(cache.keyOf('bad'))).toBeNull();
    expect(verifier.calls).toEqual(['tok', 'bad']);
  });

  it('keys entries by SHA-256: the raw token is never stored', async () => {
    const { cache, verifier } = setup();
    verifier.answer = async () => principal();
    const token = 'very-secret-token-value';
    await cache.verify(token);
    const internals = cache as unknown as { valid: { keys(): Iterable<string> } };
    const keys = [...internals.valid.keys()];
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(token);
    const sha256 = createHash('sha256').update(token).digest();
    expect(Buffer.from(keys[0]!, 'latin1')).toEqual(sha256);
  });

  it('is bounded by maxEntries (LRU), valid and invalid verdicts apart', async () => {
    const { cache, verifier } = setup({ maxEntries: 2 });
    verifier.answer = async (t) => (t.startsWith('good') ? principal() : null);
    await cache.verify('good1');
    await cache.verify('good2');
    for (let i = 0; i < 10; i++) await cache.verify(`junk${i}`);
    expect(cache.size).toBe(4);
    verifier.calls = [];
    await cache.verify('good1');
    await cache.verify('good2');
    expect(verifier.calls).toEqual([]); // junk did not evict them
    await cache.verify('good3');
    await cache.verify('good1'); // evicted by good3 (least recently used)
    expect(verifier.calls).toEqual(['good3', 'good1']);
  });

  it('evict() and clear() forget verdicts', async () => {
    const { cache, verifier } = setup();
    verifier.answer = async () => principal();
    await cache.verify('tok');
    cache.evict('tok');
    await cache.verify('tok');
    cache.clear();
    await cache.verify('tok');
    expect(verifier.calls).toHaveLength(3);
  });

  describe('inbound.allowedClientIds', () => {
    const allowing = () => setup({}, 5000, { allowedClientIds: ['partner'] });

    it('answers a token of another client, or of an unknown one, as invalid (and caches that)', async () => {
      const { cache, verifier } = allowing();
      verifier.answer = async (token) =>
        principal({ clientId: token === 'other' ? 'another-partner' : undefined });
      expect(await cache.verify('other')).toBeNull();
      expect(await cache.verify('other')).toBeNull();
      expect(await cache.verify('anonymous')).toBeNull();
      expect(verifier.calls).toEqual(['other', 'anonymous']);
    });
  });

  describe('inbound.maxConcurrentVerifications', () => {
    it('refuses a cache miss at once beyond the bound; joiners and cached tokens pass', async () => {
      const { cache, verifier } = setup({}, 5000, { maxConcurrentVerifications: 2 });
      const held = new Map<string, ReturnType<typeof deferred<HoneybeePrincipal | null>>>();
      verifier.answer = (token) => {
        const d = deferred<HoneybeePrincipal | null>();
        held.set(token, d);
        return d.promise;
      };
      const a = cache.verify('a');
      const b = cache.verify('b');
      await expect(cache.verify('c')).rejects.toThrow(
        /2 token verifications are in flight already \(inbound\.maxConcurrentVerifications\)/,
      );
      const joined = cache.verify('a'); // the same token joins the verification in flight
      // Let the verifier calls start (they run on the next microtask).
      await new Promise((resolve) => setImmediate(resolve));
      expect(verifier.calls).toEqual(['a', 'b']);
      held.get('a')!.resolve(principal());
      await expect(a).resolves.not.toBeNull();
      await expect(joined).resolves.not.toBeNull();
      // A slot is free again; 'a' is cached and costs none.
      const c = cache.verify('c');
      await expect(cache.verify('a')).resolves.not.toBeNull();
      await expect(cache.verify('d')).rejects.toBeInstanceOf(HoneybeeVerifierUnavailableError);
      await new Promise((resolve) => setImmediate(resolve));
      held.get('b')!.resolve(null);
      held.get('c')!.reject(new HoneybeeVerifierUnavailableError('down'));
      await expect(b).resolves.toBeNull();
      await expect(c).rejects.toThrow('down');
      // Failures give their slot back too.
      verifier.answer = async () => principal();
      await expect(Promise.all(['e', 'f'].map((t) => cache.verify(t)))).resolves.toHaveLength(2);
    });
  });
});
