import type { AcceptPolicy } from '../http/http-utils.js';

/** The Partners API routes the emulator serves, by name. */
export type ApiRoute =
  /** `GET /v1/patients/:id/rx` */
  | 'getPatientRx'
  /** `POST /v1/orders` */
  | 'createOrder'
  /** `GET /v1/orders/:id` */
  | 'getOrder'
  /** `POST /v1/simulate` (sandbox only) */
  | 'simulate';

/** Scopes each route requires unless configured otherwise. */
export const DEFAULT_API_SCOPES: Readonly<Record<ApiRoute, readonly string[]>> = Object.freeze({
  getPatientRx: Object.freeze(['prescriptions:read']),
  getOrder: Object.freeze(['prescriptions:read']),
  createOrder: Object.freeze(['orders:write']),
  simulate: Object.freeze([]),
});

/** Where `POST /v1/simulate` delivers the webhook event it simulates. */
export interface SimulateWebhookTarget {
  /** The partner's webhook URL. */
  url: string;
  /** The static secret sent as `X-Honeybee-Secret`. */
  secret: string;
}

/** Options of the emulated Partners API (`/v1`). */
export interface PartnersApiOptions {
  /**
   * Scopes each route requires; an empty list means any valid token.
   * @default {@link DEFAULT_API_SCOPES}
   */
  scopes?: Partial<Record<ApiRoute, readonly string[]>>;
  /**
   * Whether a token needs **any** of a route's scopes (Doorkeeper's `doorkeeper_authorize!`) or
   * **all** of them.
   * @default 'any'
   */
  scopeMatch?: 'any' | 'all';
  /**
   * `strict`: `Accept` must name `application/json`, else 406. `lenient`: also accept a missing
   * header, `application/*` and `*\/*`.
   * @default 'strict'
   */
  accept?: AcceptPolicy;
  /**
   * Behave as the sandbox: serve `POST /v1/simulate`. When `false` that route is a 404.
   * @default true
   */
  sandbox?: boolean;
  /**
   * Key of the HMAC-SHA1 in the `X-Honeybee-Signature` response header. Honeybee does not
   * document this header's scheme; the emulator only mirrors that it is present.
   * @default 'honeybee-emulator'
   */
  signatureSecret?: string;
  /** When set, `POST /v1/simulate` also sends the simulated event to this webhook target. */
  simulateWebhook?: SimulateWebhookTarget;
}
