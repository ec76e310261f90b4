import type { HoneybeePrincipal } from './token-verifier.interface.js';

/**
 * The principal already established for a request, so that a global `ScopesGuard` followed by
 * a route-level one verifies the token once even with the cache switched off. A symbol-keyed
 * property of the request, not a module-level WeakMap keyed by it: a WeakMap entry per request
 * is an ephemeron that every GC must process, which showed up as extra GC time per request.
 */
const VERIFIED = Symbol('honeybee-auth:verified');

/**
 * One request's verdict. The token and the configuration are private fields: `util.inspect`,
 * `JSON.stringify` and an object spread of the request never show them (the request's headers
 * already carry the token; nothing more does).
 */
class Verified {
  readonly #token: string;
  /** The module configuration whose verifier (and policy) accepted the token. */
  readonly #by: object;

  constructor(
    token: string,
    readonly principal: HoneybeePrincipal,
    by: object,
  ) {
    this.#token = token;
    this.#by = by;
  }

  /** True when configuration `by` accepted `token`. */
  holds(token: string, by: object): boolean {
    return this.#by === by && this.#token === token;
  }
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
  return earlier?.holds(token, by) ? earlier.principal : undefined;
}

/** Records that configuration `by` accepted `token` for this request, with `principal`. */
export function markVerified(
  request: object,
  token: string,
  principal: HoneybeePrincipal,
  by: object,
): void {
  // A plain assignment: defining a non-enumerable property cost more than the rest of a warm
  // decision's bookkeeping. The class keeps the token out of sight instead.
  (request as Record<symbol, Verified>)[VERIFIED] = new Verified(token, principal, by);
}
