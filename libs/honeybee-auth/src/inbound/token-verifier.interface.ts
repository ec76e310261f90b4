/**
 * What a verifier learned about a valid token. Attached to the request by `ScopesGuard`
 * as `request.honeybee` and injectable with `@CurrentPrincipal()`.
 */
export interface HoneybeePrincipal {
  /** The OAuth client the token was issued to, when known. */
  clientId?: string;
  /** The token's subject (`sub`), when present. */
  subject?: string;
  /** Granted scopes, de-duplicated. */
  scopes: string[];
  /** Expiry in epoch milliseconds, when known. */
  expiresAt?: number;
  /** The verifier's raw answer (JWT claims, introspection or token-info body), token excluded. */
  claims?: Readonly<Record<string, unknown>>;
}

/**
 * Checks an inbound Bearer token. Implement it to plug a custom verifier into `ScopesGuard`
 * (`inbound.verifier: MyVerifier`, resolved through DI).
 *
 * Resolve with the principal for a valid token, `null` for an invalid, expired or revoked
 * one, and throw `HoneybeeVerifierUnavailableError` when the token cannot be checked
 * (the guard then answers 503: it fails closed).
 */
export interface TokenVerifier {
  verify(token: string, signal?: AbortSignal): Promise<HoneybeePrincipal | null>;
}
