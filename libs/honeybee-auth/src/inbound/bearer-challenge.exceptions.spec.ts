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
    [
      new HoneybeeUnauthorizedException('m', { realm: 'api', error: 'invalid_token' }),
      401,
      'Unauthorized',
      'm',
      { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="m"' },
    ],
    [
      new HoneybeeBadRequestException('m', 'api'),
      400,
      'Bad Request',
      'm',
      { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_request", error_description="m"' },
    ],
    [
      new HoneybeeForbiddenException({ allOf: ['a'], anyOf: [] }, 'api'),
      403,
      'Forbidden',
      'Insufficient scope; this route requires all of: a',
      {
        'WWW-Authenticate':
          'Bearer realm="api", error="insufficient_scope", ' +
          'error_description="Insufficient scope; this route requires all of: a", scope="a"',
      },
    ],
    [
      new HoneybeeServiceUnavailableException('m', 7),
      503,
      'Service Unavailable',
      'm',
      { 'Retry-After': '7' },
    ],
  ])(
    '%p is a Nest HttpException with a Nest-style body and builds its own headers',
    (e, status, error, message, headers) => {
      expect(e).toBeInstanceOf(HttpException);
      expect(e.getStatus()).toBe(status);
      expect(e.getResponse()).toEqual({ statusCode: status, error, message });
      expect(e.headers).toEqual(headers);
    },
  );

  it('401 without Bearer credentials: a bare challenge and no error code (RFC 6750 §3.1)', () => {
    const e = new HoneybeeUnauthorizedException('Missing Bearer token', { realm: 'api' });
    expect(e.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api"' });
    expect(e.oauthError).toBeUndefined();
  });

  it('401 and 503 without a challenge or Retry-After when none is given (the webhook guard)', () => {
    expect(new HoneybeeUnauthorizedException('Invalid X-Honeybee-Secret header').headers).toEqual(
      {},
    );
    expect(new HoneybeeServiceUnavailableException('not configured').headers).toEqual({});
  });

  it('carries the RFC 6750 error code', () => {
    const invalid = new HoneybeeUnauthorizedException('m', { realm: 'r', error: 'invalid_token' });
    expect(invalid.oauthError).toBe('invalid_token');
    expect(new HoneybeeBadRequestException('m', 'r').oauthError).toBe('invalid_request');
    const forbidden = new HoneybeeForbiddenException({ allOf: ['a'], anyOf: [] }, 'r');
    expect(forbidden.oauthError).toBe('insufficient_scope');
  });

  it('403 says which scopes are alternatives, and lists every scope that would do', () => {
    const e = new HoneybeeForbiddenException(
      {
        allOf: ['orders:read'],
        anyOf: [
          ['rx:write', 'rx:admin'],
          ['orders:read', 'z'],
        ],
      },
      'api',
    );
    expect(e.message).toBe(
      'Insufficient scope; this route requires all of: orders:read; ' +
        'and one of: rx:write rx:admin; and one of: orders:read z',
    );
    expect(e.scopes).toEqual(['orders:read', 'rx:admin', 'rx:write', 'z']);
    expect(e.headers['WWW-Authenticate']).toMatch(/, scope="orders:read rx:admin rx:write z"$/);
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
