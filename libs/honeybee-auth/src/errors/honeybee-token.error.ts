/**
 * What kind of failure a {@link HoneybeeTokenError} reports:
 * - `oauth`: the token endpoint answered with an OAuth error (`invalid_client`, …);
 * - `http`: a non-OAuth HTTP failure (5xx, 429, an HTML proxy page, a redirect);
 * - `network`: the connection failed or was reset;
 * - `timeout`: no complete answer within `tokenRequestTimeoutMs`;
 * - `invalid_response`: a 200 whose body is not a usable Bearer token response;
 * - `aborted`: the module was shut down while the request was in flight;
 * - `invalid_argument`: the caller passed something unusable (a malformed scope).
 */
export type HoneybeeTokenErrorKind =
  'oauth' | 'http' | 'network' | 'timeout' | 'invalid_response' | 'aborted' | 'invalid_argument';

/** The facts a {@link HoneybeeTokenError} carries. */
export interface HoneybeeTokenErrorDetails {
  kind: HoneybeeTokenErrorKind;
  /** OAuth `error` code from the token endpoint, e.g. `invalid_client`. */
  error?: string;
  /** OAuth `error_description`, with any credential removed. */
  errorDescription?: string;
  /** HTTP status of the token endpoint's answer, when there was one. */
  status?: number;
  /** The answer's `X-Request-Id`, to quote to Honeybee support. */
  requestId?: string;
  /** Whether the failure is transient (worth retrying later). */
  retryable?: boolean;
  /** Seconds the server asked to wait (`Retry-After`), when given. */
  retryAfterSeconds?: number;
  /** How many token requests were made before giving up. */
  attempts?: number;
  cause?: unknown;
}

/**
 * The one error `HoneybeeTokenService` throws when it cannot get a token.
 * Its message, fields, `JSON.stringify` and stack never contain the client secret or a token.
 */
export class HoneybeeTokenError extends Error {
  override readonly name = 'HoneybeeTokenError';
  readonly kind: HoneybeeTokenErrorKind;
  readonly error?: string;
  readonly errorDescription?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
  /** How many token requests were made before giving up (set by the retry loop). */
  attempts?: number;

  constructor(message: string, details: HoneybeeTokenErrorDetails) {
    const where = [
      details.status !== undefined ? `status ${details.status}` : undefined,
      details.error ? `error ${details.error}` : undefined,
      details.requestId ? `X-Request-Id ${details.requestId}` : undefined,
    ].filter(Boolean);
    super(where.length ? `${message} (${where.join(', ')})` : message, { cause: details.cause });
    this.kind = details.kind;
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryable = details.retryable ?? false;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.attempts = details.attempts;
  }

  /** The safe, serialisable view (no cause chain, which may hold transport objects). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      error: this.error,
      errorDescription: this.errorDescription,
      status: this.status,
      requestId: this.requestId,
      retryable: this.retryable,
      retryAfterSeconds: this.retryAfterSeconds,
      attempts: this.attempts,
    };
  }
}
