import { KNOWN_GRANT_TYPES, normalizeClient } from './clients/client.registry.js';
import type { ClientRegistration, GrantType, RegisteredClient } from './clients/client.registry.js';
import type { Clock } from './clock.js';
import { DEFAULT_API_SCOPES } from './api/api.options.js';
import type { ApiRoute, PartnersApiOptions, SimulateWebhookTarget } from './api/api.options.js';
import type { PatientSeed } from './api/patients.store.js';
import type { AcceptPolicy } from './http/http-utils.js';
import type { JwtAlgorithm } from './tokens/jwt-keys.js';
import type { IssuerSettings, RevokePreviousMode } from './tokens/token.issuer.js';
import { doorkeeperProfile } from './doorkeeper.profile.js';
import type { DoorkeeperVersion } from './doorkeeper.profile.js';

/** JWT mode: access tokens are signed JWTs instead of opaque strings. */
export interface JwtModeOptions {
  /**
   * Signature algorithm.
   * @default 'RS256'
   */
  algorithm?: JwtAlgorithm;
  /**
   * The `aud` claim of issued tokens.
   * @default 'honeybee-partners'
   */
  audience?: string | readonly string[];
  /**
   * The `typ` header of issued tokens.
   * @default 'at+jwt' (RFC 9068)
   */
  typ?: string;
}

/** Switches that can change on a running emulator, see {@link HoneybeeEmulator.configure}. */
export interface EmulatorSwitches {
  /**
   * Doorkeeper `reuse_access_token`: a token request returns the client's still-valid token with
   * the same scopes (smaller `expires_in`, original `created_at`) instead of a new one.
   * @default false
   */
  tokenReuse?: boolean;
  /**
   * Doorkeeper `token_reuse_limit`: a token is reused only while at least `100 - limit` percent
   * of its lifetime remains.
   * @default 100
   */
  tokenReuseLimitPercent?: number;
  /**
   * Doorkeeper `revoke_previous_client_credentials_token`: a new token revokes the previous one.
   * `true` means `'sameScopes'` (Doorkeeper's rule).
   * @default false
   */
  revokePreviousToken?: boolean | RevokePreviousMode;
  /**
   * Answer `invalid_scope` when a client that has scopes asks for none and has no default
   * scopes (Doorkeeper ≥ 5.6.0.rc2 does this). When `false`, such a request gets a scopeless
   * token.
   * @default true with `doorkeeper: 'current'`, false with `'5.5'`
   */
  rejectScopelessRequests?: boolean;
  /** Introspection rules. */
  introspection?: {
    /**
     * A client may introspect only tokens of its own application (Doorkeeper's default
     * `allow_token_introspection`). When `false`, any authenticated caller may introspect any
     * token.
     * @default true
     */
    ownApplicationOnly?: boolean;
  };
  /** Partners API rules that can change at run time. */
  api?: Pick<PartnersApiOptions, 'scopes' | 'scopeMatch' | 'accept'>;
}

/** Options of {@link HoneybeeEmulator.start}. */
export interface HoneybeeEmulatorOptions extends EmulatorSwitches {
  /**
   * Which Doorkeeper to answer like: `'5.5'` (measured against Doorkeeper 5.5 on Rails 6.1 and
   * Puma 5) or `'current'` (the newest Doorkeeper). See the README's profile table.
   * @default 'current'
   */
  doorkeeper?: DoorkeeperVersion;
  /**
   * Registered clients.
   * @default [] (add some later with `addClient`)
   */
  clients?: readonly ClientRegistration[];
  /**
   * The server's scopes (Doorkeeper `default_scopes` + `optional_scopes`): a requested scope
   * must be among them. Clients with no scopes of their own may request any of them.
   * @default every scope some client has
   */
  scopes?: readonly string[];
  /**
   * Grant types the token endpoint knows. Only `client_credentials` can succeed; the others
   * exist so that `invalid_grant` can be provoked (the emulator never issues codes or refresh
   * tokens). Any other `grant_type` gets `unsupported_grant_type`.
   * @default ['client_credentials']
   */
  grantTypes?: readonly GrantType[];
  /** JWT mode; omit for opaque tokens (what Honeybee issues). */
  jwt?: JwtModeOptions;
  /**
   * The issuer (`iss` claim and RFC 8414 `issuer`).
   * @default the emulator's URL, e.g. `http://127.0.0.1:PORT`
   */
  issuer?: string;
  /** The Partners API. */
  api?: PartnersApiOptions;
  /**
   * Patients to seed.
   * @default {@link DEFAULT_PATIENTS} (`p_1`, `p_2`)
   */
  patients?: readonly PatientSeed[];
  /**
   * Largest request body accepted, in bytes; a larger one gets 413.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Time source for all expiry math and the `Date` header.
   * @default the wall clock
   */
  clock?: Clock;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number;
}

/** The normalised, mutable settings one emulator runs with. */
export interface EmulatorSettings extends IssuerSettings {
  introspectionOwnApplicationOnly: boolean;
  readonly grantTypes: readonly GrantType[];
  readonly api: {
    scopes: Record<ApiRoute, readonly string[]>;
    scopeMatch: 'any' | 'all';
    accept: AcceptPolicy;
    readonly sandbox: boolean;
    readonly signatureSecret: string;
    readonly simulateWebhook: SimulateWebhookTarget | undefined;
  };
  readonly maxBodyBytes: number;
}

/** Default request body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Default `aud` of JWT-mode tokens. */
export const DEFAULT_JWT_AUDIENCE = 'honeybee-partners';

