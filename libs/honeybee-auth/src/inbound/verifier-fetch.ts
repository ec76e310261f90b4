import { deadline } from '../common/deadline.js';
import { networkReason, readBoundedBody } from '../common/http.js';
import { redact } from '../common/secret.js';
import { safeRequestId } from '../common/upstream-text.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import type { HoneybeeVerifierUnavailableKind } from '../errors/honeybee-verifier-unavailable.error.js';

/**
 * Largest verifier answer read, in bytes. Token-info and introspection answers are a few
 * hundred bytes and a JWKS a few kilobytes; anything larger is not a real answer.
 */
export const MAX_VERIFIER_RESPONSE_BYTES = 65_536;

/** A verifier endpoint's answer, body read in full (and bounded). */
export interface VerifierHttpResponse {
  status: number;
  headers: Headers;
  body: string;
  /** `X-Request-Id`, when it is fit to quote (see `safeRequestId`). */
  requestId?: string;
}

/**
 * One call to a verification endpoint with global `fetch`: no redirects followed (a redirect
 * would carry the token elsewhere), a timeout covering connect to last byte, a bounded body.
 * Every failure to get a complete answer is a {@link HoneybeeVerifierUnavailableError} whose
 * message names `what` but never the token. `sent` are the credentials the request carries
 * (the token, the client secret in every form): an `X-Request-Id` holding one of them, from a
 * server that echoes the request, is not kept.
 */
export async function fetchVerifierResponse(
  what: string,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  timeoutMs: number,
  signal?: AbortSignal,
  sent: readonly string[] = [],
): Promise<VerifierHttpResponse> {
  const limit = deadline(timeoutMs, signal);
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: limit.signal });
    const quoted = safeRequestId(res.headers.get('x-request-id'));
    const requestId = quoted !== undefined && redact(quoted, sent) === quoted ? quoted : undefined;
    const body = await readBoundedBody(res, MAX_VERIFIER_RESPONSE_BYTES);
    if (body === undefined) {
      throw new HoneybeeVerifierUnavailableError(
        `${what} answer exceeds ${MAX_VERIFIER_RESPONSE_BYTES} bytes`,
        { status: res.status, requestId, kind: 'invalid_response' },
      );
    }
    return { status: res.status, headers: res.headers, body, requestId };
  } catch (err) {
    if (err instanceof HoneybeeVerifierUnavailableError) throw err;
    if (limit.timedOut()) {
      throw new HoneybeeVerifierUnavailableError(`${what} timed out after ${timeoutMs} ms`, {
        cause: err,
        kind: 'timeout',
      });
    }
    if (signal?.aborted) {
      throw new HoneybeeVerifierUnavailableError(`${what} was aborted`, {
        cause: err,
        kind: 'aborted',
      });
    }
    throw new HoneybeeVerifierUnavailableError(`${what} failed: ${networkReason(err)}`, {
      cause: err,
      kind: 'network',
    });
  } finally {
    limit.dispose();
  }
}

/**
 * The body of a verifier's 200 answer, parsed as a JSON object.
 * @throws HoneybeeVerifierUnavailableError for any other status, or a body that is not a JSON
 *   object (garbage).
 */
export function okJsonObject(what: string, res: VerifierHttpResponse): Record<string, unknown> {
  if (res.status !== 200)
    throw unavailableAnswer(what, res, `the endpoint answered HTTP ${res.status}`, 'http');
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HoneybeeVerifierUnavailableError(
      `${what} answered with a body that is not a JSON object`,
      { status: res.status, requestId: res.requestId, kind: 'invalid_response' },
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * "Cannot verify" because of what the endpoint answered: `<what>: <why>`, with the answer's
 * status and `X-Request-Id`; `kind` is `http` for a status that is no verdict,
 * `invalid_response` (the default) for an answer that is not the protocol's.
 */
export function unavailableAnswer(
  what: string,
  res: VerifierHttpResponse,
  why: string,
  kind: HoneybeeVerifierUnavailableKind = 'invalid_response',
): HoneybeeVerifierUnavailableError {
  return new HoneybeeVerifierUnavailableError(`${what}: ${why}`, {
    status: res.status,
    requestId: res.requestId,
    kind,
  });
}
