import { randomBytes } from 'node:crypto';
import { epochSeconds } from '../clock.js';
import type { Clock } from '../clock.js';
import type { ClientRegistry, RegisteredClient } from '../clients/client.registry.js';
import type { DoorkeeperProfile } from '../doorkeeper.profile.js';
import { refusal } from '../emulator.errors.js';
import type { OAuthRefusal } from '../emulator.errors.js';
import { newJti } from './jwt-keys.js';
import type { JwtAlgorithm, JwtKeyRing } from './jwt-keys.js';
import type { IssuedToken, TokenStore } from './token.store.js';

/** What Ruby's `String#split` splits on: ASCII whitespace. */
const RUBY_WHITESPACE = /[ \t\n\v\f\r]+/;

/** The JSON body of a successful token response, field for field as Doorkeeper sends it. */
export interface TokenResponseBody {
  /** The access token: 43 url-safe characters, or a JWT in JWT mode. */
  access_token: string;
  /** Always `Bearer`. */
  token_type: 'Bearer';
  /** Seconds of lifetime **remaining** when the response was made. */
  expires_in: number;
  /** Space-separated scopes; absent when the token has none. */
  scope?: string;
  /** Creation time in epoch seconds (the original one for a reused token). */
  created_at: number;
}

/** Outcome of resolving the scopes of a token request. */
export type ScopeResolution =
  | { readonly ok: true; readonly scopes: string[] }
  | { readonly ok: false; readonly refusal: OAuthRefusal };

/**
 * What *revoke previous token* revokes when a client gets a new token.
 * - `sameScopes`: the client's newest still-valid token with the same scopes (Doorkeeper's
 *   `revoke_previous_client_credentials_token`).
 * - `allScopes`: every still-valid token of the client, whatever its scopes.
 */
export type RevokePreviousMode = 'sameScopes' | 'allScopes';

/**
 * The settings the issuer follows (the emulator's settings extend them). The switches among
 * them change while the emulator runs.
 */
export interface IssuerSettings {
  /** The Doorkeeper version answered like (fixed at start). */
  readonly profile: DoorkeeperProfile;
  tokenReuse: boolean;
  tokenReuseLimitPercent: number;
  revokePreviousToken: RevokePreviousMode | false;
  rejectScopelessRequests: boolean;
  /** The server's scopes; `undefined`: the union of the clients' scopes. */
  readonly serverScopes: readonly string[] | undefined;
  /** JWT mode's settings; `undefined`: opaque tokens. */
  readonly jwt: { algorithm: JwtAlgorithm; audience: string | string[]; typ: string } | undefined;
}

/** What the issuer needs from its emulator. */
export interface TokenIssuerDeps {
  readonly clock: Clock;
  readonly clients: ClientRegistry;
  readonly tokens: TokenStore;
  readonly keys: JwtKeyRing;
  readonly settings: IssuerSettings;
  /** The issuer identifier (`iss`). */
  readonly issuer: () => string;
}

/**
 * Issues client-credentials access tokens by Doorkeeper's rules: scope checks, default scopes,
 * token reuse and revocation of the previous token. Shared by `POST /oauth/token` and
 * {@link HoneybeeEmulator.issueToken}.
 */
export class TokenIssuer {
  readonly #deps: TokenIssuerDeps;

  /** @param deps - The emulator's clock, stores, keys and settings. */
  constructor(deps: TokenIssuerDeps) {
    this.#deps = deps;
  }

