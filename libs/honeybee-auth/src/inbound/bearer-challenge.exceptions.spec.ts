import { HttpException } from '@nestjs/common';
import {
  HoneybeeBadRequestException,
  HoneybeeForbiddenException,
  HoneybeeServiceUnavailableException,
  HoneybeeUnauthorizedException,
  bearerChallenge,
  setResponseHeaders,
} from './bearer-challenge.exceptions.js';

describe('bearerChallenge', () => {
  it('is bare without an error (RFC 6750 §3.1: no error code without credentials)', () => {
    expect(bearerChallenge('api')).toBe('Bearer realm="api"');
  });

  it('lists error, description and scope in order', () => {
    expect(
      bearerChallenge('api', {
        error: 'insufficient_scope',
        errorDescription: 'Needs more',
        scope: 'a b',
      }),
    ).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Needs more", scope="a b"',
    );
  });

  it('drops characters RFC 6750 forbids in attribute values (no header injection)', () => {
    expect(
      bearerChallenge('api', {
        error: 'invalid_request',
        errorDescription: 'a"b\\c\r\nX-Evil: 1é',
      }),
    ).toBe('Bearer realm="api", error="invalid_request", error_description="abcX-Evil: 1"');
  });
});

describe('the exceptions', () => {
  it.each([
    [new HoneybeeUnauthorizedException('m', { a: '1' }, 'invalid_token'), 401, 'Unauthorized'],
    [new HoneybeeBadRequestException('m', { a: '1' }), 400, 'Bad Request'],
    [new HoneybeeForbiddenException('m', { a: '1' }), 403, 'Forbidden'],
    [new HoneybeeServiceUnavailableException('m', { a: '1' }), 503, 'Service Unavailable'],
  ])('%p is a Nest HttpException with a Nest-style body and its headers', (e, status, error) => {
    expect(e).toBeInstanceOf(HttpException);
    expect(e.getStatus()).toBe(status);
    expect(e.getResponse()).toEqual({ statusCode: status, error, message: 'm' });
    expect(e.headers).toEqual({ a: '1' });
  });
});

describe('setResponseHeaders', () => {
  it('uses setHeader on an Express (Node) response', () => {
    const set: [string, string][] = [];
    setResponseHeaders(
      { setHeader: (n: string, v: string) => set.push([n, v]) },
      { A: '1', B: '2' },
    );
    expect(set).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
  });

  it('uses header() on a Fastify reply, not its raw response', () => {
    const set: string[] = [];
    const raw = { setHeader: () => set.push('raw') };
    setResponseHeaders({ raw, sent: false, header: (n: string) => set.push(n) }, { A: '1' });
    expect(set).toEqual(['A']);
  });

  it('does nothing once headers are sent, or without a response', () => {
    const set: string[] = [];
    setResponseHeaders({ headersSent: true, setHeader: (n: string) => set.push(n) }, { A: '1' });
    setResponseHeaders(undefined, { A: '1' });
    expect(set).toEqual([]);
  });
});
