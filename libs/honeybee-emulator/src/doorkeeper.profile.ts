/**
 * Which Doorkeeper the emulator answers like.
 * - `'5.5'`: Doorkeeper 5.5 on Rails 6.1 and Puma 5.6, as measured against Debian's
 *   `ruby-doorkeeper` 5.5.0 (every answer of the conformance suite is identical).
 * - `'current'`: the newest Doorkeeper line (6.0), read from its source, on Rails 7 or later
 *   behind a proxy that adds `Date` and sends bodies with `Content-Length`.
 */
export type DoorkeeperVersion = '5.5' | 'current';

/** Every {@link DoorkeeperVersion}. */
export const DOORKEEPER_VERSIONS: readonly DoorkeeperVersion[] = Object.freeze(['5.5', 'current']);

/**
 * The behaviours that differ between Doorkeeper versions (and the Rails/Puma stack around
 * them), as one table the endpoints read. Each field says what it models and from which
 * version the newer behaviour applies.
 */
export interface DoorkeeperProfile {
  /** The version this profile models. */
  readonly version: DoorkeeperVersion;
  /** Status of `unauthorized_client` at the token endpoint: 401 in every 5.x, 400 from 6.0. */
  readonly unauthorizedClientStatus: 400 | 401;
  /**
   * Basic and body credentials in one request: `'basicWins'` (before 5.9.5: Basic is used, the
   * body's are ignored, even a wrong body secret) or `'reject'` (`400 invalid_request`, from
   * 5.9.5), at the token, introspection and revocation endpoints alike.
   */
  readonly multipleClientAuth: 'basicWins' | 'reject';
  /** A lower-case `basic` scheme is client authentication (from 5.9.0; before, it is ignored). */
  readonly basicSchemeCaseInsensitive: boolean;
  /** Client credentials are read from the POST's query string too (before 6.0). */
  readonly credentialsFromQuery: boolean;
  /** `Cache-Control` of a successful token response: `no-store`, `no-store, no-cache` from 5.6.6. */
  readonly tokenCacheControl: string;
  /**
   * A request without `scope`, for an application with scopes and no applicable default scope:
   * `false` gives a scopeless token (before 5.6.0.rc2), `true` answers `invalid_scope`. The
   * default of the `rejectScopelessRequests` switch.
   */
  readonly rejectScopelessRequests: boolean;
  /**
   * With *revoke previous token* on, the previous token may be an expired one (5.5 looks for the
   * newest unrevoked token, expired or not; newer versions only for a live one).
   */
  readonly revokePreviousIncludesExpired: boolean;
  /**
   * A resource's 403 carries `WWW-Authenticate: Bearer … error="insufficient_scope"` (from
   * 5.9.1); before, it has no challenge at all.
   */
  readonly forbiddenChallenge: boolean;
  /** `error_description` of introspection without any caller authentication. */
  readonly requestNotAuthorizedDescription: string;
  /** `error_description` of a request that authenticates its client twice (`'reject'` only). */
  readonly multipleClientAuthDescription: string;
  /** The Rails/Puma framing of every answer, see {@link RailsFraming}. */
  readonly framing: RailsFraming;
}

/**
 * How the Rails app and its web server frame answers. Rails adds `X-Request-Id`, a weak `ETag`
 * (Rack::ETag: SHA-256 of the body) on 200 and 201, `Cache-Control` when the controller set
 * none (`max-age=0, private, must-revalidate` with an ETag, else `no-cache`), and
 * `Vary: Accept, X-Requested-With` on rendered bodies; an unknown route or an unparseable body
 * is answered by middleware with an empty `text/html`.
 */
export interface RailsFraming {
  /** A `Date` header (Puma 5 sends none; a proxy in front adds one). */
  readonly dateHeader: boolean;
  /**
   * Controller bodies are sent `Transfer-Encoding: chunked` (Puma, no `Content-Length`);
   * otherwise with `Content-Length`.
   */
  readonly chunkedBodies: boolean;
  /** `X-Runtime` (Rack::Runtime, in Rails' middleware up to 6.1) on every answer. */
  readonly runtimeHeader: boolean;
  /** Headers Rails' `default_headers` put on every controller answer. */
  readonly defaultHeaders: Readonly<Record<string, string>>;
}

/** Rails 6.1's `action_dispatch.default_headers`. */
const RAILS_61_DEFAULT_HEADERS = Object.freeze({
  'X-Frame-Options': 'SAMEORIGIN',
  'X-XSS-Protection': '1; mode=block',
  'X-Content-Type-Options': 'nosniff',
  'X-Download-Options': 'noopen',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
});

/** Rails 7.0+'s `action_dispatch.default_headers`. */
const RAILS_7_DEFAULT_HEADERS = Object.freeze({
  'X-Frame-Options': 'SAMEORIGIN',
  'X-XSS-Protection': '0',
  'X-Content-Type-Options': 'nosniff',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
});

/** Doorkeeper's stock `invalid_request` description. */
const INVALID_REQUEST_DESCRIPTION =
  'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.';

/** The profiles, by version. */
export const DOORKEEPER_PROFILES: Readonly<Record<DoorkeeperVersion, DoorkeeperProfile>> =
  Object.freeze({
    '5.5': Object.freeze({
      version: '5.5',
      unauthorizedClientStatus: 401,
      multipleClientAuth: 'basicWins',
      basicSchemeCaseInsensitive: false,
      credentialsFromQuery: true,
      tokenCacheControl: 'no-store',
      rejectScopelessRequests: false,
      revokePreviousIncludesExpired: true,
      forbiddenChallenge: false,
      // 5.5 loses the specific reason (a private reader) and sends the stock text.
      requestNotAuthorizedDescription: INVALID_REQUEST_DESCRIPTION,
      multipleClientAuthDescription: INVALID_REQUEST_DESCRIPTION,
      framing: Object.freeze({
        dateHeader: false,
        chunkedBodies: true,
        runtimeHeader: true,
        defaultHeaders: RAILS_61_DEFAULT_HEADERS,
      }),
    }),
    current: Object.freeze({
      version: 'current',
      unauthorizedClientStatus: 400,
      multipleClientAuth: 'reject',
      basicSchemeCaseInsensitive: true,
      credentialsFromQuery: false,
      tokenCacheControl: 'no-store, no-cache',
      rejectScopelessRequests: true,
      revokePreviousIncludesExpired: false,
      forbiddenChallenge: true,
      requestNotAuthorizedDescription:
        'Request needs to be authorized. Required parameter for authorizing the request is missing or invalid.',
      multipleClientAuthDescription:
        'The request utilizes more than one mechanism for authenticating the client.',
      framing: Object.freeze({
        dateHeader: true,
        chunkedBodies: false,
        runtimeHeader: false,
        defaultHeaders: RAILS_7_DEFAULT_HEADERS,
      }),
    }),
  });

/** The profile of a version, or a `TypeError` naming the allowed ones. */
export function doorkeeperProfile(version: unknown, field = 'doorkeeper'): DoorkeeperProfile {
  if (typeof version === 'string' && Object.hasOwn(DOORKEEPER_PROFILES, version)) {
    return DOORKEEPER_PROFILES[version as DoorkeeperVersion];
  }
  throw new TypeError(
    `${field} must be one of ${DOORKEEPER_VERSIONS.map((v) => `'${v}'`).join(', ')}`,
  );
}
