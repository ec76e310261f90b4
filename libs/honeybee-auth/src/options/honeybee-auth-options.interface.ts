import type { Type } from '@nestjs/common';
import type { BasicCredentialsEncoding, ClientAuthMethod } from '../common/client-credentials.js';
import type { TokenVerifier } from '../inbound/token-verifier.interface.js';
import type { TokenStore } from '../outbound/token-store.interface.js';

/** Retry policy for transient token-endpoint failures (network, timeout, 5xx, 429). */
export interface HoneybeeRetryOptions {
  /**
   * Total token requests for one refresh, the first included. `1` disables retries.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Back-off before the first retry, in milliseconds; doubles on each retry, with full jitter.
   * @default 250
   */
  initialDelayMs?: number;
  /**
   * Cap on one back-off, in milliseconds. A `Retry-After` longer than this ends the retries
   * (the caller gets the 429/503 at once rather than waiting).
   * @default 10000
   */
  maxDelayMs?: number;
}

/** A token store shared by replicas (see `RedisTokenStore`). */
export interface HoneybeeTokenStoreOptions {
  /** The store, e.g. `new RedisTokenStore({ url })`. */
  store: TokenStore;
  /**
   * Key material for encrypting tokens at rest (AES-256-GCM via HKDF), at least 32 characters.
   * @default the client secret
   */
  encryptionKey?: string;
  /**
   * Lifetime of the refresh lock, in milliseconds. Before every back-off or `Retry-After` sleep
   * the holder extends it for the sleep plus this long (or, if it cannot, stops fetching). If
   * its holder dies, another replica takes over after this long.
   * @default tokenRequestTimeoutMs + 5000
   */
  lockTtlMs?: number;
  /**
   * Longest a replica waits for another replica's token, in milliseconds. Past it, a replica
   * that still has a usable token tries again shortly; one without fetches its own.
   * @default 2 x lockTtlMs
   */
  waitTimeoutMs?: number;
  /**
   * Call the store's `close()` when the application shuts down (a `RedisTokenStore` then
   * closes the connections it opened; a client you passed in stays open).
   * @default true
   */
  closeOnShutdown?: boolean;
}

/** JWT access tokens checked locally against a JWKS (the `jwt` verifier). */
export interface HoneybeeJwtVerifierOptions {
  /** Where the issuer publishes its signing keys (HTTPS, or loopback with `allowInsecureLoopback`). */
  jwksUri: string;
  /** Accepted `iss` value(s). Required: a JWT from any issuer is never accepted. */
  issuer: string | string[];
  /** Accepted `aud` value(s). Required. */
  audience: string | string[];
  /**
   * Allowed signature algorithms. `none` and HMAC algorithms are refused.
   * @default ['RS256', 'ES256']
   */
  algorithms?: string[];
  /**
   * Leeway for `exp`, `nbf` and `iat`, in seconds.
   * @default 5
   */
  clockToleranceSeconds?: number;
  /**
   * Minimum time between two JWKS fetches (an unknown `kid` triggers one), in milliseconds.
   * @default 30000
   */
  jwksCooldownMs?: number;
  /**
   * Timeout of a JWKS fetch, in milliseconds.
   * @default 5000
   */
  jwksTimeoutMs?: number;
  /**
   * Require the RFC 9068 access-token header `typ: at+jwt` (also `application/at+jwt`, in any
   * case), so that an ID token or a logout token of the same issuer and audience is never
   * taken for an access token. Set `false` only for an issuer that does not set `typ` on its
   * access tokens; then any `typ` (or none) is accepted.
   * @default true
   */
  requireAtJwtType?: boolean;
}

/** The verdict cache of the inbound guard. */
export interface HoneybeeVerificationCacheOptions {
  /**
   * Most cached verdicts (LRU). Entries are keyed by a SHA-256 of the token, never the token.
   * @default 10000
   */
  maxEntries?: number;
  /**
   * Longest a positive verdict is trusted, in seconds (sooner if the token expires sooner).
   * A revoked token is still accepted for up to this long.
   * @default 60
   */
  maxAgeSeconds?: number;
  /**
   * How long a negative verdict (invalid token) is kept, in seconds. `0` disables it.
   * @default 5
   */
  negativeTtlSeconds?: number;
}

