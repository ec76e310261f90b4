import {
  HoneybeeBadRequestException,
  HoneybeeForbiddenException,
  HoneybeeServiceUnavailableException,
  HoneybeeUnauthorizedException,
} from '../bearer-challenge.exceptions.js';
import { isHoneybeeAuthException, refusalOf } from './context-refusal.js';

const route = { allOf: ['rx:read'], anyOf: [['admin', 'rx:audit']] };
const realm = 'r';

describe('refusalOf', () => {
  it('no token: UNAUTHENTICATED without an OAuth error code', () => {
    expect(refusalOf(new HoneybeeUnauthorizedException('Missing Bearer token', { realm }))).toEqual(
      {
        code: 'UNAUTHENTICATED',
        statusCode: 401,
        message: 'Missing Bearer token',
      },
    );
  });

  it('an invalid token: UNAUTHENTICATED invalid_token', () => {
    const exception = new HoneybeeUnauthorizedException('Invalid', {
      realm,
      error: 'invalid_token',
    });
    expect(refusalOf(exception)).toEqual({
      code: 'UNAUTHENTICATED',
      statusCode: 401,
      message: 'Invalid',
      oauthError: 'invalid_token',
    });
  });

  it('malformed credentials: BAD_REQUEST invalid_request', () => {
    expect(refusalOf(new HoneybeeBadRequestException('Malformed', realm))).toEqual({
      code: 'BAD_REQUEST',
      statusCode: 400,
      message: 'Malformed',
      oauthError: 'invalid_request',
    });
  });

  it('a missing scope: FORBIDDEN with the scopes that would satisfy the handler', () => {
    const exception = new HoneybeeForbiddenException(route, realm);
    expect(refusalOf(exception)).toEqual({
      code: 'FORBIDDEN',
      statusCode: 403,
      message: exception.message,
      oauthError: 'insufficient_scope',
      requiredScopes: ['admin', 'rx:audit', 'rx:read'],
    });
  });

  it('the verifier cannot decide: SERVICE_UNAVAILABLE with Retry-After in seconds', () => {
    const exception = new HoneybeeServiceUnavailableException('Later', 7);
    expect(refusalOf(exception)).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      statusCode: 503,
      message: 'Later',
      retryAfterSeconds: 7,
    });
  });
});

describe('isHoneybeeAuthException', () => {
  it('recognises the guard refusals only', () => {
    expect(isHoneybeeAuthException(new HoneybeeBadRequestException('x', realm))).toBe(true);
    expect(isHoneybeeAuthException(new HoneybeeServiceUnavailableException('x'))).toBe(true);
    expect(isHoneybeeAuthException(new Error('x'))).toBe(false);
    expect(isHoneybeeAuthException({ headers: {}, oauthError: 'invalid_token' })).toBe(false);
  });
});
