import { createHash, timingSafeEqual } from 'node:crypto';

/** Grant types the emulated token endpoint knows. Only `client_credentials` can succeed. */
export type GrantType = 'client_credentials' | 'authorization_code' | 'refresh_token';

/** All grant types the emulator recognises. */
export const KNOWN_GRANT_TYPES: readonly GrantType[] = [
  'client_credentials',
  'authorization_code',
  'refresh_token',
];

/** A client (Doorkeeper "application") registered with the emulator. */
export interface ClientRegistration {
  /** The `client_id` (Doorkeeper `uid`). Must not contain `:` (it could not travel in HTTP Basic). */
  clientId: string;
  /** The `client_secret`. */
  clientSecret: string;
  /**
   * Scopes this client may request. Empty means "any scope the server knows" (Doorkeeper's rule
   * for applications without scopes).
   * @default []
   */
  scopes?: readonly string[];
  /**
   * Scopes granted when a token request carries no `scope` (Doorkeeper's server default scopes
   * intersected with the application's). Must be a subset of `scopes` when `scopes` is not empty.
   * @default [] (the token gets no scope and the response has no `scope` field)
   */
  defaultScopes?: readonly string[];
  /**
   * Token lifetime in seconds.
   * @default 43200 (12 hours, what Honeybee answers)
   */
  tokenLifetimeSeconds?: number;
  /**
   * Grant types this client may use; a request with another (server-enabled) grant type gets
   * `unauthorized_client`.
   * @default every grant type enabled on the server
   */
  grantTypes?: readonly GrantType[];
}

/** A validated, normalised client registration. */
export interface RegisteredClient {
  /** The `client_id`. */
  readonly clientId: string;
  /** The `client_secret`. */
  readonly clientSecret: string;
  /** Scopes this client may request (empty: any server scope). */
  readonly scopes: readonly string[];
  /** Scopes granted when none is requested. */
  readonly defaultScopes: readonly string[];
  /** Token lifetime in seconds. */
  readonly tokenLifetimeSeconds: number;
  /** Grant types this client may use; `undefined` means every server-enabled one. */
  readonly grantTypes: readonly GrantType[] | undefined;
}

/** Default token lifetime: 12 hours, as in Honeybee's documented token response. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 43_200;

const SCOPE_PATTERN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

/**
 * Validates a registration and returns its normalised form.
 *
 * @param input - The registration as given by a caller or read from JSON.
 * @param where - Where the registration came from, used in error messages.
 * @throws TypeError naming the bad field.
 */
export function normalizeClient(input: unknown, where = 'client'): RegisteredClient {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`${where} must be an object`);
  }
  const raw = input as Record<string, unknown>;
  const clientId = requireString(raw.clientId, `${where}.clientId`);
  if (clientId.includes(':')) {
    throw new TypeError(`${where}.clientId must not contain ":" (HTTP Basic could not carry it)`);
  }
  const clientSecret = requireString(raw.clientSecret, `${where}.clientSecret`);
  const scopes = scopeList(raw.scopes, `${where}.scopes`);
  const defaultScopes = scopeList(raw.defaultScopes, `${where}.defaultScopes`);
  if (scopes.length > 0) {
    const outside = defaultScopes.filter((scope) => !scopes.includes(scope));
    if (outside.length > 0) {
      throw new TypeError(`${where}.defaultScopes has scopes outside scopes: ${outside.join(' ')}`);
    }
  }
  const lifetime = raw.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime <= 0) {
    throw new TypeError(`${where}.tokenLifetimeSeconds must be a positive integer`);
  }
  let grantTypes: GrantType[] | undefined;
  if (raw.grantTypes !== undefined) {
    if (!Array.isArray(raw.grantTypes)) {
      throw new TypeError(`${where}.grantTypes must be an array`);
    }
    grantTypes = raw.grantTypes.map((grant, i) => {
      if (!KNOWN_GRANT_TYPES.includes(grant as GrantType)) {
        throw new TypeError(
          `${where}.grantTypes[${i}] must be one of ${KNOWN_GRANT_TYPES.join(', ')}`,
        );
      }
      return grant as GrantType;
    });
  }
  return Object.freeze({
    clientId,
    clientSecret,
    scopes: Object.freeze(scopes),
    defaultScopes: Object.freeze(defaultScopes),
    tokenLifetimeSeconds: lifetime,
    grantTypes: grantTypes && Object.freeze(grantTypes),
  });
}

/** The clients of one emulator instance. */
export class ClientRegistry {
  readonly #clients = new Map<string, RegisteredClient>();

  /** Adds a client, or replaces the one with the same id. */
  upsert(client: RegisteredClient): void {
    this.#clients.set(client.clientId, client);
  }

  /** Removes a client; returns whether it existed. */
  remove(clientId: string): boolean {
    return this.#clients.delete(clientId);
  }

  /** The client with this id, if registered. */
  get(clientId: string): RegisteredClient | undefined {
    return this.#clients.get(clientId);
  }

  /** All registered clients, in registration order. */
  list(): RegisteredClient[] {
    return [...this.#clients.values()];
  }

  /**
   * The client whose id and secret both match, compared in constant time; `undefined` when the
   * client is unknown or the secret is wrong.
   */
  authenticate(clientId: string, clientSecret: string): RegisteredClient | undefined {
    const client = this.#clients.get(clientId);
    if (!client) return undefined;
    const expected = createHash('sha256').update(client.clientSecret).digest();
    const given = createHash('sha256').update(clientSecret).digest();
    return timingSafeEqual(expected, given) ? client : undefined;
  }

  /** Every scope some client may request or is granted by default, sorted. */
  knownScopes(): string[] {
    const all = new Set<string>();
    for (const client of this.#clients.values()) {
      for (const scope of [...client.scopes, ...client.defaultScopes]) all.add(scope);
    }
    return [...all].sort();
  }
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${field} must be a non-empty string`);
  }
  return value;
}

function scopeList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`${field} must be an array of strings`);
  const scopes: string[] = [];
  value.forEach((scope, i) => {
    if (typeof scope !== 'string' || !SCOPE_PATTERN.test(scope)) {
      throw new TypeError(`${field}[${i}] must be a scope token (no spaces or quotes)`);
    }
    if (!scopes.includes(scope)) scopes.push(scope);
  });
  return scopes;
}
