import { isAxiosError } from 'axios';
import { parseRetryAfter } from '../common/http.js';
import { safeRequestId } from '../common/upstream-text.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';

/**
 * The `X-Request-Id` of the Honeybee answer behind `error`, to quote to Honeybee support:
 * read from the response of an API error (an `AxiosError`) or from a {@link HoneybeeTokenError}.
 * `undefined` when there was no answer (network failure, timeout), it carried no id, or the id
 * is not 1 to 128 visible ASCII characters (control characters could forge a log line).
 *
 * @example
 * catch (err) { logger.error(`Honeybee call failed (X-Request-Id ${requestIdOf(err)})`); throw err; }
 */
export function requestIdOf(error: unknown): string | undefined {
  if (error instanceof HoneybeeTokenError) return error.requestId;
  // The server chose it: quoted only as 1 to 128 visible ASCII characters (no forged log line).
  return safeRequestId(responseHeader(error, 'x-request-id'));
}

/**
 * The seconds Honeybee asked to wait (`Retry-After`, delta-seconds or an HTTP date) in the
 * answer behind `error` (an `AxiosError` or a {@link HoneybeeTokenError}), to pass on to your
 * own caller. `undefined` when the answer carried none.
 */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof HoneybeeTokenError) return error.retryAfterSeconds;
  return parseRetryAfter(responseHeader(error, 'retry-after') ?? null);
}

/** A header of an `AxiosError`'s response (first value, non-empty), whatever its case. */
function responseHeader(error: unknown, name: string): string | undefined {
  if (!isAxiosError(error)) return undefined;
  const headers: unknown = error.response?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  const value =
    typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get(name: string): unknown }).get(name)
      : Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.length > 0 ? first : undefined;
}
