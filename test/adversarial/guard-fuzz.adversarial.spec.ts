import fc from 'fast-check';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { adversarialRun } from './support/adversarial-run.js';
import { FUZZ_SEED, fuzzBanner, fuzzParameters, fuzzRuns } from './support/fuzz.js';
import { PLATFORMS, REALM, startGuardedApp } from './support/guarded-app.js';
import type { GuardedApp, Platform } from './support/guarded-app.js';
import { rawRequest } from './support/http.js';
import type { RawAnswer } from './support/http.js';
import {
  B64TOKEN,
  B64_CHARS,
  b64token,
  bearerCasing,
  issueTokenClasses,
} from './support/credentials.js';
import { leakScanner } from './support/leak-scanner.js';

/**
 * `ScopesGuard` over real HTTP on Express and Fastify, fed generated raw requests written
 * byte for byte to a TCP socket (Node's HTTP client refuses most of them): near-miss schemes,
 * whitespace and casing games, control characters, obs-text, unicode, empty and huge values,
 * repeated and lookalike headers, decoy headers and query tokens. The verifier is token-info on
 * the emulator.
 *
 * Each answer is checked against a model of the documented behaviour (README, inbound answers):
 * - the request never reached Nest (Node's parser refused it): 400 or 431, never a 2xx;
 * - it did: exactly the status the model predicts (200 only for the valid `rx:read` token sent
 *   as the single Authorization header), a correct `WWW-Authenticate`, Nest's JSON body, never
 *   a 5xx (with the verifier down: 503 + `Retry-After` for well-formed tokens, nothing else).
 */
const run = adversarialRun('guard-fuzz');

const PARTNER = 'fuzz-partner';
const APP_ID = 'fuzz-app';
const APP_SECRET = 'fuzz-app-secret-1b2c3d4e5f6a7b8c9d0e';
const MAX_TOKEN = 512;
const RETRY_AFTER = 7;
/** RFC 9110 token characters: what Node's parser accepts in a header name. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Bytes Node's parser refuses in a header value (CTLs except HTAB; CR and LF never generated). */
// eslint-disable-next-line no-control-regex
const BAD_VALUE_BYTE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Node's default `maxHeaderSize`. */
const MAX_HEADER_BYTES = 16 * 1024;
const WEBHOOK_SECRET = 'whsec-fuzz-5b7d9f1a3c5e7a9b1d3f';

const clock = new FakeClock();
let emu: HoneybeeEmulator;
/** Token classes: the only one that may open `/rx` is `valid`. */
const tokens = { valid: '', noScope: '', revoked: '', expired: '' };

beforeAll(async () => {
  console.log(fuzzBanner('ScopesGuard over HTTP'));
  run.fuzzing(FUZZ_SEED, fuzzRuns());
  emu = await HoneybeeEmulator.start({
    clock,
    clients: [
      {
        clientId: PARTNER,
        clientSecret: 'fuzz-partner-secret-0a9b8c7d6e5f',
        scopes: ['rx:read', 'other'],
      },
      { clientId: APP_ID, clientSecret: APP_SECRET, scopes: ['rx:read'] },
      {
        clientId: 'short',
        clientSecret: 'fuzz-short-secret-5e6f7a8b9c0d',
        scopes: ['rx:read'],
        tokenLifetimeSeconds: 2,
      },
    ],
  });
  leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(APP_ID, APP_SECRET);
  leakScanner.watchSecret(WEBHOOK_SECRET, 'webhook secret');
  Object.assign(tokens, await issueTokenClasses(emu, clock, PARTNER, 'short'));
});
afterAll(() => emu.stop());

// ---- generators (every string is a byte string: one char per byte, latin1) -------------------