/** Options for checking tokens that reach this application (`ScopesGuard`). */
export interface HoneybeeInboundOptions {
  /**
   * The OAuth clients whose tokens this service accepts: a valid token issued to any other
   * client (another partner's, or a leaked one) is answered 401 `invalid_token`, like an
   * invalid one. Checked for every verifier: token-info's `application.uid`, introspection's
   * `client_id`, a JWT's `client_id` (else `azp`), a custom verifier's `clientId`; a token whose
   * client is unknown is refused. **Set it**: without it, `token-info` and `jwt` accept a token
   * of any client of the authorization server (a warning says so at start-up).
   * @default every client
   */
  allowedClientIds?: string[];
  /**
   * How a Bearer token is checked: `token-info` (Doorkeeper's `GET /oauth/token/info`, the
   * default, since Honeybee tokens are opaque), `introspection` (RFC 7662, authenticated with
   * this module's client credentials), `jwt` (local verification, see {@link jwt}) or a class
   * implementing {@link TokenVerifier}, resolved through DI.
   * @default 'token-info'
   */
  verifier?: 'token-info' | 'introspection' | 'jwt' | Type<TokenVerifier>;
  /**
   * Doorkeeper's token-info endpoint.
   * @default the token URL's origin + `/oauth/token/info`
   */
  tokenInfoUrl?: string;
  /**
   * RFC 7662 introspection endpoint.
   * @default the token URL's origin + `/oauth/introspect`
   */
  introspectionUrl?: string;
  /** Settings of the `jwt` verifier; required when it is chosen. */
  jwt?: HoneybeeJwtVerifierOptions;
  /**
   * Timeout of one `token-info` or `introspection` call, in milliseconds; it also bounds any
   * verification (a custom verifier, a `jwt` check waiting for its JWKS). On timeout the
   * request is refused with 503 (fail closed).
   * @default 5000
   */
  verifyTimeoutMs?: number;
  /** Verdict cache settings. */
  cache?: HoneybeeVerificationCacheOptions;
  /**
   * Most verifications in flight at once (cache misses with distinct tokens). Beyond it a
   * request whose token is not cached is answered 503 with `Retry-After` at once, so a flood of
   * distinct junk tokens costs at most this many calls to the authorization server and bounded
   * memory; cached tokens and requests that join a verification in flight are not affected.
   * @default 64
   */
  maxConcurrentVerifications?: number;
  /**
   * The `realm` of `WWW-Authenticate` challenges.
   * @default 'honeybee'
   */
  realm?: string;
  /**
   * `Retry-After` of 503 answers when the verifier is unavailable, in seconds.
   * @default 5
   */
  retryAfterSeconds?: number;
  /**
   * Accept `?access_token=` (RFC 6750 §2.3). Off: query tokens leak into logs.
   * @default false
   */
  allowTokenInQuery?: boolean;
  /**
   * Accept a form-encoded `access_token` body field (RFC 6750 §2.2).
   * @default false
   */
  allowTokenInBody?: boolean;
  /**
   * Longest accepted token, in characters; a longer one is refused with 400 before any
   * verification. Honeybee's opaque tokens have 43; an RS256 JWT about 700.
   * @default 4096
   */
  maxTokenLength?: number;
  /** Where a WebSocket gateway's handshake may carry the token (`docs/contexts.md`). */
  webSockets?: HoneybeeWebSocketOptions;
}

/**
 * Where `ScopesGuard` looks for the token of a WebSocket gateway's connection, besides the
 * handshake's `Authorization` header (always read). Browsers cannot set headers on a
 * WebSocket, so a browser client needs one of these; each is off unless enabled.
 */
export interface HoneybeeWebSocketOptions {
  /**
   * Accept socket.io's handshake `auth.token` (`io(url, { auth: { token } })`), with or
   * without a `Bearer ` prefix.
   * @default false
   */
  allowTokenInAuth?: boolean;
  /**
   * Accept `?access_token=` on the handshake URL. Off: URLs end up in access logs.
   * @default false
   */
  allowTokenInQuery?: boolean;
}

/**
 * OpenTelemetry metrics and spans (docs/observability.md). They need `@opentelemetry/api`
 * (an optional peer) and an SDK in the application; without either nothing is recorded and
 * recording costs nothing.
 */
export interface HoneybeeTelemetryOptions {
  /**
   * Record metrics and spans when `@opentelemetry/api` is installed. `false`: the module never
   * loads it.
   * @default true
   */
  enabled?: boolean;
  /**
   * The `MeterProvider` (of `@opentelemetry/api`) to record metrics with.
   * @default the global one, as registered when the module starts
   */
  meterProvider?: { getMeter(name: string, version?: string): unknown };
  /**
   * The `TracerProvider` (of `@opentelemetry/api`) to record spans with.
   * @default the global one
   */
  tracerProvider?: { getTracer(name: string, version?: string): unknown };
  /**
   * Scope sets (besides `scopes`) that get their own `honeybee_auth.scope` attribute value.
   * Tokens of any other scope set are recorded as `_OTHER`, so that the number of series is
   * set by configuration, never by what callers ask for.
   * @default [] (only the module's `scopes`)
   */
  scopeSets?: string[][];
}

