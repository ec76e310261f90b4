import { isAxiosError } from 'axios';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';

/**
 * The `X-Request-Id` of the Honeybee answer behind `error`, to quote to Honeybee support:
 * read from the response of an API error (an `AxiosError`) or from a {@link HoneybeeTokenError}.
 * `undefined` when there was no answer (network failure, timeout) or it carried no id.
 *
 * @example
 * catch (err) { logger.error(`Honeybee call failed (X-Request-Id ${requestIdOf(err)})`); throw err; }
 */
export function requestIdOf(error: unknown): string | undefined {
  if (error instanceof HoneybeeTokenError) return error.requestId;
  if (!isAxiosError(error)) return undefined;
  const headers: unknown = error.response?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  const value =
    typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get(name: string): unknown }).get('x-request-id')
      : Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-request-id')?.[1];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.length > 0 ? first : undefined;
}
