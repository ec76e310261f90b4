import fc from 'fast-check';
import { HoneybeeEmulator } from 'honeybee-emulator';
import type { Fault } from 'honeybee-emulator';
import type { HoneybeeAuthModuleOptions, HoneybeeInboundOptions } from 'nestjs-honeybee-auth';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { ENTRY_POINTS, startEntryPoint } from '../fixtures/contexts/entry-points.js';
import type {
  EntryPoint,
  EntryPointName,
  Outcome,
  RefusalCode,
} from '../fixtures/contexts/entry-points.js';
import { connect, startWebSocketApp } from '../fixtures/contexts/websocket-app.js';
import { adversarialRun } from './support/adversarial-run.js';
import { FUZZ_SEED, fuzzBanner, fuzzParameters, fuzzRuns } from './support/fuzz.js';
import {
  B64TOKEN,
  B64_CHARS,
  b64token,
  bearerCasing,
  issueTokenClasses,
} from './support/credentials.js';
import { leakScanner } from './support/leak-scanner.js';

/**
 * `ScopesGuard` outside HTTP: GraphQL over HTTP (Apollo, Mercurius), graphql-ws
 * `connectionParams`, socket.io and ws handshakes (and socket.io's `auth.token`), TCP packet
 * metadata and gRPC call metadata, fed generated credential values: near-miss schemes,
 * whitespace and casing games, unicode, control characters, empty and huge values, mutated
 * tokens, and (where the transport carries JSON) numbers, objects, arrays and nulls.
 *
 * Each answer is checked against a model of the documented behaviour (docs/contexts.md): only
 * the valid token reaches the handler, every refusal has the documented code, and with the
 * verifier down (several faults) every well-formed token gets SERVICE_UNAVAILABLE with a retry
 * hint, then the same app lets the valid token in once the fault is gone. Every answer goes to
 * the leak scanner; the environment counts unhandled rejections and uncaught exceptions.
 */
const run = adversarialRun('contexts');

const APP_ID = 'ctx-app';
const APP_SECRET = 'ctx-app-secret-7e8f9a0b1c2d3e4f5a6b';
const PARTNER = 'ctx-partner';
const MAX_TOKEN = 256;
const RETRY_AFTER = 6;

const clock = new FakeClock();
let emu: HoneybeeEmulator;
const tokens = { valid: '', noScope: '', revoked: '', expired: '' };

beforeAll(async () => {
  console.log(fuzzBanner('ScopesGuard on GraphQL, WebSockets and microservices'));
  run.fuzzing(FUZZ_SEED, fuzzRuns(CASE_WEIGHT));
  emu = await HoneybeeEmulator.start({
    clock,
    clients: [
      {
        clientId: PARTNER,
        clientSecret: 'ctx-partner-secret-3c4d5e6f7a8b9c0d',
        scopes: ['rx:read', 'other'],
      },
      { clientId: APP_ID, clientSecret: APP_SECRET, scopes: ['rx:read'] },
      {
        clientId: 'short',
        clientSecret: 'ctx-short-secret-9a8b7c6d5e4f3a2b',
        scopes: ['rx:read'],
        tokenLifetimeSeconds: 2,
      },
    ],
  });
  leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(APP_ID, APP_SECRET);
  Object.assign(tokens, await issueTokenClasses(emu, clock, PARTNER, 'short'));
});
afterAll(() => emu.stop());

/** Generated cases per entry point, as a share of HONEYBEE_FUZZ_RUNS (each is a real call). */
const CASE_WEIGHT = 0.08;

function moduleOptions(inbound: HoneybeeInboundOptions = {}): HoneybeeAuthModuleOptions {
  return {
    clientId: APP_ID,
    clientSecret: APP_SECRET,
    tokenUrl: emu.tokenUrl,
    allowInsecureLoopback: true,
    inbound: {
      tokenInfoUrl: emu.tokenInfoUrl,
      verifyTimeoutMs: 250,
      retryAfterSeconds: RETRY_AFTER,
      maxTokenLength: MAX_TOKEN,
      // Every call verifies: the model does not depend on what an earlier case cached.
      cache: { maxAgeSeconds: 0, negativeTtlSeconds: 0 },
      ...inbound,
    },
  };
}

// ---- generators -------------------------------------------------------------------------------

/** The characters a value may have on each kind of transport. */
type Alphabet = 'header' | 'grpc' | 'json';

const charArb = (alphabet: Alphabet) => {
  switch (alphabet) {
    // What Node's HTTP clients send in a header: HTAB, VCHAR, obs-text.
    case 'header':
      return fc.oneof(
        fc.constant('\t'),
        fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
      );
    // grpc-js accepts printable ASCII only in a text metadata value.
    case 'grpc':
      return fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
    // JSON carries any string.
    default:
      return fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
  }
};
const junk = (alphabet: Alphabet, max: number) =>
  fc.array(charArb(alphabet), { maxLength: max }).map((c) => c.join(''));