const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const noCrLf = (s: string) => s.replace(/[\r\n]/g, '');
/** Random bytes: mostly ones Node's parser accepts in a value (HTAB, VCHAR, obs-text), some not. */
const randomBytes = (max: number) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .array(
          fc.oneof(
            fc.constant(9),
            fc.integer({ min: 0x20, max: 0x7e }),
            fc.integer({ min: 0x80, max: 0xff }),
          ),
          {
            maxLength: max,
          },
        )
        .map((b) => Buffer.from(b).toString('latin1')),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: max })
        .map((b) => noCrLf(Buffer.from(b).toString('latin1'))),
    },
  );

const schemeArb = fc.oneof(
  { weight: 5, arbitrary: bearerCasing },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Bearer:',
      'Bear',
      'Bearerr',
      'Basic',
      'Token',
      'JWT',
      'OAuth',
      '"Bearer"',
      utf8('B\u0435arer'),
      utf8('ＢＥＡＲＥＲ'),
      'Bearer\xa0',
      'Bearer,',
      'Bearer\x00',
      '',
    ),
  },
  { weight: 1, arbitrary: randomBytes(12) },
);
/** Control characters Node's parser refuses in a value: rare, so most requests reach Nest. */
const ctl = fc.constantFrom('\x00', '\x0b', '\x7f', '\x1b');
// noBias: fast-check's bias favours the extremes of a oneof, which would make them common.
const sepArb = fc.noBias(
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \t', '', '\xa0', ',', '='),
    },
    { weight: 1, arbitrary: ctl },
  ),
);
const edgeArb = fc.noBias(
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('', '', '', ' ', '\t', '  ', '\xa0', '\x85', ',') },
    { weight: 1, arbitrary: ctl },
  ),
);
const trailArb = fc.oneof(
  { weight: 4, arbitrary: edgeArb },
  { weight: 1, arbitrary: fc.constantFrom(', Bearer x', ' extra', ';', ' Bearer') },
);

/** A candidate token: known tokens, near misses of the valid one, junk, huge, empty. */
const tokenArb = () => {
  const known = fc.constantFrom(tokens.valid, tokens.noScope, tokens.revoked, tokens.expired);
  const mutated = fc
    .tuple(
      fc.constantFrom(
        'insert',
        'delete',
        'replace',
        'case',
        'pad',
        'pct',
        'double',
        'comma',
        'truncate',
        'prefix',
      ),
      fc.nat(),
      fc.constantFrom(...B64_CHARS),
    )
    .map(([how, at, ch]) => {
      const t = tokens.valid;
      const i = at % t.length;
      switch (how) {
        case 'insert':
          return t.slice(0, i) + ch + t.slice(i);
        case 'delete':
          return t.slice(0, i) + t.slice(i + 1);
        case 'replace':
          return t.slice(0, i) + (t[i] === ch ? '_' : ch) + t.slice(i + 1);
        case 'case': {
          const c = t[i];
          const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
          return t.slice(0, i) + (flipped === c ? '~' : flipped) + t.slice(i + 1);
        }
        case 'pad':
          return `${t}=`;
        case 'pct':
          return `${t}%3D`;
        case 'double':
          return `${t} ${t}`;
        case 'comma':
          return `${t},${t}`;
        case 'truncate':
          return t.slice(0, i);
        default:
          return `Bearer ${t}`;
      }
    });
  return fc.oneof(
    { weight: 4, arbitrary: known },
    { weight: 3, arbitrary: mutated },
    { weight: 2, arbitrary: b64token(80) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          MAX_TOKEN - 1,
          MAX_TOKEN,
          MAX_TOKEN + 1,
          MAX_TOKEN + 64,
          MAX_TOKEN + 65,
          4000,
          15_000,
          17_000,
          70_000,
        )
        .map((n) => 'A'.repeat(n)),
    },
    { weight: 1, arbitrary: randomBytes(60) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }).map((s) => noCrLf(utf8(s))),
    },
    { weight: 1, arbitrary: fc.constant('') },
  );
};

