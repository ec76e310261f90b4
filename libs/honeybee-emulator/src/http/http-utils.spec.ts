import {
  acceptsJson,
  ifNoneMatchMatches,
  parseBasicAuth,
  parseParams,
  presentedBearerToken,
  requestIdFor,
} from './http-utils.js';

describe('parseBasicAuth', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('splits at the first colon and keeps the rest verbatim (no URL-decoding)', () => {
    expect(parseBasicAuth(`Basic ${b64('app:p%40ss:word')}`)).toEqual({
      clientId: 'app',
      clientSecret: 'p%40ss:word',
    });
    expect(parseBasicAuth(`basic ${b64('app:')}`)).toEqual({ clientId: 'app', clientSecret: '' });
    // Doorkeeper before 5.9.0 knows only `Basic`.
    expect(parseBasicAuth(`basic ${b64('app:')}`, false)).toBeUndefined();
    expect(parseBasicAuth(`Basic ${b64('app:x')}`, false)).toEqual({
      clientId: 'app',
      clientSecret: 'x',
    });
    expect(parseBasicAuth(`Basic ${b64('app')}`)).toEqual({ clientId: 'app', clientSecret: '' });
  });

  it('ignores non-Basic schemes and blank user parts', () => {
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
    expect(parseBasicAuth(`Basic ${b64(':secret')}`)).toBeUndefined();
    expect(parseBasicAuth('Basic ')).toBeUndefined();
  });
});

describe('parseParams', () => {
  it('reads form bodies, the last repeated field winning', () => {
    expect(
      parseParams('application/x-www-form-urlencoded; charset=utf-8', Buffer.from('a=1&b=x+y&a=2')),
    ).toEqual({
      ok: true,
      params: { a: '2', b: 'x y' },
      bodyParams: { a: '2', b: 'x y' },
    });
  });

  it('merges the query string under the body, as Rails params does', () => {
    const query = new URLSearchParams('a=q&c=3');
    expect(
      parseParams('application/x-www-form-urlencoded', Buffer.from('a=body&b=2'), query),
    ).toEqual({
      ok: true,
      params: { a: 'body', b: '2', c: '3' },
      bodyParams: { a: 'body', b: '2' },
    });
  });

  it('reads JSON objects, keeping scalar fields as strings', () => {
    expect(parseParams('application/json', Buffer.from('{"a":"x","n":1,"o":{"k":1}}'))).toEqual({
      ok: true,
      params: { a: 'x', n: '1' },
      bodyParams: { a: 'x', n: '1' },
    });
  });

  it('refuses malformed JSON, reads nothing from non-object JSON or other content types', () => {
    const none = { ok: true, params: {}, bodyParams: {} };
    expect(parseParams('application/json', Buffer.from('{'))).toMatchObject({ ok: false });
    expect(parseParams('application/json', Buffer.from('[]'))).toEqual(none);
    expect(parseParams('text/plain', Buffer.from('a=1'))).toEqual(none);
    expect(parseParams(undefined, Buffer.from('a=1'))).toEqual(none);
  });
});

describe('acceptsJson', () => {
  it.each([
    ['application/json', 'strict', true],
    ['application/json; charset=utf-8', 'strict', true],
    ['text/html;q=0.9, application/json', 'strict', true],
    ['application/json;q=0', 'strict', false],
    ['*/*', 'strict', false],
    [undefined, 'strict', false],
    ['text/plain', 'lenient', false],
    ['*/*', 'lenient', true],
    ['application/*', 'lenient', true],
    [undefined, 'lenient', true],
  ] as const)('%p under %s → %p', (accept, policy, expected) => {
    expect(acceptsJson(accept, policy)).toBe(expected);
  });
});

describe('ifNoneMatchMatches', () => {
  it('compares weakly and understands lists and *', () => {
    expect(ifNoneMatchMatches('W/"abc"', 'W/"abc"')).toBe(true);
    expect(ifNoneMatchMatches('"abc"', 'W/"abc"')).toBe(true);
    expect(ifNoneMatchMatches('"x", W/"abc"', 'W/"abc"')).toBe(true);
    expect(ifNoneMatchMatches('*', 'W/"abc"')).toBe(true);
    expect(ifNoneMatchMatches('"abd"', 'W/"abc"')).toBe(false);
    expect(ifNoneMatchMatches(undefined, 'W/"abc"')).toBe(false);
  });
});

describe('requestIdFor', () => {
  it('keeps a sane incoming id, strips odd characters, and otherwise makes a UUID', () => {
    expect(requestIdFor('abc-123_x')).toBe('abc-123_x');
    expect(requestIdFor('a b"c<')).toBe('abc');
    expect(requestIdFor(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor('!!!')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor('x'.repeat(300))).toHaveLength(255);
  });
});

describe('presentedBearerToken', () => {
  const url = new URL('http://h/x?access_token=fromquery');
  it('prefers the Authorization header, then the access_token query parameter', () => {
    expect(presentedBearerToken({ authorization: 'Bearer abc' }, url)).toBe('abc');
    expect(presentedBearerToken({ authorization: 'bearer  abc ' }, url)).toBe('abc');
    expect(presentedBearerToken({}, url)).toBe('fromquery');
    expect(presentedBearerToken({}, new URL('http://h/x'))).toBeUndefined();
    expect(
      presentedBearerToken({ authorization: 'Bearer ' }, new URL('http://h/x')),
    ).toBeUndefined();
  });
});