/** A token candidate: known tokens, near misses of the valid one, junk, huge, empty. */
const tokenArb = (alphabet: Alphabet) => {
  const known = fc.constantFrom(tokens.valid, tokens.noScope, tokens.revoked, tokens.expired);
  const mutated = fc
    .tuple(
      fc.constantFrom('insert', 'delete', 'replace', 'truncate', 'double', 'comma', 'pad'),
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
        case 'truncate':
          return t.slice(0, i);
        case 'double':
          return `${t} ${t}`;
        case 'comma':
          return `${t},${t}`;
        default:
          return `${t}=`;
      }
    });
  return fc.oneof(
    { weight: 4, arbitrary: known },
    { weight: 3, arbitrary: mutated },
    { weight: 2, arbitrary: b64token(60) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(MAX_TOKEN - 1, MAX_TOKEN, MAX_TOKEN + 1, MAX_TOKEN + 65, 5000)
        .map((n) => 'A'.repeat(n)),
    },
    { weight: 1, arbitrary: junk(alphabet, 30) },
    { weight: 1, arbitrary: fc.constant('') },
  );
};

/** An `Authorization` value: `<lead><scheme><sep><token><trail>`. */
const authorizationArb = (alphabet: Alphabet) => {
  const edge = fc.constantFrom(
    '',
    '',
    '',
    '',
    '',
    ' ',
    '  ',
    ...(alphabet === 'grpc' ? [] : ['\t']),
  );
  const scheme = fc.oneof(
    { weight: 6, arbitrary: bearerCasing },
    {
      weight: 2,
      arbitrary: fc.constantFrom('Basic', 'Bearer:', 'Bearerr', 'Token', 'JWT', '"Bearer"', ''),
    },
    { weight: 1, arbitrary: junk(alphabet, 8) },
  );
  const sep = fc.constantFrom(' ', ' ', ' ', '  ', '', ',', ...(alphabet === 'grpc' ? [] : ['\t']));
  return fc
    .tuple(edge, scheme, sep, tokenArb(alphabet), edge)
    .map(([lead, s, p, t, trail]) => `${lead}${s}${p}${t}${trail}`);
};

/** A JSON-carried value: mostly an `Authorization` string, sometimes anything JSON can hold. */
const jsonValueArb = () =>
  fc.oneof(
    { weight: 8, arbitrary: authorizationArb('json') },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant(null),
        fc.integer(),
        fc.boolean(),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
        fc.array(authorizationArb('json'), { maxLength: 2 }),
      ),
    },
  );

// ---- the model --------------------------------------------------------------------------------

type Expected = 'ok' | RefusalCode;

/** What the guard answers for one checked token. */
function verdict(token: string, down: boolean): Expected {
  if (down) return 'SERVICE_UNAVAILABLE';
  if (token === tokens.valid) return 'ok';
  if (token === tokens.noScope) return 'FORBIDDEN';
  return 'UNAUTHENTICATED';
}

function tokenProblem(token: string): boolean {
  return token === '' || token.length > MAX_TOKEN || !B64TOKEN.test(token);
}

/** RFC 6750 §2.1 read of one `Authorization` value (documented in the README). */
function predictAuthorization(raw: string, down: boolean): Expected {
  const value = raw.trim();
  if (value === '') return 'BAD_REQUEST';
  const cut = value.search(/[ \t]/);
  const scheme = cut === -1 ? value : value.slice(0, cut);
  if (scheme.toLowerCase() !== 'bearer') return 'UNAUTHENTICATED';
  if (value.length > MAX_TOKEN + 64) return 'BAD_REQUEST';
  const token = cut === -1 ? '' : value.slice(cut).replace(/^[ \t]+/, '');
  return tokenProblem(token) ? 'BAD_REQUEST' : verdict(token, down);
}

/** A JSON-carried `authorization` entry: absent, one string, or refused. */
function predictJson(value: unknown, down: boolean): Expected {
  const wire = JSON.parse(JSON.stringify({ value }) ?? '{}').value as unknown;
  if (wire === undefined) return 'UNAUTHENTICATED';
  const entries = Array.isArray(wire) ? wire : [wire];
  if (entries.length === 0) return 'UNAUTHENTICATED';
  if (entries.length > 1 || typeof entries[0] !== 'string') return 'BAD_REQUEST';
  return predictAuthorization(entries[0], down);
}

/** socket.io's `auth.token`: a bare token, or `Bearer <token>`. */
function predictAuthToken(value: unknown, down: boolean): Expected {
  const wire = JSON.parse(JSON.stringify({ value }) ?? '{}').value as unknown;
  if (wire === undefined || wire === null) return 'UNAUTHENTICATED';
  if (typeof wire !== 'string') return 'BAD_REQUEST';
  if (/^bearer[ \t]/i.test(wire)) return predictAuthorization(wire, down);
  return tokenProblem(wire) ? 'BAD_REQUEST' : verdict(wire, down);
}

// ---- the entry points -------------------------------------------------------------------------