const valueArb = () =>
  fc
    .tuple(edgeArb, schemeArb, sepArb, tokenArb(), trailArb)
    .map(([lead, scheme, sep, token, trail]) => `${lead}${scheme}${sep}${token}${trail}`);

const nameArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(fc.boolean(), { minLength: 13, maxLength: 13 })
      .map((u) => [...'authorization'].map((c, i) => (u[i] ? c.toUpperCase() : c)).join('')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'Authorisation',
      'X-Authorization',
      'Proxy-Authorization',
      'Authorization ',
      'Authorization\t',
      'Author ization',
      utf8('Authorizatión'),
      'Authorization:',
    ),
  },
);

/** One generated request: Authorization-ish headers, decoys, an optional query token. */
const requestArb = () =>
  fc.record({
    auth: fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
      { weight: 8, arbitrary: fc.tuple(nameArb, valueArb()).map((h) => [h]) },
      {
        weight: 2,
        arbitrary: fc.array(fc.tuple(nameArb, valueArb()), { minLength: 2, maxLength: 3 }),
      },
    ),
    decoys: fc.subarray([
      ['X-Authorization', 'Bearer VALID'],
      ['Proxy-Authorization', 'Bearer VALID'],
      ['Cookie', 'access_token=VALID'],
      ['X-Forwarded-Authorization', 'Bearer VALID'],
    ] as [string, string][]),
    queryToken: fc.boolean(),
  });

// ---- webhook secret (HoneybeeWebhookGuard) ------------------------------------------------

const secretValueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(WEBHOOK_SECRET) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'prefix',
          'suffix',
          'replace',
          'case',
          'pad',
          'twice',
          'empty',
          'lookalike',
        ),
        fc.nat(),
        fc.constantFrom(...B64_CHARS),
      )
      .map(([how, at, ch]) => {
        const s = WEBHOOK_SECRET;
        const i = at % s.length;
        switch (how) {
          case 'prefix':
            return s.slice(0, i);
          case 'suffix':
            return s + ch;
          case 'replace':
            return s.slice(0, i) + (s[i] === ch ? '!' : ch) + s.slice(i + 1);
          case 'case':
            return s.toUpperCase();
          case 'pad':
            return `${s}\xa0`;
          case 'twice':
            return `${s}, ${s}`;
          case 'empty':
            return '';
          default:
            return utf8(s.replace('e', '\u0435'));
        }
      }),
  },
  { weight: 1, arbitrary: randomBytes(40) },
);
const secretHeaderArb = fc.tuple(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom('X-Honeybee-Secret', 'x-honeybee-secret', 'X-HONEYBEE-SECRET'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('X-Honeybee-Secrets', 'X-Honeybee-Signature', 'Honeybee-Secret'),
    },
  ),
  fc.tuple(edgeArb, secretValueArb, edgeArb).map(([a, v, b]) => `${a}${v}${b}`),
);

// ---- the model --------------------------------------------------------------------------------

interface Prediction {
  /** Node's parser refuses the request: it never reaches Nest. */
  parserRefuses: boolean;
  /** Too close to the parser's header limit to predict which side of it the request falls. */
  uncertain: boolean;
  /** Status the guard answers when it does reach Nest. */
  status: 200 | 400 | 401 | 403 | 503;
  challenge: 'bare' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'none';
}

const JS_TRIM_THEN_BEARER = /^bearer$/i;

