import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';

/** A token held in memory and the moments that matter for it, in epoch ms. */
export interface CachedToken {
  readonly accessToken: string;
  /** Local send time of the token request + the lifetime the server gave. */
  readonly expiresAt: number;
  /** Local send time of the token request. */
  readonly obtainedAt: number;
  /** After this, a background refresh starts (margin + jitter before expiry). */
  readonly refreshAt: number;
  /** After this, the token is no longer handed out (leeway before expiry). */
  readonly usableUntil: number;
  /** The encrypted value in the shared store, when it came from or went to one. */
  readonly sealed?: string;
}

/** A token as it was issued: what {@link cacheToken} computes the moments from. */
export interface IssuedToken {
  readonly accessToken: string;
  /** Lifetime from `obtainedAt`, in ms (Honeybee's `expires_in` is the remaining lifetime). */
  readonly lifetimeMs: number;
  /** Local send time of the token request, in epoch ms. */
  readonly obtainedAt: number;
  /** The encrypted value in the shared store, when it came from or went to one. */
  readonly sealed?: string;
}

/** The options that shape the moments of a cached token. */
export type TokenTiming = Pick<ResolvedHoneybeeAuthOptions, 'refreshMarginMs' | 'expiryLeewayMs'>;

/**
 * The cached record of an issued token. Expiry is the local send time plus the lifetime, so a
 * server clock that differs from ours does not matter. The refresh margin is capped at a third
 * of the lifetime and jittered between 1× and 1.5×, so replicas spread their refreshes out and
 * none starts more than half the lifetime before expiry; the leeway is capped at a tenth, so a
 * short-lived token is still handed out for most of its life.
 *
 * @param random a number in [0, 1) for the jitter (inject a fixed one in tests).
 */
export function cacheToken(
  issued: IssuedToken,
  timing: TokenTiming,
  random: () => number = Math.random,
): CachedToken {
  const { accessToken, lifetimeMs, obtainedAt, sealed } = issued;
  const expiresAt = obtainedAt + lifetimeMs;
  const margin = Math.min(timing.refreshMarginMs, lifetimeMs / 3);
  const refreshAt = expiresAt - margin * (1 + 0.5 * random());
  const usableUntil = expiresAt - Math.min(timing.expiryLeewayMs, lifetimeMs / 10);
  return { accessToken, expiresAt, obtainedAt, refreshAt, usableUntil, sealed };
}

/** Whether `token` may still be handed out at `now` (epoch ms). */
export function isUsable(token: CachedToken | undefined, now: number): token is CachedToken {
  return !!token && now < token.usableUntil;
}
