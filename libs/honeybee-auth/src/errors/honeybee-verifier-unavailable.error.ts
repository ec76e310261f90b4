/**
 * Why a verifier could not decide (a {@link HoneybeeVerifierUnavailableError}'s `kind`):
 * - `timeout`: no answer within `inbound.verifyTimeoutMs` (or `jwt.jwksTimeoutMs`);
 * - `network`: the connection failed or was reset;
 * - `http`: the endpoint answered with a status that is no verdict (5xx, 429, a redirect, or a
 *   refusal of this module's own credentials);
 * - `invalid_response`: an answer that is not the protocol's (not JSON, the wrong shape, too
 *   large, a malformed principal);
 * - `overloaded`: `inbound.maxConcurrentVerifications` verifications were in flight already;
 * - `aborted`: the module was shutting down;
 * - `verifier_error`: anything else a (custom) verifier threw.
 */
export type HoneybeeVerifierUnavailableKind =
  'timeout' | 'network' | 'http' | 'invalid_response' | 'overloaded' | 'aborted' | 'verifier_error';

/**
 * A verifier could not decide whether a token is valid (server down, slow, 5xx, garbage).
 * `ScopesGuard` turns it into 503 with `Retry-After`: it never lets the request through.
 */
export class HoneybeeVerifierUnavailableError extends Error {
  override readonly name = 'HoneybeeVerifierUnavailableError';

  constructor(
    message: string,
    options?: {
      cause?: unknown;
      status?: number;
      requestId?: string;
      /** @default 'verifier_error' */
      kind?: HoneybeeVerifierUnavailableKind;
    },
  ) {
    super(message, { cause: options?.cause });
    this.kind = options?.kind ?? 'verifier_error';
    this.status = options?.status;
    this.requestId = options?.requestId;
  }

  /** Why the verifier could not decide. */
  readonly kind: HoneybeeVerifierUnavailableKind;
  /** HTTP status of the verifier's answer, when there was one. */
  readonly status?: number;
  /** The verifier's `X-Request-Id`, when there was one. */
  readonly requestId?: string;
}