function predict(head: string, headers: [string, string][], verifierDown: boolean): Prediction {
  const headBytes = Buffer.byteLength(head, 'latin1');
  // What the server reads from each line `${name}: ${value}`: the name ends at the first colon.
  const parsed = headers.map(([n, v]): [string, string] => {
    const line = `${n}: ${v}`;
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1)];
  });
  const parserRefuses =
    headBytes > MAX_HEADER_BYTES ||
    parsed.some(([n, v]) => !HEADER_NAME.test(n) || BAD_VALUE_BYTE.test(v));
  const uncertain = Math.abs(headBytes - MAX_HEADER_BYTES) < 512;
  const base = { parserRefuses, uncertain };
  const auth = parsed.filter(([n]) => n.toLowerCase() === 'authorization');
  if (auth.length === 0) return { ...base, status: 401, challenge: 'bare' };
  if (auth.length > 1) return { ...base, status: 400, challenge: 'invalid_request' };
  // Node strips SP/HTAB around a value; the guard then trims JS whitespace (incl. U+00A0).
  const value = auth[0][1].trim();
  if (value === '') return { ...base, status: 400, challenge: 'invalid_request' };
  const cut = value.search(/[ \t]/);
  const scheme = cut === -1 ? value : value.slice(0, cut);
  if (!JS_TRIM_THEN_BEARER.test(scheme)) return { ...base, status: 401, challenge: 'bare' };
  const token = cut === -1 ? '' : value.slice(cut).replace(/^[ \t]+/, '');
  if (
    value.length > MAX_TOKEN + 64 ||
    token === '' ||
    token.length > MAX_TOKEN ||
    !B64TOKEN.test(token)
  ) {
    return { ...base, status: 400, challenge: 'invalid_request' };
  }
  if (verifierDown) return { ...base, status: 503, challenge: 'none' };
  if (token === tokens.valid) return { ...base, status: 200, challenge: 'none' };
  if (token === tokens.noScope) return { ...base, status: 403, challenge: 'insufficient_scope' };
  return { ...base, status: 401, challenge: 'invalid_token' };
}

const CHALLENGES: Record<Prediction['challenge'], RegExp> = {
  bare: new RegExp(`^Bearer realm="${REALM}"$`),
  invalid_request: new RegExp(
    `^Bearer realm="${REALM}", error="invalid_request", error_description="[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]+"$`,
  ),
  invalid_token: new RegExp(
    `^Bearer realm="${REALM}", error="invalid_token", error_description="The access token is invalid, expired or revoked"$`,
  ),
  insufficient_scope: new RegExp(
    `^Bearer realm="${REALM}", error="insufficient_scope", error_description="Insufficient scope; this route requires all of: rx:read", scope="rx:read"$`,
  ),
  none: /^$/,
};
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  503: 'Service Unavailable',
};