  /**
   * Resolves the scopes a request gets, Doorkeeper-style: a requested `scope` is split on ASCII
   * whitespace (so a TAB or a newline separates scopes like a space does: Doorkeeper checks the
   * string it rebuilt from the parts) and must be within the client's scopes (or the server's,
   * for a client without scopes); no `scope`, or a blank one, gives the client's default scopes.
   *
   * @param scopeParam - The raw `scope` parameter, or `undefined` when absent.
   */
  resolveScopes(client: RegisteredClient, scopeParam: string | undefined): ScopeResolution {
    const { settings, clients } = this.#deps;
    if (scopeParam === undefined || scopeParam.trim() === '') {
      if (client.defaultScopes.length > 0) return { ok: true, scopes: [...client.defaultScopes] };
      if (client.scopes.length > 0 && settings.rejectScopelessRequests) {
        return { ok: false, refusal: refusal('invalid_scope') };
      }
      return { ok: true, scopes: [] };
    }
    const requested = [...new Set(scopeParam.split(RUBY_WHITESPACE).filter(Boolean))];
    const serverScopes = settings.serverScopes ?? clients.knownScopes();
    const allowed = client.scopes.length > 0 ? client.scopes : serverScopes;
    const valid = requested.every(
      (scope) =>
        allowed.includes(scope) &&
        (settings.serverScopes === undefined || settings.serverScopes.includes(scope)),
    );
    return valid
      ? { ok: true, scopes: requested }
      : { ok: false, refusal: refusal('invalid_scope') };
  }

  /** Issues (or, with token reuse, re-issues) a token for a client and resolved scopes. */
  async issue(client: RegisteredClient, scopes: readonly string[]): Promise<IssuedToken> {
    const { clock, tokens, settings } = this.#deps;
    const now = clock.now();
    if (settings.tokenReuse) {
      const existing = tokens.newestActiveMatching(client.clientId, scopes, now);
      if (existing && this.#reusable(existing, now)) {
        return tokens.markReissued(existing.accessToken) ?? existing;
      }
    }
    const lifetimeSeconds = client.tokenLifetimeSeconds;
    const minted = await this.#mint(client, scopes, now, lifetimeSeconds);
    // Synchronous from here on, so no other request interleaves between revoke and store.
    const revokeAt = clock.now();
    if (settings.revokePreviousToken === 'sameScopes') {
      const previous = tokens.newestActiveMatching(
        client.clientId,
        scopes,
        revokeAt,
        settings.profile.revokePreviousIncludesExpired,
      );
      if (previous) tokens.revoke(previous.accessToken, revokeAt, 'revoke_previous_token');
    } else if (settings.revokePreviousToken === 'allScopes') {
      for (const previous of tokens.activeForClient(client.clientId, revokeAt)) {
        tokens.revoke(previous.accessToken, revokeAt, 'revoke_previous_token');
      }
    }
    return tokens.add({
      accessToken: minted.accessToken,
      clientId: client.clientId,
      scopes: Object.freeze([...scopes]),
      format: settings.jwt ? 'jwt' : 'opaque',
      createdAt: now,
      expiresAt: now + lifetimeSeconds * 1000,
      lifetimeSeconds,
      ...(minted.jti ? { jti: minted.jti } : {}),
    });
  }

  /** The token response body for a token, with `expires_in` counted from now. */
  responseBody(token: IssuedToken): TokenResponseBody {
    return {
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: this.remainingSeconds(token),
      ...(token.scopes.length > 0 ? { scope: token.scopes.join(' ') } : {}),
      created_at: epochSeconds(token.createdAt),
    };
  }

  /** Lifetime left, in whole seconds, never negative (Doorkeeper's `expires_in_seconds`). */
  remainingSeconds(token: IssuedToken): number {
    return Math.max(0, Math.round((token.expiresAt - this.#deps.clock.now()) / 1000));
  }

  #reusable(token: IssuedToken, now: number): boolean {
    const remaining = Math.max(0, Math.round((token.expiresAt - now) / 1000));
    const threshold = 100 - this.#deps.settings.tokenReuseLimitPercent;
    return remaining >= Math.floor((threshold * token.lifetimeSeconds) / 100);
  }

  async #mint(
    client: RegisteredClient,
    scopes: readonly string[],
    now: number,
    lifetimeSeconds: number,
  ): Promise<{ accessToken: string; jti?: string }> {
    const { settings, keys } = this.#deps;
    if (!settings.jwt) return { accessToken: randomBytes(32).toString('base64url') };
    const jti = newJti();
    const iat = epochSeconds(now);
    const accessToken = await keys.sign(
      {
        iss: this.#deps.issuer(),
        sub: client.clientId,
        aud: settings.jwt.audience,
        exp: iat + lifetimeSeconds,
        iat,
        jti,
        client_id: client.clientId,
        ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      },
      { typ: settings.jwt.typ },
    );
    return { accessToken, jti };
  }
}
