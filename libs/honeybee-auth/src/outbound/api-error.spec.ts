import { AxiosError, AxiosHeaders } from 'axios';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { requestIdOf, retryAfterOf } from './api-error.js';

const answered = (headers: Record<string, string>) => {
  const config = { headers: new AxiosHeaders() } as InternalAxiosRequestConfig;
  const response = { status: 503, headers, config, data: '' } as unknown as AxiosResponse;
  return new AxiosError('failed', 'ERR_BAD_RESPONSE', config, undefined, response);
};

describe('requestIdOf / retryAfterOf', () => {
  it('read an API error’s X-Request-Id and Retry-After, whatever the header case', () => {
    const err = answered({ 'X-Request-Id': 'req-1', 'Retry-After': '7' });
    expect(requestIdOf(err)).toBe('req-1');
    expect(retryAfterOf(err)).toBe(7);
  });

  it('quotes no X-Request-Id with control characters or over 128 characters', () => {
    expect(requestIdOf(answered({ 'x-request-id': 'req\u009b2J' }))).toBeUndefined();
    expect(requestIdOf(answered({ 'x-request-id': 'r'.repeat(129) }))).toBeUndefined();
  });

  it('reads an HTTP-date Retry-After as seconds from now, and ignores garbage', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(retryAfterOf(answered({ 'retry-after': inAMinute }))).toBeGreaterThan(55);
    expect(retryAfterOf(answered({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterOf(answered({}))).toBeUndefined();
  });

  it('read a HoneybeeTokenError’s own fields, and nothing from other errors', () => {
    const err = new HoneybeeTokenError('x', { kind: 'http', requestId: 'r', retryAfterSeconds: 3 });
    expect([requestIdOf(err), retryAfterOf(err)]).toEqual(['r', 3]);
    expect([requestIdOf(new Error('x')), retryAfterOf(new Error('x'))]).toEqual([
      undefined,
      undefined,
    ]);
  });
});
