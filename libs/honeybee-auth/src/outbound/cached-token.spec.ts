import { cacheToken, isUsable } from './cached-token.js';
import type { TokenTiming } from './cached-token.js';

const HOUR = 3600_000;
const SENT = Date.UTC(2026, 10, 29, 12, 0, 0);
const timing: TokenTiming = { refreshMarginMs: 300_000, expiryLeewayMs: 10_000 };

/** A token of `lifetimeMs` asked for at {@link SENT}, with the jitter fixed at `random`. */
const cached = (lifetimeMs: number, random = 0, over: Partial<TokenTiming> = {}) =>
  cacheToken(
    { accessToken: 'tok-1', lifetimeMs, obtainedAt: SENT },
    { ...timing, ...over },
    () => random,
  );

describe('cacheToken', () => {
  it('expires at the local send time plus the lifetime', () => {
    expect(cached(HOUR)).toMatchObject({
      accessToken: 'tok-1',
      obtainedAt: SENT,
      expiresAt: SENT + HOUR,
      sealed: undefined,
    });
  });

  it('keeps the sealed value it came with', () => {
    const token = cacheToken(
      { accessToken: 'tok-1', lifetimeMs: HOUR, obtainedAt: SENT, sealed: 'v1.x' },
      timing,
    );
    expect(token.sealed).toBe('v1.x');
  });

  it('refreshes between 1× and 1.5× the margin before expiry, by the jitter', () => {
    expect(cached(HOUR, 0).refreshAt).toBe(SENT + HOUR - 300_000);
    expect(cached(HOUR, 0.5).refreshAt).toBe(SENT + HOUR - 375_000);
    expect(cached(HOUR, 0.999_999).refreshAt).toBeCloseTo(SENT + HOUR - 450_000, -1);
  });

  it('caps the margin at a third of the lifetime, so no refresh starts before half of it', () => {
    // 60 s lifetime, 300 s margin: 20 s, jittered up to 30 s.
    expect(cached(60_000, 0).refreshAt).toBe(SENT + 40_000);
    expect(cached(60_000, 0.999_999).refreshAt).toBeGreaterThan(SENT + 30_000);
  });

  it('stops handing out the token the leeway before expiry, capped at a tenth of the lifetime', () => {
    expect(cached(HOUR).usableUntil).toBe(SENT + HOUR - 10_000);
    expect(cached(60_000).usableUntil).toBe(SENT + 54_000);
    expect(cached(HOUR, 0, { expiryLeewayMs: 0 }).usableUntil).toBe(SENT + HOUR);
  });

  it('with a zero margin, refreshes only once the token is no longer usable', () => {
    const token = cached(HOUR, 0.7, { refreshMarginMs: 0 });
    expect(token.refreshAt).toBe(token.expiresAt);
    expect(token.refreshAt).toBeGreaterThan(token.usableUntil);
  });
});

describe('isUsable', () => {
  it('is true until usableUntil, not at it', () => {
    const token = cached(HOUR);
    expect(isUsable(token, token.usableUntil - 1)).toBe(true);
    expect(isUsable(token, token.usableUntil)).toBe(false);
  });

  it('is false without a token', () => {
    expect(isUsable(undefined, SENT)).toBe(false);
  });
});
