import fc from 'fast-check';
import { extractBearerToken } from '../../libs/honeybee-auth/src/inbound/bearer-token.extractor.js';
import type { BearerTokenExtractionOptions } from '../../libs/honeybee-auth/src/inbound/bearer-token.extractor.js';
import { adversarialRun } from './support/adversarial-run.js';
import { B64TOKEN, B64_CHARS, bearerCasing } from './support/credentials.js';
import { FUZZ_SEED, fuzzBanner, fuzzParameters, fuzzRuns } from './support/fuzz.js';

/**
 * The Authorization-header parser (`extractBearerToken`, a pure function) under generated
 * input: arbitrary request-shaped junk, well-formed tokens with whitespace and casing games,
 * near-miss schemes, repeated headers, control characters, unicode, huge and empty values, on
 * Express- and Fastify-shaped request objects.
 */
const run = adversarialRun('bearer-extractor');

beforeAll(() => {
  console.log(fuzzBanner('Authorization-header parser'));
  run.fuzzing(FUZZ_SEED, fuzzRuns());
});

/** Runs a property with the fixed seed and counts its runs. */
async function check<T>(property: fc.IPropertyWithHooks<T> | fc.IAsyncPropertyWithHooks<T>) {
  const params = fuzzParameters<T>();
  await fc.assert(property as fc.IAsyncPropertyWithHooks<T>, params);
  run.cases(params.numRuns!);
}

// ---- generators -------------------------------------------------------------------------

/** A well-formed RFC 6750 b64token, up to `max` characters. */
const b64token = (max: number) =>
  fc
    .tuple(
      fc.array(fc.constantFrom(...B64_CHARS), { minLength: 1, maxLength: Math.max(1, max - 2) }),
      fc.constantFrom('', '=', '=='),
    )
    .map(([chars, pad]) => chars.join('') + pad);

/** Random text of every kind: bytes as latin1, full unicode, graphemes, ASCII. */
const anyText = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

/** Schemes that are not `Bearer` (case-insensitively), some of them very close. */
const nearMissScheme = fc.oneof(
  fc.constantFrom(
    'Bearer:',
    'Bearer=',
    'Bear',
    'Bearerr',
    'Beare',
    'BearerBearer',
    'Basic',
    'Token',
    'JWT',
    'MAC',
    'OAuth',
    'Digest',
    '"Bearer"',
    'B\u0435arer', // Cyrillic е
    'ＢＥＡＲＥＲ',
    'Bearer\u00a0',
    'Bearer\u200b',
    'Bearer\u0000',
    'bearer,',
  ),
  anyText.filter(
    (s) => s.trim().length > 0 && !/[ \t]/.test(s) && s.trim().toLowerCase() !== 'bearer',
  ),
);

/** Whitespace a client may put around or between parts (RFC 9110 OWS and friends). */
const ows = fc.constantFrom('', ' ', '  ', '\t', ' \t ');

const options: fc.Arbitrary<BearerTokenExtractionOptions> = fc.record({
  allowTokenInQuery: fc.boolean(),
  allowTokenInBody: fc.boolean(),
  maxTokenLength: fc.integer({ min: 16, max: 300 }),
});

/** An Express- or Fastify-shaped request carrying these raw headers, URL and body. */
function requestOf(
  shape: 'express' | 'fastify',
  raw: [string, string][],
  extra: { url?: string; method?: string; body?: unknown } = {},
): Record<string, unknown> {
  const rawHeaders = raw.flat();
  const headers: Record<string, string> = {};
  for (const [name, value] of raw) headers[name.toLowerCase()] ??= value;
  const url = extra.url ?? '/rx';
  return shape === 'express'
    ? {
        method: extra.method ?? 'GET',
        url,
        originalUrl: url,
        headers,
        rawHeaders,
        body: extra.body,
      }
    : { method: extra.method ?? 'GET', url, headers, body: extra.body, raw: { rawHeaders, url } };
}