/**
 * Validates start options once and returns the settings and clients, with errors that name the
 * bad field.
 */
export function normalizeOptions(options: HoneybeeEmulatorOptions): {
  settings: EmulatorSettings;
  clients: RegisteredClient[];
} {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('HoneybeeEmulator options must be an object');
  }
  if (options.clients !== undefined && !Array.isArray(options.clients)) {
    throw new TypeError('options.clients must be an array');
  }
  const clients = (options.clients ?? []).map((client, i) =>
    normalizeClient(client, `options.clients[${i}]`),
  );
  const seen = new Set<string>();
  for (const client of clients) {
    if (seen.has(client.clientId)) {
      throw new TypeError(`options.clients has clientId "${client.clientId}" twice`);
    }
    seen.add(client.clientId);
  }
  const grantTypes = options.grantTypes ?? ['client_credentials'];
  grantTypes.forEach((grant, i) => {
    if (!KNOWN_GRANT_TYPES.includes(grant)) {
      throw new TypeError(
        `options.grantTypes[${i}] must be one of ${KNOWN_GRANT_TYPES.join(', ')}`,
      );
    }
  });
  if (options.scopes !== undefined && !Array.isArray(options.scopes)) {
    throw new TypeError('options.scopes must be an array of strings');
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError('options.maxBodyBytes must be a positive integer');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError('options.port must be an integer from 0 to 65535');
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw new TypeError('options.clock must have a now() method');
  }
  let jwt: EmulatorSettings['jwt'];
  if (options.jwt !== undefined) {
    const algorithm = options.jwt.algorithm ?? 'RS256';
    if (algorithm !== 'RS256' && algorithm !== 'ES256') {
      throw new TypeError("options.jwt.algorithm must be 'RS256' or 'ES256'");
    }
    const audience = options.jwt.audience ?? DEFAULT_JWT_AUDIENCE;
    jwt = {
      algorithm,
      audience: typeof audience === 'string' ? audience : [...audience],
      typ: options.jwt.typ ?? 'at+jwt',
    };
  }
  const profile = doorkeeperProfile(options.doorkeeper ?? 'current', 'options.doorkeeper');
  const api = options.api ?? {};
  const settings: EmulatorSettings = {
    profile,
    tokenReuse: false,
    tokenReuseLimitPercent: 100,
    revokePreviousToken: false,
    rejectScopelessRequests: profile.rejectScopelessRequests,
    introspectionOwnApplicationOnly: true,
    serverScopes: options.scopes ? Object.freeze([...options.scopes]) : undefined,
    grantTypes: Object.freeze([...grantTypes]),
    jwt,
    api: {
      scopes: { ...DEFAULT_API_SCOPES },
      scopeMatch: 'any',
      accept: 'strict',
      sandbox: api.sandbox ?? true,
      signatureSecret: api.signatureSecret ?? 'honeybee-emulator',
      simulateWebhook: api.simulateWebhook,
    },
    maxBodyBytes,
  };
  applySwitches(settings, options);
  return { settings, clients };
}

/** Applies switches to settings, validating each one. */
export function applySwitches(settings: EmulatorSettings, switches: EmulatorSwitches): void {
  if (switches.tokenReuse !== undefined) {
    settings.tokenReuse = requireBoolean(switches.tokenReuse, 'tokenReuse');
  }
  if (switches.tokenReuseLimitPercent !== undefined) {
    const limit = switches.tokenReuseLimitPercent;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new TypeError('tokenReuseLimitPercent must be an integer from 1 to 100');
    }
    settings.tokenReuseLimitPercent = limit;
  }
  if (switches.revokePreviousToken !== undefined) {
    const mode = switches.revokePreviousToken;
    if (mode === true) settings.revokePreviousToken = 'sameScopes';
    else if (mode === false || mode === 'sameScopes' || mode === 'allScopes') {
      settings.revokePreviousToken = mode;
    } else {
      throw new TypeError("revokePreviousToken must be a boolean, 'sameScopes' or 'allScopes'");
    }
  }
  if (switches.rejectScopelessRequests !== undefined) {
    settings.rejectScopelessRequests = requireBoolean(
      switches.rejectScopelessRequests,
      'rejectScopelessRequests',
    );
  }
  if (switches.introspection?.ownApplicationOnly !== undefined) {
    settings.introspectionOwnApplicationOnly = requireBoolean(
      switches.introspection.ownApplicationOnly,
      'introspection.ownApplicationOnly',
    );
  }
  const api = switches.api;
  if (api?.scopes !== undefined) {
    for (const [route, scopes] of Object.entries(api.scopes)) {
      if (!(route in DEFAULT_API_SCOPES)) {
        throw new TypeError(
          `api.scopes.${route} is not a route: use ${Object.keys(DEFAULT_API_SCOPES).join(', ')}`,
        );
      }
      if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string')) {
        throw new TypeError(`api.scopes.${route} must be an array of strings`);
      }
      settings.api.scopes[route as ApiRoute] = Object.freeze([...scopes]);
    }
  }
  if (api?.scopeMatch !== undefined) {
    if (api.scopeMatch !== 'any' && api.scopeMatch !== 'all') {
      throw new TypeError("api.scopeMatch must be 'any' or 'all'");
    }
    settings.api.scopeMatch = api.scopeMatch;
  }
  if (api?.accept !== undefined) {
    if (api.accept !== 'strict' && api.accept !== 'lenient') {
      throw new TypeError("api.accept must be 'strict' or 'lenient'");
    }
    settings.api.accept = api.accept;
  }
}

function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${field} must be a boolean`);
  return value;
}
