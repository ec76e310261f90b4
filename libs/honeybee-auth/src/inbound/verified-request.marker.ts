import type { HoneybeePrincipal } from './token-verifier.interface.js';

/**
 * The principal already established for a request, so that a global `ScopesGuard` followed by
 * a route-level one verifies the token once even with the cache switched off. A symbol-keyed
 * property of the request, not a module-level WeakMap keyed by it: a WeakMap entry per request
 * is an ephemeron that every GC must process, which showed up as extra GC time per request.
 */
const VERIFIED = Symbol('honeybee-auth:verified');

interface Verified {
  readonly token: string;
  readonly principal: HoneybeePrincipal;
  /** The module configuration whose verifier (and policy) accepted the token. */
  readonly by: object;
}

/**
 * The principal that the configuration `by` established earlier for `token` on this request,
 * or `undefined`. A verdict of another configuration (a second `HoneybeeAuthModule` with
 * another verifier, URL or `allowedClientIds`) is never reused: that one must decide itself.
 */
export function verifiedEarlier(
  request: object,
  token: string,
  by: object,
): HoneybeePrincipal | undefined {
  const earlier = (request as Record<symbol, Verified | undefined>)[VERIFIED];
  return earlier !== undefined && earlier.by === by && earlier.token === token
    ? earlier.principal
    : undefined;
}

/** Records that configuration `by` accepted `token` for this request, with `principal`. */
export function markVerified(
  request: object,
  token: string,
  principal: HoneybeePrincipal,
  by: object,
): void {
  // Non-enumerable: the request already shows the token in its headers; nothing more.
  Object.defineProperty(request, VERIFIED, {
    value: { token, principal, by },
    configurable: true,
  });
}