const shape = fc.constantFrom<'express' | 'fastify'>('express', 'fastify');
const authName = fc.constantFrom(
  'Authorization',
  'authorization',
  'AUTHORIZATION',
  'aUtHoRiZaTiOn',
);
const otherHeader = fc.tuple(
  fc.constantFrom('Accept', 'X-Authorization', 'Proxy-Authorization', 'Authorisation', 'Cookie'),
  anyText,
);

// ---- properties ---------------------------------------------------------------------------

describe('extractBearerToken (pure, generated input)', () => {
  it('never throws on anything a Node HTTP server hands over, and a token is always a bounded b64token', async () => {
    await check(
      fc.property(
        shape,
        options,
        fc.array(fc.tuple(fc.oneof(authName, anyText), anyText), { maxLength: 6 }),
        fc.oneof(
          anyText.map((s) => `/rx?${s}`),
          fc.constant('/rx'),
        ),
        fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'get'),
        fc.oneof(
          fc.constant(undefined),
          fc.dictionary(
            fc.constantFrom('access_token', 'x'),
            fc.oneof(anyText, fc.array(anyText), fc.anything()),
          ),
          fc.anything(),
        ),
        (sh, opts, raw, url, method, body) => {
          const req = requestOf(sh, raw, { url, method, body });
          (req.headers as Record<string, string>)['content-type'] =
            'application/x-www-form-urlencoded';
          const result = extractBearerToken(req, opts);
          expect(['token', 'none', 'invalid_request']).toContain(result.kind);
          if (result.kind === 'token') {
            expect(result.token).toMatch(B64TOKEN);
            expect(result.token.length).toBeLessThanOrEqual(opts.maxTokenLength);
          }
        },
      ),
    );
  });

  // Regression (found here, fixed in f074be4): a request object whose `headers.authorization`
  // was not a string or string[] (without `rawHeaders`), or whose `rawHeaders` held a
  // non-string, made it throw a TypeError (`values[0].trim is not a function`), a 500 inside
  // ScopesGuard. Node never builds such a request, but a middleware or another adapter can.
  it('never throws on arbitrary request-shaped junk', async () => {
    await check(
      fc.property(
        fc.record(
          {
            method: fc.anything(),
            url: fc.anything(),
            originalUrl: fc.anything(),
            headers: fc.oneof(
              fc.dictionary(
                fc.constantFrom('authorization', 'content-type', 'x'),
                fc.oneof(anyText, fc.array(anyText), fc.anything()),
              ),
              fc.anything(),
            ),
            rawHeaders: fc.oneof(
              fc.array(fc.oneof(anyText, fc.constantFrom('Authorization'), fc.anything())),
              fc.anything(),
            ),
            body: fc.anything(),
            raw: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        options,
        (req, opts) => {
          const result = extractBearerToken(req, opts);
          expect(['token', 'none', 'invalid_request']).toContain(result.kind);
        },
      ),
    );
  });

  it('finds a well-formed token whatever the scheme casing and the whitespace around it', async () => {
    await check(
      fc.property(
        shape,
        options,
        authName,
        bearerCasing,
        fc.constantFrom(' ', '  ', '\t', ' \t'),
        ows,
        ows,
        fc.array(otherHeader, { maxLength: 3 }),
        fc.integer({ min: 1, max: 300 }).chain((n) => b64token(n)),
        (sh, opts, name, scheme, sep, lead, trail, others, token) => {
          fc.pre(token.length <= opts.maxTokenLength);
          const req = requestOf(sh, [...others, [name, `${lead}${scheme}${sep}${token}${trail}`]]);
          const got = extractBearerToken(req, {
            ...opts,
            allowTokenInQuery: false,
            allowTokenInBody: false,
          });
          expect(got).toEqual({ kind: 'token', token, method: 'header' });
        },
      ),
    );
  });

  it('never yields a token for a near-miss scheme, a malformed token or repeated headers', async () => {
    await check(
      fc.property(
        shape,
        options,
        fc.oneof(
          // another scheme (or none): never a token
          fc.tuple(nearMissScheme, fc.constantFrom(' ', '\t'), b64token(40)).map(([s, sep, t]) => ({
            headers: [['Authorization', `${s}${sep}${t}`]] as [string, string][],
            expect: ['none', 'invalid_request'],
          })),
          // Bearer with a token that is not a b64token: invalid_request
          fc
            .tuple(bearerCasing, b64token(20), anyText, b64token(20))
            .filter(([, a, junk, b]) => !B64TOKEN.test(`${a}${junk}${b}`) && !/^[ \t]*$/.test(junk))
            .map(([s, a, junk, b]) => ({
              headers: [['Authorization', `${s} ${a}${junk}${b}`]] as [string, string][],
              expect: ['invalid_request'],
            })),
          // two or three Authorization headers, even identical valid ones: invalid_request
          fc.tuple(fc.integer({ min: 2, max: 3 }), b64token(40), authName).map(([n, t, name]) => ({
            headers: Array.from({ length: n }, (): [string, string] => [name, `Bearer ${t}`]),
            expect: ['invalid_request'],
          })),
          // an empty or blank value, or a bare scheme: invalid_request
          fc
            .tuple(fc.constantFrom('', ' ', '\t'), fc.constantFrom('', 'Bearer', 'bearer '))
            .map(([w, v]) => ({
              headers: [['Authorization', `${w}${v}${w}`]] as [string, string][],
              expect: ['invalid_request'],
            })),
        ),
        (sh, opts, c) => {
          const got = extractBearerToken(requestOf(sh, c.headers), opts);
          expect(c.expect).toContain(got.kind);
        },
      ),
    );
  });

  it('refuses a token over maxTokenLength (and a huge header) without quoting it', async () => {
    await check(
      fc.property(
        shape,
        options,
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom('a', 'Z', '9', '-'),
        (sh, opts, extra, ch) => {
          const token = ch.repeat(opts.maxTokenLength + extra);
          const got = extractBearerToken(
            requestOf(sh, [['Authorization', `Bearer ${token}`]]),
            opts,
          );
          expect(got.kind).toBe('invalid_request');
          if (got.kind === 'invalid_request')
            expect(got.description).not.toContain(token.slice(0, 16));
        },
      ),
    );
  });

  it('descriptions never quote the candidate token', async () => {
    await check(
      fc.property(
        shape,
        options,
        bearerCasing,
        anyText,
        b64token(60),
        (sh, opts, scheme, junk, t) => {
          const candidate = `${t}${junk}${t}`;
          const got = extractBearerToken(
            requestOf(sh, [['Authorization', `${scheme} ${candidate}`]]),
            opts,
          );
          if (got.kind === 'invalid_request' && t.length >= 6) {
            expect(got.description).not.toContain(t);
          }
        },
      ),
    );
  });

  it('query and body tokens count only when enabled, and never together with the header', async () => {
    await check(
      fc.property(
        shape,
        options,
        b64token(40),
        b64token(40),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (sh, opts, a, b, inHeader, inQuery, inBody) => {
          const req = requestOf(sh, inHeader ? [['Authorization', `Bearer ${a}`]] : [], {
            url: inQuery ? `/rx?access_token=${encodeURIComponent(b)}` : '/rx',
            method: 'POST',
            body: inBody ? { access_token: b } : undefined,
          });
          (req.headers as Record<string, string>)['content-type'] =
            'application/x-www-form-urlencoded';
          const got = extractBearerToken(req, opts);
          const methods =
            Number(inHeader) +
            Number(inQuery && opts.allowTokenInQuery) +
            Number(inBody && opts.allowTokenInBody);
          if (methods === 0) expect(got).toEqual({ kind: 'none' });
          else if (methods > 1) expect(got.kind).toBe('invalid_request');
          else expect(got).toMatchObject({ kind: 'token', token: inHeader ? a : b });
        },
      ),
    );
  });
});