/** Where each entry point carries the value, and so what it may hold. */
const CARRIER: Record<EntryPointName, Alphabet> = {
  'graphql apollo': 'header',
  'graphql mercurius': 'header',
  'graphql-ws': 'json',
  'socket.io': 'header',
  ws: 'header',
  tcp: 'json',
  grpc: 'grpc',
};

/** socket.io with `auth.token` enabled, called with the token there (and no header). */
async function startAuthTokenEntryPoint(): Promise<EntryPoint> {
  const { app, url } = await startWebSocketApp(
    'socket.io',
    moduleOptions({ webSockets: { allowTokenInAuth: true } }),
    { clock, logger: run.logger },
  );
  return {
    name: 'socket.io',
    async call(_handler, token) {
      const connection = await connect('socket.io', url, { auth: { token } });
      try {
        const delivery = await connection.send('rx.list');
        const data = delivery.data as Record<string, unknown>;
        return delivery.kind === 'reply'
          ? { clientId: data.clientId as string, raw: connection.received.join('\n') }
          : {
              code: data.code as RefusalCode,
              retryAfterSeconds: data.retryAfterSeconds as number | undefined,
              raw: connection.received.join('\n'),
            };
      } finally {
        connection.close();
      }
    },
    close: () => app.close(),
  };
}

const FAULTS: [string, Fault][] = [
  ['503', { status: 503 }],
  ['a dropped connection', { dropConnection: true }],
  ['a malformed JSON body', { malformedBody: true }],
  ['slower than verifyTimeoutMs', { delayMs: 600 }],
];

/** Checks one outcome against the prediction and feeds the leak scanner. */
function check(outcome: Outcome, expected: Expected): void {
  leakScanner.response(0, {}, outcome.raw);
  if (expected === 'ok') {
    expect({ clientId: outcome.clientId, code: outcome.code }).toEqual({
      clientId: PARTNER,
      code: undefined,
    });
    return;
  }
  expect({ clientId: outcome.clientId, code: outcome.code }).toEqual({
    clientId: undefined,
    code: expected,
  });
  if (expected === 'SERVICE_UNAVAILABLE') {
    expect(outcome.retryAfterSeconds).toBe(RETRY_AFTER);
    run.faultSurvived();
  } else {
    run.attackRejected();
  }
}

const ALL: (EntryPointName | 'socket.io auth.token')[] = [...ENTRY_POINTS, 'socket.io auth.token'];

describe.each(ALL)('%s, generated credentials', (name) => {
  let entry: EntryPoint;
  const outcomes = new Map<string, number>();
  const tally = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  const authToken = name === 'socket.io auth.token';
  const alphabet: Alphabet = authToken ? 'json' : CARRIER[name as EntryPointName];
  // Built per test: the known tokens exist only once beforeAll ran.
  const valueArb = () => (alphabet === 'json' ? jsonValueArb() : authorizationArb(alphabet));
  const predict = (value: unknown, down: boolean): Expected => {
    if (authToken) return predictAuthToken(value, down);
    if (alphabet === 'json') return predictJson(value, down);
    // HTTP/2 forbids leading and trailing whitespace in a field value: gRPC never delivers
    // such an `authorization`, so the server sees none.
    if (alphabet === 'grpc' && /^ | $/.test(value as string)) return 'UNAUTHENTICATED';
    return predictAuthorization(value as string, down);
  };

  beforeAll(async () => {
    entry = authToken
      ? await startAuthTokenEntryPoint()
      : await startEntryPoint(name as EntryPointName, moduleOptions(), {
          clock,
          logger: run.logger,
        });
  });
  afterAll(async () => {
    await entry.close();
    run.note(
      `${name}: ${[...outcomes]
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
  });

  it('verifier up: the model predicts every answer; only the valid token gets in', async () => {
    await fc.assert(
      fc.asyncProperty(valueArb(), async (value) => {
        const expected = predict(value, false);
        tally(expected);
        check(await entry.call('read', value), expected);
      }),
      fuzzParameters(CASE_WEIGHT),
    );
    run.cases(fuzzRuns(CASE_WEIGHT));
  });

  it.each(FAULTS)(
    'verifier down (%s): SERVICE_UNAVAILABLE for well-formed tokens, then the same app recovers',
    async (_what, fault) => {
      const wellFormed = (t: string) => (authToken ? t : `Bearer ${t}`);
      const handle = emu.injectFault('tokenInfo', fault);
      try {
        await fc.assert(
          fc.asyncProperty(valueArb(), async (value) => {
            const expected = predict(value, true);
            check(await entry.call('read', value), expected);
          }),
          fuzzParameters(CASE_WEIGHT / 8),
        );
        for (const token of [tokens.valid, tokens.noScope, tokens.revoked]) {
          check(await entry.call('read', wellFormed(token)), 'SERVICE_UNAVAILABLE');
        }
        run.cases(fuzzRuns(CASE_WEIGHT / 8) + 3);
      } finally {
        handle.clear();
      }
      check(await entry.call('read', wellFormed(tokens.valid)), 'ok');
    },
  );
});
