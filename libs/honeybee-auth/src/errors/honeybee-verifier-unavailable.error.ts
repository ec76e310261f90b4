/**
 * A verifier could not decide whether a token is valid (server down, slow, 5xx, garbage).
 * `ScopesGuard` turns it into 503 with `Retry-After`: it never lets the request through.
 */
export class HoneybeeVerifierUnavailableError extends Error {
  override readonly name = 'HoneybeeVerifierUnavailableError';

  constructor(message: string, options?: { cause?: unknown; status?: number; requestId?: string }) {
    super(message, { cause: options?.cause });
    this.status = options?.status;
    this.requestId = options?.requestId;
  }

  /** HTTP status of the verifier's answer, when there was one. */
  readonly status?: number;
  /** The verifier's `X-Request-Id`, when there was one. */
  readonly requestId?: string;
}
