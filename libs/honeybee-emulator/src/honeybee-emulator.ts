import type { JSONWebKeySet, JWTHeaderParameters, JWTPayload } from 'jose';
import { OrderStore } from './api/orders.store.js';
import type { Order } from './api/orders.store.js';
import { DEFAULT_PATIENTS, PatientStore } from './api/patients.store.js';
import type { PatientRecord, PatientSeed } from './api/patients.store.js';
import { ClientRegistry, normalizeClient } from './clients/client.registry.js';
import type { ClientRegistration, RegisteredClient } from './clients/client.registry.js';
import { epochSeconds, systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { EmulatorContext, EmulatorUrls } from './emulator.context.js';
import { HoneybeeEmulatorError } from './emulator.errors.js';
import { DEFAULT_JWT_AUDIENCE, applySwitches, normalizeOptions } from './emulator.options.js';
import type {
  EmulatorSettings,
  EmulatorSwitches,
  HoneybeeEmulatorOptions,
} from './emulator.options.js';
import { FaultInjector } from './faults/faults.js';
import type { Fault, FaultEndpoint, FaultHandle, FaultOptions } from './faults/faults.js';
import { EmulatorServer } from './server/emulator.server.js';
import { RequestRecorder } from './server/request.recorder.js';
import type { RecordedEndpoint, RecordedRequest } from './server/request.recorder.js';
import { OAUTH_PATHS } from './server/router.js';
import { JwtKeyRing, encodeUnsecuredJwt, newJti } from './tokens/jwt-keys.js';
import type { RotateKeysOptions, SigningKeyChoice } from './tokens/jwt-keys.js';
import { TokenIssuer } from './tokens/token.issuer.js';
import type { TokenResponseBody } from './tokens/token.issuer.js';
import { TokenStore } from './tokens/token.store.js';
import type { IssuedToken } from './tokens/token.store.js';
import { deliverWebhook } from './webhooks/webhook.sender.js';
import type {
  SendWebhookOptions,
  WebhookDelivery,
  WebhookEventInput,
} from './webhooks/webhook.sender.js';

/** Options of {@link HoneybeeEmulator.signJwt}. */
export interface SignJwtOptions {
  /**
   * Protected-header parameters merged over `{ alg, kid, typ }` (e.g. a wrong `kid`); `typ` is
   * the one of issued tokens (`jwt.typ`, `at+jwt` by default), as a real issuer would set it.
   */
  header?: Partial<JWTHeaderParameters>;
  /**
   * Sets `exp` to `iat + expiresInSeconds`; negative gives an already expired token.
   * @default 3600
   */
  expiresInSeconds?: number;
  /**
   * The `iat` claim, epoch seconds.
   * @default now on the emulator clock
   */
  issuedAt?: number;
  /**
   * Which key signs: `current`, `previous` (after a rotation), or `foreign` (a throwaway key
   * with the current `kid`, so the signature cannot verify).
   * @default 'current'
   */
  key?: SigningKeyChoice;
  /** Produce an unsecured `alg: none` token instead of signing. */
  unsecured?: boolean;
}

/** A webhook delivery made by the emulator, successful or not. */
export interface WebhookDeliveryRecord {
  /** Where it was sent. */
  readonly url: string;
  /** The event, as sent (or as it would have been sent). */
  readonly event: WebhookEventInput;
  /** Receiver's status, when it answered. */
  readonly status?: number;
  /** Why it failed, when it did. */
  readonly error?: string;
}

/**
 * An in-process emulator of Honeybee Health's authorization server (Doorkeeper) and a subset of
 * its Partners API, for tests. Every instance listens on its own port and shares no state with
 * others.
 *
 * @example
 * ```ts
 * const emu = await HoneybeeEmulator.start({
 *   clients: [{ clientId: 'app', clientSecret: 'app-secret', scopes: ['prescriptions:read'] }],
 * });
 * // … point the code under test at emu.tokenUrl and emu.apiBaseUrl …
 * await emu.stop();
 * ```
 */
export class HoneybeeEmulator implements EmulatorUrls {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `POST /oauth/token`. */
  readonly tokenUrl: string;
  /** `GET /oauth/token/info`. */
  readonly tokenInfoUrl: string;
  /** `POST /oauth/introspect`. */
  readonly introspectionUrl: string;
  /** `POST /oauth/revoke`. */
  readonly revocationUrl: string;
  /** JWKS: `GET /oauth/discovery/keys`. */
  readonly jwksUri: string;
  /** RFC 8414 metadata: `GET /.well-known/oauth-authorization-server`. */
  readonly metadataUrl: string;
  /** Partners API base, `${url}/v1`. */
  readonly apiBaseUrl: string;
  /** Issuer identifier (`iss` of JWTs, `issuer` of the metadata). */
  readonly issuer: string;
  /** The port listened on. */
  readonly port: number;
  /** The clock all expiry math uses. */
  readonly clock: Clock;

  readonly #server: EmulatorServer;
  readonly #settings: EmulatorSettings;
  readonly #clients: ClientRegistry;
  readonly #tokens: TokenStore;
  readonly #issuer: TokenIssuer;
  readonly #keys: JwtKeyRing;
  readonly #faults: FaultInjector;
  readonly #recorder: RequestRecorder;
  readonly #patients: PatientStore;
  readonly #orders: OrderStore;
  readonly #stopController = new AbortController();
  readonly #background = new Set<Promise<unknown>>();
  readonly #webhookDeliveries: WebhookDeliveryRecord[] = [];
  #stopping: Promise<void> | undefined;

  private constructor(parts: {
    server: EmulatorServer;
    urls: EmulatorUrls;
    clock: Clock;
    settings: EmulatorSettings;
    clients: ClientRegistry;
    faults: FaultInjector;
    recorder: RequestRecorder;
    patients: PatientStore;
  }) {
    this.url = parts.urls.url;
    this.tokenUrl = parts.urls.tokenUrl;
    this.tokenInfoUrl = parts.urls.tokenInfoUrl;
    this.introspectionUrl = parts.urls.introspectionUrl;
    this.revocationUrl = parts.urls.revocationUrl;
    this.jwksUri = parts.urls.jwksUri;
    this.metadataUrl = parts.urls.metadataUrl;
    this.apiBaseUrl = parts.urls.apiBaseUrl;
    this.issuer = parts.urls.issuer;
    this.port = parts.server.port;
    this.clock = parts.clock;
    this.#server = parts.server;
    this.#settings = parts.settings;
    this.#clients = parts.clients;
    this.#faults = parts.faults;
    this.#recorder = parts.recorder;
    this.#patients = parts.patients;
    this.#tokens = new TokenStore();
    this.#orders = new OrderStore();
    this.#keys = new JwtKeyRing(parts.settings.jwt?.algorithm ?? 'RS256');
    this.#issuer = new TokenIssuer({
      clock: this.clock,
      clients: this.#clients,
      tokens: this.#tokens,
      keys: this.#keys,
      settings: this.#settings,
      issuer: () => this.issuer,
    });
    const context: EmulatorContext = {
      clock: this.clock,
      clients: this.#clients,
      tokens: this.#tokens,
      issuer: this.#issuer,
      keys: this.#keys,
      settings: this.#settings,
      urls: parts.urls,
      patients: this.#patients,
      orders: this.#orders,
      lookupToken: (token) =>
        token === undefined
          ? { state: 'unknown' }
          : this.#tokens.lookup(
              token,
              this.clock.now(),
              (id) => this.#clients.get(id) !== undefined,
            ),
      simulateWebhook: (event) => {
        const target = this.#settings.api.simulateWebhook;
        if (target) this.#track(this.deliverWebhook(target.url, { secret: target.secret, event }));
      },
    };
    parts.server.attach(context);
  }

  /**
   * Starts an emulator on `host:port` (127.0.0.1 and a free port by default). Options are
   * validated first; a bad one throws a `TypeError` naming it. In JWT mode the signing key is
   * generated before this resolves.
   */
  static async start(options: HoneybeeEmulatorOptions = {}): Promise<HoneybeeEmulator> {
    const { settings, clients } = normalizeOptions(options);
    const clock = options.clock ?? systemClock;
    const registry = new ClientRegistry();
    for (const client of clients) registry.upsert(client);
    const patients = new PatientStore();
    for (const patient of options.patients ?? DEFAULT_PATIENTS) patients.add(patient);
    const faults = new FaultInjector();
    const recorder = new RequestRecorder();
    const host = options.host ?? '127.0.0.1';
    const server = await EmulatorServer.listen(
      {
        clock,
        faults,
        recorder,
        maxBodyBytes: settings.maxBodyBytes,
        framing: settings.profile.framing,
      },
      host,
      options.port ?? 0,
    );
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
    const urls: EmulatorUrls = {
      url,
      tokenUrl: `${url}${OAUTH_PATHS.token}`,
      tokenInfoUrl: `${url}${OAUTH_PATHS.tokenInfo}`,
      introspectionUrl: `${url}${OAUTH_PATHS.introspect}`,
      revocationUrl: `${url}${OAUTH_PATHS.revoke}`,
      jwksUri: `${url}${OAUTH_PATHS.jwks}`,
      metadataUrl: `${url}${OAUTH_PATHS.metadata}`,
      apiBaseUrl: `${url}/v1`,
      issuer: options.issuer ?? url,
    };
    const emulator = new HoneybeeEmulator({
      server,
      urls,
      clock,
      settings,
      clients: registry,
      faults,
      recorder,
      patients,
    });
    if (settings.jwt) {
      try {
        await emulator.#keys.current();
      } catch (error) {
        await emulator.stop();
        throw error;
      }
    }
    return emulator;
  }

  /** Whether tokens are issued as JWTs. */
  get jwtMode(): boolean {
    return this.#settings.jwt !== undefined;
  }

  /** Registers a client, replacing any client with the same id (its tokens stay valid). */
  addClient(client: ClientRegistration): RegisteredClient {
    const normalized = normalizeClient(client, 'client');
    this.#clients.upsert(normalized);
    return normalized;
  }

  /**
   * Removes a client. Its tokens become unknown everywhere (Doorkeeper deletes an application's
   * tokens with it). Returns whether the client existed.
   */
  removeClient(clientId: string): boolean {
    return this.#clients.remove(clientId);
  }

  /** The registered clients (secrets included: this is test tooling). */
  listClients(): RegisteredClient[] {
    return this.#clients.list();
  }

  /** Seeds a patient, replacing any patient with the same id. */
  addPatient(patient: PatientSeed): PatientRecord {
    return this.#patients.add(patient);
  }

  /** The seeded patients. */
  patients(): PatientRecord[] {
    return this.#patients.list();
  }

  /** Orders created through `POST /v1/orders`. */
  orders(): Order[] {
    return this.#orders.list();
  }

  /** Changes switches on the running emulator (token reuse, revocation, introspection, API). */
  configure(switches: EmulatorSwitches): void {
    applySwitches(this.#settings, switches);
  }

  /**
   * Issues a token without HTTP, by the same rules as `POST /oauth/token` (scopes, defaults,
   * reuse, revoke-previous). `scopes` omitted means "no `scope` parameter".
   *
   * @throws HoneybeeEmulatorError with `oauthError` `invalid_client` or `invalid_scope`.
   */
  async issueToken(clientId: string, scopes?: readonly string[]): Promise<TokenResponseBody> {
    const client = this.#clients.get(clientId);
    if (!client) {
      throw new HoneybeeEmulatorError(`No client "${clientId}" is registered`, 'invalid_client');
    }
    if (client.grantTypes && !client.grantTypes.includes('client_credentials')) {
      throw new HoneybeeEmulatorError(
        `Client "${clientId}" may not use client_credentials`,
        'unauthorized_client',
      );
    }
    const resolved = this.#issuer.resolveScopes(
      client,
      scopes === undefined ? undefined : scopes.join(' '),
    );
    if (!resolved.ok) {
      throw new HoneybeeEmulatorError(resolved.refusal.description, resolved.refusal.error);
    }
    return this.#issuer.responseBody(await this.#issuer.issue(client, resolved.scopes));
  }

  /**
   * Signs an arbitrary JWT with the emulator's key, for tests of JWT verifiers: expired tokens,
   * wrong `aud`, wrong `kid`, foreign signatures, `alg: none`… Works in both modes. Defaults for
   * `iss`, `aud`, `iat`, `exp` and `jti` are filled in; a claim set to `undefined` is left out.
   * The emulator's own endpoints do not know such tokens (they are not issued, as in Doorkeeper,
   * which looks tokens up in its database).
   */
  async signJwt(claims: JWTPayload = {}, options: SignJwtOptions = {}): Promise<string> {
    const iat = options.issuedAt ?? epochSeconds(this.clock.now());
    const defaults: JWTPayload = {
      iss: this.issuer,
      aud: this.#settings.jwt?.audience ?? DEFAULT_JWT_AUDIENCE,
      iat,
      exp: iat + (options.expiresInSeconds ?? 3600),
      jti: newJti(),
    };
    const payload = Object.fromEntries(
      Object.entries({ ...defaults, ...claims }).filter(([, value]) => value !== undefined),
    );
    if (options.unsecured) return encodeUnsecuredJwt(payload, options.header);
    const typ = this.#settings.jwt?.typ ?? 'at+jwt';
    return this.#keys.sign(payload, { typ, ...options.header }, options.key);
  }

  /** The JWKS the emulator publishes (same as `GET jwksUri`). */
  async getJwks(): Promise<JSONWebKeySet> {
    return this.#keys.jwks();
  }

  /** `kid` of the current signing key. */
  async currentKid(): Promise<string> {
    return (await this.#keys.current()).kid;
  }

  /**
   * Rotates the signing key: new tokens get a new `kid`. By default the previous key stays in
   * the JWKS until the next rotation; `{ dropPrevious: true }` removes it at once.
   *
   * @returns The new `kid`.
   */
  rotateKeys(options?: RotateKeysOptions): Promise<string> {
    return this.#keys.rotate(options);
  }

  /** Revokes a token as if by its client. Returns whether a not-yet-revoked token was found. */
  revokeToken(token: string): boolean {
    return this.#tokens.revoke(token, this.clock.now(), 'programmatic');
  }

  /** Injects a fault into an endpoint; see {@link Fault}. Faults apply in injection order. */
  injectFault(endpoint: FaultEndpoint, fault: Fault, options?: FaultOptions): FaultHandle {
    return this.#faults.inject(endpoint, fault, options);
  }

  /** Clears the faults of one endpoint, or all. */
  clearFaults(endpoint?: FaultEndpoint): void {
    this.#faults.clear(endpoint);
  }

  /** Requests received by one endpoint (or all), oldest first, secrets masked. */
  requests(endpoint?: RecordedEndpoint): RecordedRequest[] {
    return this.#recorder.list(endpoint);
  }

  /**
   * Resolves when `count` requests of `endpoint` (or of any endpoint) have been received, with
   * those requests. Rejects if the emulator stops first.
   */
  waitForRequests(endpoint?: RecordedEndpoint, count = 1): Promise<RecordedRequest[]> {
    return this.#recorder.waitFor(endpoint, count);
  }

  /** Every token issued, oldest first. */
  issuedTokens(): IssuedToken[] {
    return this.#tokens.list();
  }

  /** Every token revoked, oldest issued first. */
  revokedTokens(): IssuedToken[] {
    return this.#tokens.list().filter((token) => token.revokedAt !== undefined);
  }

  /** Webhook deliveries made so far (by `sendWebhook` and by sandbox `POST /v1/simulate`). */
  webhookDeliveries(): WebhookDeliveryRecord[] {
    return [...this.#webhookDeliveries];
  }

  /**
   * Forgets run-time state: faults, recorded requests, tokens (issued and revoked), orders and
   * webhook deliveries. Clients, patients, keys and switches stay.
   */
  reset(): void {
    this.#faults.clear();
    this.#recorder.clear();
    this.#tokens.clear();
    this.#orders.clear();
    this.#webhookDeliveries.length = 0;
  }

  /**
   * POSTs a webhook event to `url` with `X-Honeybee-Secret` and returns the receiver's status.
   * See {@link deliverWebhook} for the full response.
   */
  async sendWebhook(url: string, options: SendWebhookOptions): Promise<number> {
    return (await this.deliverWebhook(url, options)).status;
  }

  /** Like {@link sendWebhook}, returning the receiver's status, headers and body. */
  async deliverWebhook(url: string, options: SendWebhookOptions): Promise<WebhookDelivery> {
    try {
      const delivery = await deliverWebhook(
        url,
        options,
        this.#patients,
        this.#stopController.signal,
      );
      this.#webhookDeliveries.push({ url, event: delivery.event, status: delivery.status });
      return delivery;
    } catch (error) {
      this.#webhookDeliveries.push({ url, event: options?.event, error: String(error) });
      throw error;
    }
  }

  /**
   * Stops the emulator: cancels fault delays and webhook deliveries, closes every connection and
   * the listening socket. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopController.abort();
      this.#recorder.rejectWaiters(new Error('HoneybeeEmulator stopped'));
      await this.#server.close();
      await Promise.allSettled(this.#background);
    })();
    return this.#stopping;
  }

  #track(task: Promise<unknown>): void {
    const tracked = task.catch(() => undefined).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }
}