/** A closed loopback port: connections to it are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- the properties ---------------------------------------------------------------------------

describe.each(PLATFORMS)('ScopesGuard on %s, generated raw requests', (platform: Platform) => {
  const outcomes = new Map<string, number>();
  const tally = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

  afterAll(() => {
    run.note(
      `${platform}: ${[...outcomes]
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
  });

  async function fuzz(app: GuardedApp, verifierDown: boolean, weight: number) {
    await fc.assert(
      fc.asyncProperty(requestArb(), async (r) => {
        const headers: [string, string][] = [
          ...r.auth,
          ...r.decoys.map(([n, v]): [string, string] => [n, v.replace('VALID', tokens.valid)]),
        ];
        const path = r.queryToken ? `/rx?access_token=${tokens.valid}` : '/rx';
        const head =
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n` +
          headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') +
          'Connection: close\r\n\r\n';
        const p = predict(head, headers, verifierDown);
        const before = app.hits();
        const res: RawAnswer = await rawRequest(app.port, Buffer.from(head, 'latin1'));
        const reached = app.hits() > before;

        // Never a server error (503 only by design, with the verifier down), never a crash.
        expect(res.status === 503 && verifierDown ? 200 : res.status).toBeLessThan(500);
        if (!p.uncertain) expect(reached).toBe(!p.parserRefuses);
        if (!reached) {
          // Refused by Node's HTTP parser before any application code ran.
          tally(`parser ${res.status}`);
          expect([0, 400, 431]).toContain(res.status);
          run.attackRejected();
          return;
        }
        tally(`${res.status}${p.challenge === 'none' ? '' : ` ${p.challenge}`}`);
        expect({ status: res.status, challenge: res.headers['www-authenticate'] ?? '' }).toEqual({
          status: p.status,
          challenge: expect.stringMatching(CHALLENGES[p.challenge]),
        });
        if (res.status === 200) {
          expect(res.json).toEqual({ rx: true, clientId: PARTNER });
          return;
        }
        run.attackRejected();
        expect(res.json).toEqual({
          statusCode: res.status,
          error: STATUS_TEXT[res.status],
          message: expect.any(String),
        });
        if (res.status === 503) expect(res.headers['retry-after']).toBe(String(RETRY_AFTER));
      }),
      fuzzParameters(weight),
    );
    run.cases(fuzzRuns(weight));
  }

  /** The guarded app on the token-info verifier at `tokenInfoUrl` (the emulator, or a dead port). */
  const startTokenInfoApp = (tokenInfoUrl: string) =>
    startGuardedApp(platform, {
      clock,
      logger: run.logger,
      options: {
        clientId: APP_ID,
        clientSecret: APP_SECRET,
        tokenUrl: emu.tokenUrl,
        allowInsecureLoopback: true,
        inbound: {
          verifier: 'token-info',
          tokenInfoUrl,
          realm: REALM,
          verifyTimeoutMs: 5000,
          maxTokenLength: MAX_TOKEN,
          retryAfterSeconds: RETRY_AFTER,
        },
      },
    });

  it('verifier up: the model predicts every answer; nothing opens /rx but the valid token', async () => {
    const app = await startTokenInfoApp(emu.tokenInfoUrl);
    try {
      await fuzz(app, false, 1);
    } finally {
      await app.close();
    }
  });

  it('verifier down: well-formed tokens get 503 + Retry-After, everything else is unchanged', async () => {
    const app = await startTokenInfoApp(`http://127.0.0.1:${await deadPort()}/oauth/token/info`);
    try {
      await fuzz(app, true, 0.1);
    } finally {
      await app.close();
    }
  });
  it('webhook guard: only the exact X-Honeybee-Secret opens the webhook route', async () => {
    const app = await startGuardedApp(platform, {
      clock,
      logger: run.logger,
      options: {
        clientId: APP_ID,
        clientSecret: APP_SECRET,
        tokenUrl: emu.tokenUrl,
        allowInsecureLoopback: true,
        webhookSecret: WEBHOOK_SECRET,
      },
    });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(secretHeaderArb, { maxLength: 2 }), async (headers) => {
          const body = '{"event_type":"RX_RECEIVED"}';
          const head =
            `POST /webhooks/honeybee HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\n` +
            headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
          const parserRefuses = headers.some(([, v]) => BAD_VALUE_BYTE.test(v));
          // Node joins repeated headers with ", " after stripping SP/HTAB around each value.
          const joined = headers
            .filter(([n]) => n.toLowerCase() === 'x-honeybee-secret')
            .map(([, v]) => v.replace(/^[ \t]+|[ \t]+$/g, ''))
            .join(', ');
          const before = app.hits();
          const res = await rawRequest(app.port, Buffer.from(head, 'latin1'));
          const reached = app.hits() > before;
          expect(reached).toBe(!parserRefuses);
          if (!reached) {
            expect([0, 400]).toContain(res.status);
          } else if (joined === WEBHOOK_SECRET) {
            expect(res.status).toBe(200);
          } else {
            expect(res.status).toBe(401);
            expect(res.json).toEqual({
              statusCode: 401,
              error: 'Unauthorized',
              message: expect.stringMatching(/X-Honeybee-Secret header$/),
            });
            run.attackRejected();
          }
          expect(res.body).not.toContain(WEBHOOK_SECRET);
        }),
        fuzzParameters(0.2),
      );
      run.cases(fuzzRuns(0.2));
    } finally {
      await app.close();
    }
  });
});
