import { AxiosError, AxiosHeaders } from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import { HoneybeeTokenError } from 'nestjs-honeybee-auth';
import { toUpstreamException } from './honeybee-upstream.exception.js';

const config = { headers: new AxiosHeaders(), timeout: 1234 } as InternalAxiosRequestConfig;

function answered(status: number, data: unknown, headers: Record<string, string> = {}) {
  return new AxiosError(
    `Request failed with status code ${status}`,
    'ERR_BAD_RESPONSE',
    config,
    {},
    {
      status,
      statusText: '',
      data,
      headers: new AxiosHeaders(headers),
      config,
    },
  );
}

const answer = (error: unknown, subject?: string) => {
  const mapped = toUpstreamException(error, subject)!;
  return {
    status: mapped.getStatus(),
    body: mapped.getResponse(),
    retryAfter: mapped.retryAfterSeconds,
  };
};

describe('toUpstreamException', () => {
  it('leaves errors that are not about Honeybee alone', () => {
    expect(toUpstreamException(new Error('bug'))).toBeUndefined();
    expect(toUpstreamException('string')).toBeUndefined();
  });

  it('maps a HoneybeeTokenError to 503, with its X-Request-Id and Retry-After', () => {
    const error = new HoneybeeTokenError('Token request failed', {
      kind: 'http',
      status: 429,
      requestId: 'req-1',
      retryable: true,
      retryAfterSeconds: 30,
    });
    expect(answer(error)).toEqual({
      status: 503,
      body: {
        message: 'Could not get an access token from Honeybee (http 429)',
        error: 'Service Unavailable',
        statusCode: 503,
        honeybeeRequestId: 'req-1',
      },
      retryAfter: 30,
    });
  });

  it.each([
    [
      { errors: { patient_id: ['not found'], base: ['order is closed'] } },
      ['patient_id not found', 'order is closed'],
    ],
    [{ errors: ['too late'] }, ['too late']],
    [{ message: 'no such prescription' }, ['no such prescription']],
    [{ error: 'invalid', error_description: 'bad address' }, ['bad address']],
    ['<html>', ['Honeybee refused the request (422)']],
    [{ errors: { note: ['x'.repeat(300)] } }, [`note ${'x'.repeat(195)}…`]],
    [{ message: 'bad\n[Nest] LOG forged\u001b[2J\u009b' }, ['bad [Nest] LOG forged [2J ']],
  ])('passes on the reasons of a 422 %j', (data, messages) => {
    expect(answer(answered(422, data))).toMatchObject({ status: 422, body: { message: messages } });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(answer(answered(503, '', { 'retry-after': '12' })).retryAfter).toBe(12);
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(answer(answered(429, '', { 'retry-after': inAMinute })).retryAfter).toBeGreaterThan(55);
    expect(answer(answered(503, '', { 'retry-after': 'soon' })).retryAfter).toBeUndefined();
  });

  it('names the timeout of a request that got no answer', () => {
    const timeout = new AxiosError('timeout of 1234ms exceeded', 'ECONNABORTED', config);
    expect(answer(timeout)).toMatchObject({
      status: 503,
      body: { message: 'Honeybee did not answer within 1234 ms' },
    });
  });

  it('uses the subject in a 404, and maps other 4xx to 502', () => {
    expect(answer(answered(404, {}), 'order "ord_9"').body).toMatchObject({
      message: 'Honeybee has no order "ord_9"',
    });
    expect(answer(answered(406, '')).status).toBe(502);
    expect(answer(answered(400, {})).status).toBe(502);
  });
});
