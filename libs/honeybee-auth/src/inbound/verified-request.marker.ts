import { HONEYBEE_PRINCIPAL_PROPERTY } from './current-principal.decorator.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

/** Where a principal came from: the configuration that accepted it, and its token's key. */
interface Origin {
  /** The module configuration whose verifier (and policy) accepted the token. */
  readonly by: object;
  /** The verdict key of the token (its SHA-256, `VerificationCache.keyOf`): never the token. */
  readonly key: string;
}

/**
 * The origin of each principal put on a request while the verdict cache is off (with the cache
 * on, a second guard finds the verdict in the cache). One entry per verification, none per
 * request, and no property on the request besides `request.honeybee` itself: Express's request
 * objects turn slower (and costlier to collect) with every property added to them.
 */
const origins = new WeakMap<HoneybeePrincipal, Origin>();

/**
 * The principal already established on this request (`request.honeybee`) by configuration `by`
 * for the token whose verdict key is `key`, or `undefined`: a global `ScopesGuard` followed by
 * a route-level one verifies the token once, even with the cache switched off (with it on, the
 * second finds the verdict in the cache). A principal of
 * another configuration (a second `HoneybeeAuthModule` with another verifier, URL or
 * `allowedClientIds`), of another token, or put there by anything else is never reused.
 */
export function verifiedEarlier(
  request: object,
  key: string,
  by: object,
): HoneybeePrincipal | undefined {
  const principal = (request as Record<string, unknown>)[HONEYBEE_PRINCIPAL_PROPERTY];
  if (principal === null || typeof principal !== 'object') return undefined;
  const origin = origins.get(principal as HoneybeePrincipal);
  return origin !== undefined && origin.by === by && origin.key === key
    ? (principal as HoneybeePrincipal)
    : undefined;
}

/**
 * Puts `principal`, accepted by configuration `by` for the token whose verdict key is `key`, on
 * the request as `request.honeybee`. With `remember` (the verdict cache is off), also remembers
 * where it came from, for {@link verifiedEarlier}.
 */
export function markVerified(
  request: object,
  principal: HoneybeePrincipal,
  key: string,
  by: object,
  remember: boolean,
): void {
  if (remember && !origins.has(principal)) origins.set(principal, { by, key });
  (request as Record<string, unknown>)[HONEYBEE_PRINCIPAL_PROPERTY] = principal;
}
