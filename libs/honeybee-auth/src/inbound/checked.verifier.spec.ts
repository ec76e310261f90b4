import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { principal, verificationBed as setup } from '../testing/verification.bed.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

describe('CheckedVerifier', () => {
  it('freezes the shared principal and normalises its scopes', async () => {
    const { checked, verifier } = setup();
    verifier.answer = async () =>
      principal({ scopes: ['b', 'a', 'b'], claims: { nested: { x: 1 } } });
    const p = (await checked.verify('tok'))!;
    expect(p.scopes).toEqual(['a', 'b']);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.scopes)).toBe(true);
    expect(Object.isFrozen(p.claims!.nested)).toBe(true);
  });

  it.each([
    ['a string', 'yes'],
    ['scopes missing', { clientId: 'x' }],
    ['a bad scope', { scopes: ['has space'] }],
    ['a NaN expiry', { scopes: [], expiresAt: Number.NaN }],
    ['undefined', undefined],
    ['true', true],
    ['an array', []],
    ['{}', {}],
    ['scopes as a string', { scopes: 'a' }],
    ['a numeric clientId', { scopes: [], clientId: 7 }],
    ['an empty clientId', { scopes: [], clientId: '' }],
    ['a numeric subject', { scopes: [], subject: 7 }],
    ['an expiry as a string', { scopes: [], expiresAt: '1700000000000' }],
    ['claims as a string', { scopes: [], claims: 'x' }],
  ])('turns a malformed principal (%s) into unavailability', async (_why, value) => {
    const { checked, verifier } = setup();
    verifier.answer = async () => value as unknown as HoneybeePrincipal;
    await expect(checked.verify('tok')).rejects.toBeInstanceOf(HoneybeeVerifierUnavailableError);
  });

  it('turns an unexpected verifier error into unavailability', async () => {
    const { checked, verifier } = setup();
    verifier.answer = async () => {
      throw new RangeError('boom');
    };
    await expect(checked.verify('tok')).rejects.toBeInstanceOf(HoneybeeVerifierUnavailableError);
    verifier.answer = () => {
      throw new RangeError('sync boom');
    };
    await expect(checked.verify('tok2')).rejects.toBeInstanceOf(HoneybeeVerifierUnavailableError);
  });

  it('ends the wait for a verifier that ignores its signal after verifyTimeoutMs', async () => {
    const { checked, verifier } = setup({}, 20);
    verifier.answer = () => new Promise(() => undefined);
    await expect(checked.verify('tok')).rejects.toThrow(/timed out after 20 ms/);
    expect(verifier.signals[0]?.aborted).toBe(true);
  });

  it('aborts in-flight verifications on shutdown', async () => {
    const { checked, verifier } = setup();
    verifier.answer = () => new Promise(() => undefined);
    const pending = checked.verify('tok');
    checked.onModuleDestroy();
    await expect(pending).rejects.toThrow(/aborted/);
  });

  describe('inbound.allowedClientIds', () => {
    const allowing = () => setup({}, 5000, { allowedClientIds: ['partner'] });

    it('accepts a token of a listed client', async () => {
      const { checked, verifier } = allowing();
      verifier.answer = async () => principal({ clientId: 'partner' });
      expect(await checked.verify('tok')).toMatchObject({ clientId: 'partner' });
    });

    it('accepts every client without the option', async () => {
      const { checked, verifier } = setup();
      verifier.answer = async () => principal({ clientId: undefined });
      expect(await checked.verify('tok')).not.toBeNull();
    });
  });

  describe('inbound.maxConcurrentVerifications', () => {
    it('defaults to 64', async () => {
      const { checked, verifier } = setup();
      verifier.answer = () => new Promise(() => undefined);
      const pending = Array.from({ length: 64 }, (_, i) => checked.verify(`t${i}`));
      for (const p of pending) p.catch(() => undefined);
      await expect(checked.verify('one-more')).rejects.toThrow(/^64 token verifications/);
      checked.onModuleDestroy();
    });
  });
});
