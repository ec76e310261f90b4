import type { Attributes } from '@opentelemetry/api';
import { tokenErrorType } from './error-types.js';
import type { HoneybeeTelemetry } from './honeybee.telemetry.js';
import { backendOf, inSpan } from './telemetry.backend.js';
import { ATTR, SPAN } from './telemetry.conventions.js';
import type { ReplayResult } from './telemetry.conventions.js';

/** What happened after a 401 that answered our token, counted and traced. */
export interface ReplayTrace {
  /** Runs `work` with the span current (the token request for the fresh token nests under it). */
  run<T>(work: () => Promise<T>): Promise<T>;
  /**
   * The end of it: `status` is the replayed request's answer (with `replayed`), `err` why no
   * fresh token could be had (with `token_failed`).
   */
  end(result: ReplayResult, status?: number, err?: unknown): void;
}

const UNTRACED: ReplayTrace = { run: (work) => work(), end: () => undefined };

/**
 * Starts the trace of a 401 replay: a `honeybee_auth.outbound.replay` span, a child of the
 * caller's, and `honeybee_auth.outbound.replays` at the end. Nothing about the request but its
 * answer's status: no URL, no header.
 */
export function traceReplay(telemetry: HoneybeeTelemetry | undefined): ReplayTrace {
  const backend = backendOf(telemetry);
  if (!telemetry || !backend) return UNTRACED;
  const { api, instruments, tracer } = backend;
  const client = telemetry.clientAttributes;
  const span = tracer.startSpan(SPAN.replay, { kind: api.SpanKind.INTERNAL, attributes: client });
  return {
    run: (work) => inSpan(api, span, work),
    end(result, status, err) {
      const attributes: Attributes = { ...client, [ATTR.replayResult]: result };
      if (status !== undefined) attributes[ATTR.httpStatus] = status;
      if (err !== undefined) attributes[ATTR.errorType] = tokenErrorType(err);
      instruments.outboundReplays.add(1, attributes);
      span.setAttributes(attributes);
      if (err !== undefined) {
        span.setStatus({
          code: api.SpanStatusCode.ERROR,
          message: `no fresh token: ${String(attributes[ATTR.errorType])}`,
        });
      }
      span.end();
    },
  };
}
