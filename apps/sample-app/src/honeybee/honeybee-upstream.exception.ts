import { HttpException, HttpStatus } from '@nestjs/common';
import { isAxiosError } from 'axios';
import type { AxiosError } from 'axios';
import { HoneybeeTokenError, requestIdOf, retryAfterOf } from 'nestjs-honeybee-auth';

const REASONS: Record<number, string> = {
  [HttpStatus.NOT_FOUND]: 'Not Found',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'Unprocessable Entity',
  [HttpStatus.BAD_GATEWAY]: 'Bad Gateway',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
};

/** The JSON body of a {@link HoneybeeUpstreamException}: Nest's shape plus Honeybee's request id. */
export interface HoneybeeUpstreamErrorBody {
  message: string | string[];
  error: string;
  statusCode: number;
  /** Honeybee's `X-Request-Id`, to quote to Honeybee support. */
  honeybeeRequestId?: string;
}

/**
 * What a failed Honeybee call means to *our* caller: never a raw 500, never a token in the
 * body. Thrown by `PartnersApiClient` and answered by `HoneybeeExceptionFilter`, which also
 * sets `Retry-After`.
 */
export class HoneybeeUpstreamException extends HttpException {
  constructor(
    status: number,
    message: string | string[],
    /** Honeybee's `X-Request-Id`, when its answer had one. */
    readonly honeybeeRequestId?: string,
    /** `Retry-After` to send, in seconds, when Honeybee asked us to wait. */
    readonly retryAfterSeconds?: number,
    cause?: unknown,
  ) {
    const body: HoneybeeUpstreamErrorBody = {
      message,
      error: REASONS[status] ?? 'Error',
      statusCode: status,
      ...(honeybeeRequestId ? { honeybeeRequestId } : {}),
    };
    super(body, status, { cause });
  }
}

/**
 * Maps a failure of a Honeybee call to the answer our caller gets; `undefined` for errors that
 * are not about Honeybee (let them through).
 *
 * | Honeybee | our answer |
 * |---|---|
 * | no token for us (`HoneybeeTokenError`) | 503 |
 * | no answer: refused, reset, timeout | 503 |
 * | 404 | 404 (`subject` names what was missing) |
 * | 422 | 422 with Honeybee's messages |
 * | 401 (already replayed once with a fresh token), 403 | 502: our credentials, not the caller's |
 * | 429, 503 | 503, with Honeybee's `Retry-After` |
 * | other 4xx, 5xx, an unreadable answer | 502 |
 *
 * @param subject - what the call was about, e.g. `patient "p_1"`, for the 404 message.
 */
export function toUpstreamException(
  error: unknown,
  subject = 'the resource',
): HoneybeeUpstreamException | undefined {
  if (error instanceof HoneybeeUpstreamException) return error;
  if (error instanceof HoneybeeTokenError) {
    const why = [error.kind, error.status, error.error].filter((part) => part !== undefined);
    return new HoneybeeUpstreamException(
      HttpStatus.SERVICE_UNAVAILABLE,
      `Could not get an access token from Honeybee (${why.join(' ')})`,
      error.requestId,
      error.retryAfterSeconds,
      error,
    );
  }
  if (!isAxiosError(error)) return undefined;
  const requestId = requestIdOf(error);
  const status = error.response?.status;
  const fail = (code: number, message: string | string[], retryAfter?: number) =>
    new HoneybeeUpstreamException(code, message, requestId, retryAfter, error);

  if (status === undefined) {
    const timedOut = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
    return fail(
      HttpStatus.SERVICE_UNAVAILABLE,
      timedOut
        ? `Honeybee did not answer within ${error.config?.timeout} ms`
        : `Honeybee is unreachable (${error.code ?? 'no answer'})`,
    );
  }
  switch (status) {
    case 404:
      return fail(HttpStatus.NOT_FOUND, `Honeybee has no ${subject}`);
    case 422:
      return fail(HttpStatus.UNPROCESSABLE_ENTITY, validationMessages(error));
    case 401:
      return fail(HttpStatus.BAD_GATEWAY, "Honeybee rejected this app's access token");
    case 403:
      return fail(
        HttpStatus.BAD_GATEWAY,
        "This app's Honeybee client lacks the scope for this call",
      );
    case 429:
    case 503:
      return fail(
        HttpStatus.SERVICE_UNAVAILABLE,
        status === 429 ? 'Honeybee is rate-limiting this app' : 'Honeybee is unavailable (503)',
        retryAfterOf(error),
      );
    default:
      return fail(HttpStatus.BAD_GATEWAY, `Honeybee answered ${status}`);
  }
}

/** Honeybee's 422 reasons: Rails-style `{errors: {field: [..]}}`, or a message, or a fallback. */
function validationMessages(error: AxiosError): string[] {
  const data: unknown = error.response?.data;
  const body = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  let messages: string[] = [];
  if (Array.isArray(body.errors)) {
    messages = body.errors.filter((m): m is string => typeof m === 'string');
  } else if (body.errors && typeof body.errors === 'object') {
    for (const [field, reasons] of Object.entries(body.errors)) {
      for (const reason of Array.isArray(reasons) ? reasons : [reasons]) {
        if (typeof reason === 'string')
          messages.push(field === 'base' ? reason : `${field} ${reason}`);
      }
    }
  }
  for (const key of ['message', 'error_description', 'error']) {
    if (messages.length === 0 && typeof body[key] === 'string') messages.push(body[key]);
  }
  // Passed on to our caller and logged: keep it short, on one line (no control characters that
  // could forge a log line or a terminal escape).
  messages = messages
    .slice(0, 10)
    // eslint-disable-next-line no-control-regex
    .map((m) => m.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' '))
    .map((m) => (m.length > 200 ? `${m.slice(0, 200)}…` : m));
  return messages.length ? messages : ['Honeybee refused the request (422)'];
}
