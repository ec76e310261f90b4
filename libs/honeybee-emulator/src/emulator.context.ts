import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from './clock.js';
import type { ClientRegistry } from './clients/client.registry.js';
import type { EmulatorSettings } from './emulator.options.js';
import type { OrderStore } from './api/orders.store.js';
import type { PatientStore } from './api/patients.store.js';
import type { JwtKeyRing } from './tokens/jwt-keys.js';
import type { TokenIssuer } from './tokens/token.issuer.js';
import type { TokenLookup, TokenStore } from './tokens/token.store.js';
import type { WebhookEventInput } from './webhooks/webhook.sender.js';

/** The URLs of a running emulator. */
export interface EmulatorUrls {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `POST` client-credentials token endpoint. */
  readonly tokenUrl: string;
  /** `GET` token info endpoint (Doorkeeper `/oauth/token/info`). */
  readonly tokenInfoUrl: string;
  /** `POST` RFC 7662 introspection endpoint. */
  readonly introspectionUrl: string;
  /** `POST` RFC 7009 revocation endpoint. */
  readonly revocationUrl: string;
  /** JWKS of the emulator's signing keys. */
  readonly jwksUri: string;
  /** RFC 8414 authorization server metadata. */
  readonly metadataUrl: string;
  /** Partners API base, `${url}/v1`. */
  readonly apiBaseUrl: string;
  /** Issuer identifier (`iss`). */
  readonly issuer: string;
}

/** A request as endpoint handlers see it, body already read. */
export interface EmulatorRequest {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Full request URL (host is the emulator's). */
  readonly url: URL;
  /** Request headers. */
  readonly headers: IncomingHttpHeaders;
  /** The request body (within the size limit). */
  readonly body: Buffer;
}

/** Everything an endpoint handler may use; one per emulator instance. */
export interface EmulatorContext {
  readonly clock: Clock;
  readonly clients: ClientRegistry;
  readonly tokens: TokenStore;
  readonly issuer: TokenIssuer;
  readonly keys: JwtKeyRing;
  readonly settings: EmulatorSettings;
  readonly urls: EmulatorUrls;
  readonly patients: PatientStore;
  readonly orders: OrderStore;
  /** Looks a presented token up at the current time. */
  lookupToken(token: string | undefined): TokenLookup;
  /** Sends a simulated webhook event in the background (sandbox `POST /v1/simulate`). */
  simulateWebhook(event: WebhookEventInput): void;
}