/**
 * Options of {@link HoneybeeAuthModule}. Only `clientId` and `clientSecret` are required.
 * Every URL must be `https://`; `http://` is accepted only for loopback hosts and only with
 * `allowInsecureLoopback`.
 */
export interface HoneybeeAuthModuleOptions {
  /** The OAuth client id issued by Honeybee. */
  clientId: string;
  /** The OAuth client secret. Never logged, thrown or serialised. */
  clientSecret: string;
  /**
   * The token endpoint. Use the sandbox authorization server's URL with the sandbox API.
   * @default 'https://auth.honeybeehealth.com/oauth/token'
   */
  tokenUrl?: string;
  /**
   * Base URL of the Partners API (the `baseURL` of `HoneybeeHttpService`).
   * @default 'https://partners.honeybeehealth.com/v1'
   */
  apiBaseUrl?: string;
  /**
   * Default scopes of outbound tokens (sent space-separated as `scope`).
   * @default [] (the server's default scopes)
   */
  scopes?: string[];
  /**
   * How the client authenticates to the token endpoint (and, for the `introspection` verifier,
   * to the introspection endpoint).
   * @default 'client_secret_post'
   */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * With `client_secret_basic`: how the credentials are encoded in the Basic header. The
   * default sends them as they are, which is what Doorkeeper reads (it does not percent-decode
   * them); `'rfc6749'` form-urlencodes them first, as RFC 6749 §2.3.1 says. Doorkeeper's own
   * generated secrets are URL-safe and travel unchanged either way; a hand-set secret with
   * `+`, `/` or `=` works only with `'doorkeeper'`. A `clientId` containing `:` cannot travel
   * in Basic unencoded and is refused at start-up with `'doorkeeper'`.
   * @default 'doorkeeper'
   */
  basicCredentialsEncoding?: BasicCredentialsEncoding;
  /**
   * Allow `http://` for `127.0.0.1`, `::1` and `localhost` (test servers, the emulator).
   * Any other `http://` URL is refused at start-up either way.
   * @default false
   */
  allowInsecureLoopback?: boolean;
  /**
   * Origins (`https://host[:port]`) that `HoneybeeHttpService` sends the token to.
   * @default [origin of apiBaseUrl]
   */
  allowedOrigins?: string[];
  /**
   * Start refreshing this many seconds before the token expires (in the background; callers
   * keep the current token). Capped at a third of the token's lifetime, then jittered between
   * 1× and 1.5× so replicas spread out: a refresh starts at most half the lifetime before expiry.
   * @default 300
   */
  refreshMarginSeconds?: number;
  /**
   * A token is no longer handed out this many seconds before its expiry (covers request
   * latency). Capped at a tenth of the token's lifetime.
   * @default 10
   */
  expiryLeewaySeconds?: number;
  /**
   * Timeout of one token request (connect to last byte), in milliseconds.
   * @default 10000
   */
  tokenRequestTimeoutMs?: number;
  /**
   * Timeout of one `HoneybeeHttpService` request, in milliseconds (axios `timeout`; a request
   * may set its own). `0` disables it.
   * @default 30000
   */
  httpTimeoutMs?: number;
  /** Retry budget for transient token-endpoint failures. */
  retry?: HoneybeeRetryOptions;
  /**
   * Largest accepted token-endpoint response body, in bytes.
   * @default 65536
   */
  maxTokenResponseBytes?: number;
  /**
   * Share tokens across replicas through a store (Redis), so one replica fetches and all use it.
   * @default none: each process holds its own tokens
   */
  tokenStore?: HoneybeeTokenStoreOptions;
  /**
   * Secret of `X-Honeybee-Secret` on webhooks, for `HoneybeeWebhookGuard`: at least 16
   * printable ASCII characters, without leading or trailing whitespace (a header value never
   * has any, so such a secret could never match; read from a file, trim its newline).
   */
  webhookSecret?: string;
  /** Options for checking inbound Bearer tokens (`ScopesGuard`). */
  inbound?: HoneybeeInboundOptions;
  /** OpenTelemetry metrics and spans (docs/observability.md). */
  telemetry?: HoneybeeTelemetryOptions;
}
