/** Why a token was revoked. */
export type RevocationReason =
  /** `POST /oauth/revoke`. */
  | 'revocation_endpoint'
  /** The *revoke previous token* switch, when a newer token was issued. */
  | 'revoke_previous_token'
  /** {@link HoneybeeEmulator.revokeToken}. */
  | 'programmatic';

/** What the emulator knows about one access token it issued. */
export interface IssuedToken {
  /** The access token itself (opaque string or JWT). */
  readonly accessToken: string;
  /** The client (`client_id`) it was issued to. */
  readonly clientId: string;
  /** Its scopes, in the order they were granted. */
  readonly scopes: readonly string[];
  /** `opaque` (43 url-safe characters) or `jwt`. */
  readonly format: 'opaque' | 'jwt';
  /** Creation time, epoch milliseconds (emulator clock). */
  readonly createdAt: number;
  /** Expiry time, epoch milliseconds (emulator clock). */
  readonly expiresAt: number;
  /** The lifetime it was issued with, in seconds. */
  readonly lifetimeSeconds: number;
  /** The JWT `jti`, for JWT-format tokens. */
  readonly jti?: string;
  /** When it was revoked, epoch milliseconds; absent while not revoked. */
  readonly revokedAt?: number;
  /** Why it was revoked; absent while not revoked. */
  readonly revocationReason?: RevocationReason;
  /** How many token responses carried it: 1, plus one per reuse. */
  readonly timesIssued: number;
}

/** Validity of a presented token at a given instant. */
export type TokenState = 'active' | 'expired' | 'revoked' | 'unknown';

/** The result of looking a presented token up. */
export interface TokenLookup {
  /** Its state. */
  readonly state: TokenState;
  /** The record, unless the token is unknown. */
  readonly token?: IssuedToken;
}

type MutableToken = { -readonly [K in keyof IssuedToken]: IssuedToken[K] };

/** The access tokens of one emulator instance (Doorkeeper's `oauth_access_tokens` table). */
export class TokenStore {
  readonly #tokens = new Map<string, MutableToken>();

  /** Stores a newly issued token. */
  add(token: Omit<IssuedToken, 'timesIssued'>): IssuedToken {
    const record: MutableToken = { ...token, timesIssued: 1 };
    this.#tokens.set(record.accessToken, record);
    return record;
  }

  /** Counts one more token response that carried this (reused) token. */
  markReissued(accessToken: string): IssuedToken | undefined {
    const record = this.#tokens.get(accessToken);
    if (record) record.timesIssued += 1;
    return record;
  }

  /**
   * The state of a presented token. Revocation wins over expiry in the reported reason, as in
   * Doorkeeper's `InvalidTokenResponse`. A token whose client was removed is `unknown`
   * (Doorkeeper deletes an application's tokens with it).
   */
  lookup(accessToken: string, nowMs: number, clientExists: (id: string) => boolean): TokenLookup {
    const token = this.#tokens.get(accessToken);
    if (!token || !clientExists(token.clientId)) return { state: 'unknown' };
    if (token.revokedAt !== undefined && token.revokedAt <= nowMs)
      return { state: 'revoked', token };
    if (nowMs >= token.expiresAt) return { state: 'expired', token };
    return { state: 'active', token };
  }

  /**
   * The newest token of this client with exactly this set of scopes that is neither revoked nor
   * expired (Doorkeeper's `matching_token_for(..., include_expired: false)`), or, with
   * `includeExpired`, merely not revoked (Doorkeeper 5.5's `matching_token_for`).
   */
  newestActiveMatching(
    clientId: string,
    scopes: readonly string[],
    nowMs: number,
    includeExpired = false,
  ): IssuedToken | undefined {
    let newest: MutableToken | undefined;
    for (const token of this.#tokens.values()) {
      if (token.clientId !== clientId || !sameScopeSet(token.scopes, scopes)) continue;
      if (token.revokedAt !== undefined) continue;
      if (!includeExpired && nowMs >= token.expiresAt) continue;
      if (!newest || token.createdAt >= newest.createdAt) newest = token;
    }
    return newest;
  }

  /** Every token of this client that is neither revoked nor expired. */
  activeForClient(clientId: string, nowMs: number): IssuedToken[] {
    return [...this.#tokens.values()].filter(
      (token) =>
        token.clientId === clientId && token.revokedAt === undefined && nowMs < token.expiresAt,
    );
  }

  /**
   * Revokes a token. Returns `true` when it was known and not revoked yet. Expired tokens can be
   * revoked too (Doorkeeper sets `revoked_at` regardless).
   */
  revoke(accessToken: string, nowMs: number, reason: RevocationReason): boolean {
    const token = this.#tokens.get(accessToken);
    if (!token || token.revokedAt !== undefined) return false;
    token.revokedAt = nowMs;
    token.revocationReason = reason;
    return true;
  }

  /** Copies of every token, oldest first. */
  list(): IssuedToken[] {
    return [...this.#tokens.values()].map((token) => ({ ...token }));
  }

  /** Forgets every token. */
  clear(): void {
    this.#tokens.clear();
  }
}

/** Whether two scope lists hold the same scopes, in any order. */
export function sameScopeSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((scope) => set.has(scope));
}
