import type { Attributes, Link } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { oauthErrorLabel, quotableRequestId, tokenErrorType } from './error-types.js';
import type { HoneybeeTelemetry } from './honeybee.telemetry.js';
import { backendOf, inSpan } from './telemetry.backend.js';
import { ATTR, SPAN, TOKEN_ATTEMPT_EVENT } from './telemetry.conventions.js';
import type { TokenSource, TokenTrigger } from './telemetry.conventions.js';

/** How one HTTP request to the token endpoint ended. */
export type TokenAttemptOutcome = { accessToken: string; requestId?: string } | { error: unknown };

/** One token fetch (single flight, retries included), counted and traced. */
export interface TokenRequestTrace {
  /** Runs `work` with the span current, so spans of an instrumented `fetch` nest under it. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** One HTTP request to the token endpoint, sent at `startedAt` (`performance.now()`), ended. */
  attempt(startedAt: number, outcome: TokenAttemptOutcome): void;
  /**
   * The fetch is over: with a token (from the endpoint when an attempt was recorded, else from
   * the shared store), or with `error` (a `HoneybeeTokenError` is a failure; anything else,
   * such as a refresh put off while the shared store cannot coordinate it, is not).
   */
  end(outcome?: { error: unknown }): void;
}

const UNTRACED: TokenRequestTrace = {
  run: (work) => work(),
  attempt: () => undefined,
  end: () => undefined,
};

/**
 * Starts the trace of a token fetch for the scope set `scopeKey`: a
 * `honeybee_auth.token.request` span, a child of the caller's; for a background refresh a
 * `honeybee_auth.token.refresh` span of its own trace, linked to the caller's. Each HTTP
 * request is an event on it and a `honeybee_auth.token.requests` count with its duration; a
 * failed background refresh counts in `honeybee_auth.token.refresh.failures`. Nothing of the
 * token, the secret or the server's text: statuses, error kinds and codes, request ids.
 */
export function traceTokenRequest(
  telemetry: HoneybeeTelemetry | undefined,
  scopeKey: string,
  trigger: TokenTrigger,
): TokenRequestTrace {
  const backend = backendOf(telemetry);
  if (!telemetry || !backend) return UNTRACED;
  const { api, instruments, tracer } = backend;
  const series: Attributes = {
    ...telemetry.clientAttributes,
    [ATTR.scope]: telemetry.scopeLabel(scopeKey),
    [ATTR.tokenTrigger]: trigger,
  };
  const refresh = trigger === 'refresh';
  const caller = api.trace.getSpanContext(api.context.active());
  const links: Link[] = refresh && caller ? [{ context: caller }] : [];
  const span = tracer.startSpan(refresh ? SPAN.tokenRefresh : SPAN.tokenRequest, {
    kind: api.SpanKind.INTERNAL,
    attributes: { ...series, ...telemetry.tokenServerAttributes },
    links,
    root: refresh,
  });
  let attempts = 0;
  return {
    run: (work) => inSpan(api, span, work),
    attempt(startedAt, outcome) {
      attempts += 1;
      const attributes: Attributes = { ...series, ...telemetry.tokenServerAttributes };
      let requestId: string | undefined;
      if ('error' in outcome) {
        Object.assign(attributes, failureAttributes(outcome.error));
        requestId = (outcome.error as HoneybeeTokenError | undefined)?.requestId;
      } else {
        attributes[ATTR.tokenOutcome] = 'success';
        attributes[ATTR.httpStatus] = 200;
        requestId = quotableRequestId(outcome.requestId, outcome.accessToken);
      }
      instruments.tokenRequests.add(1, attributes);
      instruments.tokenRequestDuration.record((performance.now() - startedAt) / 1000, attributes);
      span.addEvent(TOKEN_ATTEMPT_EVENT, {
        [ATTR.tokenAttempt]: attempts,
        [ATTR.tokenOutcome]: attributes[ATTR.tokenOutcome],
        ...(attributes[ATTR.httpStatus] !== undefined && {
          [ATTR.httpStatus]: attributes[ATTR.httpStatus],
        }),
        ...(attributes[ATTR.errorType] !== undefined && {
          [ATTR.errorType]: attributes[ATTR.errorType],
        }),
        ...(requestId !== undefined && { [ATTR.requestId]: requestId }),
      });
    },
    end(outcome) {
      span.setAttribute(ATTR.tokenAttempts, attempts);
      if (!outcome) {
        const source: TokenSource = attempts > 0 ? 'endpoint' : 'store';
        span.setAttribute(ATTR.tokenSource, source);
      } else if (outcome.error instanceof HoneybeeTokenError) {
        const failure = failureAttributes(outcome.error);
        span.setAttributes(failure);
        if (outcome.error.requestId !== undefined) {
          span.setAttribute(ATTR.requestId, outcome.error.requestId);
        }
        span.setStatus({
          code: api.SpanStatusCode.ERROR,
          message: `no token: ${String(failure[ATTR.errorType])}`,
        });
        if (refresh) {
          instruments.tokenRefreshFailures.add(1, {
            ...series,
            [ATTR.errorType]: failure[ATTR.errorType]!,
          });
        }
      } else {
        span.setAttribute(ATTR.tokenOutcome, 'deferred');
      }
      span.end();
    },
  };
}

/** `outcome`, `error.type`, status and OAuth error code of a failed token request. */
function failureAttributes(err: unknown): Attributes {
  const attributes: Attributes = {
    [ATTR.tokenOutcome]: 'failure',
    [ATTR.errorType]: tokenErrorType(err),
  };
  if (err instanceof HoneybeeTokenError && err.status !== undefined) {
    attributes[ATTR.httpStatus] = err.status;
  }
  const oauth = oauthErrorLabel(err);
  if (oauth !== undefined) attributes[ATTR.oauthError] = oauth;
  return attributes;
}
