import type { Attributes, Span } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { quotableRequestId, verifierErrorType } from './error-types.js';
import type { HoneybeeTelemetry } from './honeybee.telemetry.js';
import { backendOf, inSpan } from './telemetry.backend.js';
import type { TelemetryBackend } from './telemetry.backend.js';
import { ATTR, SPAN } from './telemetry.conventions.js';
import type { VerifierKind } from './telemetry.conventions.js';

/** One call to the verifier (a cache miss), timed, counted and traced. */
export interface VerificationTrace {
  /** Runs `work` with the span current, so spans of an instrumented `fetch` nest under it. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** The verifier decided: a valid token of an allowed client, or not. */
  decided(valid: boolean): void;
  /** The verifier could not decide. */
  failed(err: unknown): void;
}

const UNTRACED: VerificationTrace = {
  run: (work) => work(),
  decided: () => undefined,
  failed: () => undefined,
};

/**
 * Starts the trace of one verification of `token` (used only to keep it out of what is
 * recorded): a `honeybee_auth.verification` span, a child of the caller's, and at the end
 * `honeybee_auth.verifier.duration` (and `honeybee_auth.verifier.failures` when it cannot
 * decide).
 */
export function traceVerification(
  telemetry: HoneybeeTelemetry | undefined,
  token: string,
): VerificationTrace {
  const backend = backendOf(telemetry);
  if (!telemetry || !backend) return UNTRACED;
  const verifier = telemetry.verifierKind;
  const { api, instruments, tracer } = backend;
  const startedAt = performance.now();
  const span = tracer.startSpan(SPAN.verification, {
    kind: api.SpanKind.INTERNAL,
    attributes: { [ATTR.verifier]: verifier },
  });
  const seconds = () => (performance.now() - startedAt) / 1000;
  return {
    run: (work) => inSpan(api, span, work),
    decided(valid) {
      const result = valid ? 'valid' : 'invalid';
      instruments.verifierDuration.record(seconds(), {
        [ATTR.verifier]: verifier,
        [ATTR.verificationResult]: result,
      });
      span.setAttribute(ATTR.verificationResult, result);
      span.end();
    },
    failed(err) {
      const failure = failureAttributes(verifier, err);
      instruments.verifierDuration.record(seconds(), {
        [ATTR.verifier]: verifier,
        [ATTR.verificationResult]: 'unavailable',
        [ATTR.errorType]: failure[ATTR.errorType]!,
      });
      instruments.verifierFailures.add(1, failure);
      endFailed(backend, span, failure, err, token);
    },
  };
}

/**
 * Counts a verification refused before it reached the verifier (`overloaded`): a failure
 * without a duration or a span, since nothing was called.
 */
export function countVerificationRefused(
  telemetry: HoneybeeTelemetry | undefined,
  err: unknown,
): void {
  const backend = backendOf(telemetry);
  if (!telemetry || !backend) return;
  backend.instruments.verifierFailures.add(1, failureAttributes(telemetry.verifierKind, err));
}

/** `honeybee_auth.verifier`, `error.type` and, when the verifier answered, its status. */
function failureAttributes(verifier: VerifierKind, err: unknown): Attributes {
  const attributes: Attributes = {
    [ATTR.verifier]: verifier,
    [ATTR.errorType]: verifierErrorType(err),
  };
  if (err instanceof HoneybeeVerifierUnavailableError && err.status !== undefined) {
    attributes[ATTR.httpStatus] = err.status;
  }
  return attributes;
}

/** Ends `span` as failed: the reason and status, the request id, never the error's text. */
function endFailed(
  backend: TelemetryBackend,
  span: Span,
  failure: Attributes,
  err: unknown,
  token: string,
): void {
  const requestId =
    err instanceof HoneybeeVerifierUnavailableError
      ? quotableRequestId(err.requestId, token)
      : undefined;
  span.setAttributes({
    ...failure,
    [ATTR.verificationResult]: 'unavailable',
    ...(requestId !== undefined && { [ATTR.requestId]: requestId }),
  });
  span.setStatus({
    code: backend.api.SpanStatusCode.ERROR,
    message: `verifier unavailable: ${String(failure[ATTR.errorType])}`,
  });
  span.end();
}
