import fc from 'fast-check';
import { extractBearerToken } from './bearer-token.extractor.js';
import type { BearerTokenExtractionOptions } from './bearer-token.extractor.js';

const defaults: BearerTokenExtractionOptions = {
  allowTokenInQuery: false,
  allowTokenInBody: false,
  maxTokenLength: 64,
};

interface Shape {
  method?: string;
  url?: string;
  headers?: [string, string][];
  body?: unknown;
}

/** An Express-like request: an IncomingMessage with `rawHeaders`, `originalUrl`, parsed `body`. */
function express({ method = 'GET', url = '/', headers = [], body }: Shape) {
  return {
    method,
    url,
    originalUrl: url,
    rawHeaders: headers.flat(),
    headers: Object.fromEntries(headers.map(([k, v]) => [k.toLowerCase(), v])),
    body,
  };
}

/** A Fastify-like request: `headers`, `url`, `body`, and the Node request as `raw`. */
function fastify({ method = 'GET', url = '/', headers = [], body }: Shape) {
  return {
    method,
    url,
    headers: Object.fromEntries(headers.map(([k, v]) => [k.toLowerCase(), v])),
    body,
    raw: { url, rawHeaders: headers.flat() },
  };
}

describe.each([
  ['Express', express],
  ['Fastify', fastify],
])('extractBearerToken (%s request)', (_name, make) => {
  const extract = (shape: Shape, options: Partial<BearerTokenExtractionOptions> = {}) =>
    extractBearerToken(make(shape), { ...defaults, ...options });
  const auth = (value: string): [string, string][] => [['Authorization', value]];

  it('takes the token of an Authorization: Bearer header', () => {
    expect(extract({ headers: auth('Bearer abc.DEF-123_~+/==') })).toEqual({
      kind: 'token',
      token: 'abc.DEF-123_~+/==',
      method: 'header',
    });
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme spelt %s', (scheme) => {
    expect(extract({ headers: auth(`${scheme} tok`) })).toMatchObject({
      kind: 'token',
      token: 'tok',
    });
  });

  it('tolerates several spaces between scheme and token', () => {
    expect(extract({ headers: auth('Bearer    tok') })).toMatchObject({ token: 'tok' });
  });

  it('finds the header whatever the case of its name', () => {
    expect(extract({ headers: [['AUTHORIZATION', 'Bearer tok']] })).toMatchObject({ token: 'tok' });
  });

  it('reports no credentials without an Authorization header', () => {
    expect(extract({})).toEqual({ kind: 'none' });
  });

  it.each(['Basic dXNlcjpwYXNz', 'Digest username="x"', 'Bearerx tok', 'Token tok'])(
    'reports no Bearer credentials for another scheme: %s',
    (value) => {
      expect(extract({ headers: auth(value) })).toEqual({ kind: 'none' });
    },
  );

  it.each([
    ['Bearer', 'empty'],
    ['Bearer ', 'empty'],
    ['', 'empty'],
    ['Bearer a b', 'more than one'],
    ['Bearer a,b', 'malformed'],
    ['Bearer a=b', 'malformed'],
    ['Bearer "tok"', 'malformed'],
    ['Bearer tök', 'malformed'],
    ['Bearer =abc', 'malformed'],
  ])('refuses %j as invalid_request (%s)', (value, why) => {
    const result = extract({ headers: auth(value) });
    expect(result.kind).toBe('invalid_request');
    expect(result).toMatchObject({ description: expect.stringContaining(why) });
  });

  it('refuses several Authorization headers', () => {
    const result = extract({
      headers: [
        ['Authorization', 'Bearer one'],
        ['authorization', 'Bearer two'],
      ],
    });
    expect(result).toMatchObject({
      kind: 'invalid_request',
      description: expect.stringContaining('several'),
    });
  });

  it('refuses a token longer than maxTokenLength, and an oversized header, without quoting it', () => {
    const long = 'a'.repeat(65);
    expect(extract({ headers: auth(`Bearer ${long}`) })).toMatchObject({ kind: 'invalid_request' });
    expect(extract({ headers: auth(`Bearer ${'a'.repeat(64)}`) })).toMatchObject({ kind: 'token' });
    const huge = extract({ headers: auth(`Bearer ${'b'.repeat(100_000)}`) });
    expect(huge).toMatchObject({ kind: 'invalid_request' });
    expect(JSON.stringify(huge)).not.toContain('bbbb');
  });

  it('never quotes the token in a description', () => {
    const result = extract({ headers: auth('Bearer secret-token,x') });
    expect(JSON.stringify(result)).not.toContain('secret-token');
  });

  describe('query (RFC 6750 §2.3)', () => {
    it('is ignored unless allowTokenInQuery', () => {
      expect(extract({ url: '/r?access_token=tok' })).toEqual({ kind: 'none' });
    });

    it('is used with allowTokenInQuery', () => {
      expect(extract({ url: '/r?a=1&access_token=tok' }, { allowTokenInQuery: true })).toEqual({
        kind: 'token',
        token: 'tok',
        method: 'query',
      });
    });

    it('refuses a repeated access_token', () => {
      expect(
        extract({ url: '/r?access_token=a&access_token=b' }, { allowTokenInQuery: true }),
      ).toMatchObject({ kind: 'invalid_request' });
    });

    it('refuses an empty access_token', () => {
      expect(extract({ url: '/r?access_token=' }, { allowTokenInQuery: true })).toMatchObject({
        kind: 'invalid_request',
      });
    });

    it('refuses a token in the header and the query', () => {
      const result = extract(
        { url: '/r?access_token=tok', headers: auth('Bearer tok') },
        { allowTokenInQuery: true },
      );
      expect(result).toMatchObject({
        kind: 'invalid_request',
        description: expect.stringContaining('more than one method'),
      });
    });

    it('uses the query token next to a Basic header (not Bearer credentials)', () => {
      expect(
        extract(
          { url: '/r?access_token=tok', headers: auth('Basic eDp5') },
          { allowTokenInQuery: true },
        ),
      ).toMatchObject({ kind: 'token', method: 'query' });
    });
  });

  describe('body (RFC 6750 §2.2)', () => {
    const form: [string, string][] = [
      ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
    ];

    it('is ignored unless allowTokenInBody', () => {
      expect(extract({ method: 'POST', headers: form, body: { access_token: 'tok' } })).toEqual({
        kind: 'none',
      });
    });

    it('is used in a form-encoded POST with allowTokenInBody', () => {
      expect(
        extract(
          { method: 'POST', headers: form, body: { access_token: 'tok' } },
          { allowTokenInBody: true },
        ),
      ).toEqual({ kind: 'token', token: 'tok', method: 'body' });
    });

    it('is ignored in a JSON body or a GET', () => {
      const json: [string, string][] = [['Content-Type', 'application/json']];
      const on = { allowTokenInBody: true };
      expect(extract({ method: 'POST', headers: json, body: { access_token: 'tok' } }, on)).toEqual(
        {
          kind: 'none',
        },
      );
      expect(extract({ method: 'GET', headers: form, body: { access_token: 'tok' } }, on)).toEqual({
        kind: 'none',
      });
    });

    it('refuses repeated or structured access_token fields', () => {
      const on = { allowTokenInBody: true };
      expect(
        extract({ method: 'POST', headers: form, body: { access_token: ['a', 'b'] } }, on),
      ).toMatchObject({ kind: 'invalid_request' });
      expect(
        extract({ method: 'POST', headers: form, body: { access_token: { a: 'b' } } }, on),
      ).toMatchObject({ kind: 'invalid_request' });
    });

    it('refuses a token in the header and the body', () => {
      expect(
        extract(
          {
            method: 'POST',
            headers: [...form, ...auth('Bearer tok')],
            body: { access_token: 'tok' },
          },
          { allowTokenInBody: true },
        ),
      ).toMatchObject({ kind: 'invalid_request' });
    });
  });

  it('extracts every valid b64token unchanged (property)', () => {
    const b64char = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/'.split(''),
    );
    const token = fc
      .tuple(fc.string({ unit: b64char, minLength: 1, maxLength: 60 }), fc.nat({ max: 3 }))
      .map(([body, pad]) => body + '='.repeat(pad));
    fc.assert(
      fc.property(token, (t) => {
        const result = extract({ headers: auth(`Bearer ${t}`) });
        return result.kind === 'token' && result.token === t;
      }),
    );
  });

  it('never throws on arbitrary header values (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        const result = extract({ headers: auth(value) });
        return ['token', 'none', 'invalid_request'].includes(result.kind);
      }),
    );
  });
});

it('reads headers without rawHeaders (a bare object)', () => {
  expect(extractBearerToken({ headers: { authorization: 'Bearer tok' } }, defaults)).toMatchObject({
    token: 'tok',
  });
  expect(extractBearerToken(undefined, defaults)).toEqual({ kind: 'none' });
});

describe('extractBearerToken on request objects no Node server builds', () => {
  it.each([
    ['a numeric Authorization header', { headers: { authorization: 42 } }],
    ['an object Authorization header', { headers: { authorization: { bearer: 'x' } } }],
    ['a non-string raw header', { rawHeaders: ['Authorization', 7], headers: {} }],
    [
      'headers that throw when read',
      {
        get headers() {
          throw new Error('boom');
        },
      },
    ],
  ])('answers invalid_request, never throws, for %s', (_name, request) => {
    expect(extractBearerToken(request, defaults)).toEqual({
      kind: 'invalid_request',
      description: 'The request credentials are malformed',
    });
  });
});
