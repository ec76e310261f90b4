import { Agent } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import {
  CompactSign,
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
} from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { FakeClock } from '../../libs/honeybee-auth/src/testing/fake-clock.js';
import { adversarialRun } from './support/adversarial-run.js';
import { AttackerServer } from './support/attacker-server.js';
import { PLATFORMS, REALM, startGuardedApp } from './support/guarded-app.js';
import type { GuardedApp, Platform } from './support/guarded-app.js';
import { httpCall, rawRequest } from './support/http.js';
import { leakScanner } from './support/leak-scanner.js';

/**
 * Attacks on the `jwt` verifier: the emulator in JWT mode (RS256) is the issuer, `jose` and
 * `node:crypto` craft the forgeries. Every forged, expired, mis-addressed or malformed token is
 * answered 401 `invalid_token`; 403 only where the token is genuine and valid but lacks the
 * route's scope (marked `403` below); 400 where the documented extraction rules refuse it before
 * any verification (a token over `maxTokenLength`). Header tricks (`jwk`, `jku`, `x5u`, `x5c`)
 * are ignored: the attacker's key server is never contacted.
 */
const run = adversarialRun('jwt-attacks');

const PARTNER = 'jwt-partner';
const APP_ID = 'jwt-app';
const APP_SECRET = 'jwt-app-secret-6c5d4e3f2a1b0c9d8e7f';
const MAX_TOKEN = 8192;

const clock = new FakeClock();
let emu: HoneybeeEmulator;
let attacker: AttackerServer;
let trustedIssuer: AttackerServer;
let attackerKey: { privateKey: CryptoKey; jwk: JWK };
let ownKey: { privateKey: CryptoKey; jwk: JWK };

const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(clock.now() / 1000);

async function keyPair(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk: { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256' } };
}

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clock,
    jwt: { algorithm: 'RS256' },
    clients: [
      {
        clientId: PARTNER,
        clientSecret: 'jwt-partner-secret-9f8e7d6c5b4a',
        scopes: ['rx:read', 'admin'],
      },
      { clientId: APP_ID, clientSecret: APP_SECRET, scopes: ['rx:read'] },
    ],
  });
  leakScanner.watchEmulator(emu);
  leakScanner.watchClientSecret(APP_ID, APP_SECRET);
  attackerKey = await keyPair();
  ownKey = await keyPair();
  attacker = await AttackerServer.start();
  attacker.respond = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [attackerKey.jwk] }));
  };
  // A second issuer whose private key the test holds, for attacks that need a genuine signature
  // on a header jose refuses to sign through the emulator (an unknown `crit` extension).
  trustedIssuer = await AttackerServer.start();
  trustedIssuer.respond = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [ownKey.jwk] }));
  };
});

afterAll(async () => {
  await Promise.all([emu.stop(), attacker.stop(), trustedIssuer.stop()]);
});

/** A genuine emulator-signed JWT; every token a test makes is watched by the leak scanner. */
async function genuine(
  claims: Record<string, unknown>,
  options: Parameters<HoneybeeEmulator['signJwt']>[1] = {},
): Promise<string> {
  const token = await emu.signJwt({ client_id: PARTNER, sub: PARTNER, ...claims }, options);
  leakScanner.watchToken(token, 'minted JWT');
  return token;
}
const minted = (token: string) => {
  leakScanner.watchToken(token, 'minted JWT');
  return token;
};
const claimsOf = (extra: Record<string, unknown> = {}) => ({
  iss: emu.issuer,
  aud: 'honeybee-partners',
  iat: now(),
  exp: now() + 3600,
  client_id: PARTNER,
  scope: 'rx:read admin',
  ...extra,
});
const currentKid = () => emu.currentKid();
async function currentPublicJwk(): Promise<JWK> {
  const kid = await currentKid();
  return (await emu.getJwks()).keys.find((k) => k.kid === kid)!;
}
const hmac = (alg: 'sha256' | 'sha512', input: string, secret: string | Buffer) =>
  createHmac(alg, secret).update(input).digest('base64url');

/** One attack: the token, the route it targets and the answer it must get. */
interface Attack {
  name: string;
  route: '/rx' | '/admin';
  expected: 400 | 401 | 403;
  make: () => Promise<string>;
  /** The attacker's key server must see no request. */
  attackerUntouched?: boolean;
  /** Verify with the test's own issuer (genuine signatures on headers jose won't sign). */
  ownIssuer?: boolean;
}

const attacks: Attack[] = [
  {
    name: 'alg: none (the emulator’s unsecured token, current kid)',
    route: '/rx',
    expected: 401,
    make: async () =>
      genuine({ scope: 'rx:read' }, { unsecured: true, header: { kid: await currentKid() } }),
  },
  ...['None', 'NONE', 'nOnE'].map((alg): Attack => ({
    name: `alg: ${alg} with an empty signature`,
    route: '/rx',
    expected: 401,
    make: async () =>
      minted(`${b64url({ alg, typ: 'JWT', kid: await currentKid() })}.${b64url(claimsOf())}.`),
  })),
  {
    name: 'alg: none with the signature of a genuine token kept',
    route: '/rx',
    expected: 401,
    make: async () => {
      const real = await genuine({ scope: 'rx:read' });
      return minted(
        `${b64url({ alg: 'none', kid: await currentKid() })}.${real.split('.')[1]}.${real.split('.')[2]}`,
      );
    },
  },
  {
    name: 'HS256 signed with the RSA public key (PEM) as the HMAC secret',
    route: '/admin',
    expected: 401,
    make: async () => {
      const pem = await exportSPKI(
        (await importJWK(await currentPublicJwk(), 'RS256')) as CryptoKey,
      );
      const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid: await currentKid() })}.${b64url(claimsOf())}`;
      return minted(`${input}.${hmac('sha256', input, pem)}`);
    },
  },
  {
    name: 'HS256 signed with the public JWK (JSON) as the HMAC secret',
    route: '/admin',
    expected: 401,
    make: async () => {
      const jwk = JSON.stringify(await currentPublicJwk());
      const input = `${b64url({ alg: 'HS256', kid: await currentKid() })}.${b64url(claimsOf())}`;
      return minted(`${input}.${hmac('sha256', input, jwk)}`);
    },
  },
  {
    name: 'HS512 signed with the modulus bytes as the HMAC secret',
    route: '/admin',
    expected: 401,
    make: async () => {
      const n = Buffer.from((await currentPublicJwk()).n!, 'base64url');
      const input = `${b64url({ alg: 'HS512', kid: await currentKid() })}.${b64url(claimsOf())}`;
      return minted(`${input}.${hmac('sha512', input, n)}`);
    },
  },
  {
    name: 'expired 60 s ago (beyond the 5 s tolerance)',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read' }, { expiresInSeconds: -60 }),
  },
  {
    name: 'nbf an hour in the future',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', nbf: now() + 3600 }),
  },
  {
    name: 'iat far in the future does not rescue an expired token',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', exp: now() - 10, iat: now() + 100_000 }),
  },
  {
    name: 'wrong iss',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', iss: 'https://evil.example' }),
  },
  {
    name: 'iss with a trailing slash',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', iss: `${emu.issuer}/` }),
  },
  {
    name: 'wrong aud',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', aud: 'another-api' }),
  },
  {
    name: 'aud as a list without ours',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', aud: ['another-api', 'honeybee-partners-x'] }),
  },
  {
    name: 'no exp at all',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', exp: undefined }),
  },
  {
    name: 'exp as a string',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', exp: String(now() + 3600) }),
  },
  {
    name: 'unknown kid',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read' }, { header: { kid: 'unknown-kid' } }),
  },
  {
    name: 'kid with a path traversal',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read' }, { header: { kid: '../../../../etc/passwd' } }),
  },
  {
    name: 'kid of 3000 characters',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read' }, { header: { kid: 'k'.repeat(3000) } }),
  },
  {
    name: 'signed by another key under the current kid',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read' }, { key: 'foreign' }),
  },
  {
    name: 'tampered payload (scope raised to admin), signature kept',
    route: '/admin',
    expected: 401,
    make: async () => {
      const [h, , s] = (await genuine({ scope: 'rx:read' })).split('.');
      return minted(`${h}.${b64url(claimsOf({ scope: 'rx:read admin' }))}.${s}`);
    },
  },
  {
    name: 'tampered signature (one character changed)',
    route: '/rx',
    expected: 401,
    make: async () => {
      const t = await genuine({ scope: 'rx:read' });
      const i = t.lastIndexOf('.') + 10;
      return minted(t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1));
    },
  },
  {
    name: 'signature stripped',
    route: '/rx',
    expected: 401,
    make: async () => minted((await genuine({ scope: 'rx:read' })).replace(/\.[^.]+$/, '.')),
  },
  {
    name: 'header that is not JSON',
    route: '/rx',
    expected: 401,
    make: async () => {
      const [, p, s] = (await genuine({ scope: 'rx:read' })).split('.');
      return minted(`${b64url('{"alg":"RS256",')}.${p}.${s}`);
    },
  },
  {
    name: 'payload that is not JSON (unsigned)',
    route: '/rx',
    expected: 401,
    make: async () =>
      minted(`${b64url({ alg: 'RS256', kid: await currentKid() })}.${b64url('not json')}.c2ln`),
  },
  {
    name: 'five segments (JWE-shaped)',
    route: '/rx',
    expected: 401,
    make: async () =>
      minted(
        `${b64url({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.${b64url('k')}.${b64url('iv')}.${b64url('ct')}.${b64url('tag')}`,
      ),
  },
  {
    name: 'crit naming an unknown extension (genuine signature of a trusted issuer)',
    route: '/rx',
    expected: 401,
    ownIssuer: true,
    make: async () =>
      minted(
        await new CompactSign(
          Buffer.from(JSON.stringify(claimsOf({ iss: 'own-issuer', scope: 'rx:read' }))),
        )
          .setProtectedHeader({
            alg: 'RS256',
            kid: ownKey.jwk.kid,
            crit: ['x-honeybee'],
            'x-honeybee': true,
          })
          .sign(ownKey.privateKey, { crit: { 'x-honeybee': true } }),
      ),
  },
  {
    name: 'crit listing exp, a registered claim name (genuine signature of a trusted issuer)',
    route: '/rx',
    expected: 401,
    ownIssuer: true,
    make: async () =>
      minted(
        await new CompactSign(
          Buffer.from(JSON.stringify(claimsOf({ iss: 'own-issuer', scope: 'rx:read' }))),
        )
          .setProtectedHeader({ alg: 'RS256', kid: ownKey.jwk.kid, crit: ['exp'], exp: 1 })
          .sign(ownKey.privateKey, { crit: { exp: true } }),
      ),
  },
  {
    name: 'embedded jwk: signed by the attacker, its public key in the header',
    route: '/admin',
    expected: 401,
    make: async () =>
      minted(
        await new SignJWT(claimsOf())
          .setProtectedHeader({ alg: 'RS256', kid: attackerKey.jwk.kid, jwk: attackerKey.jwk })
          .sign(attackerKey.privateKey),
      ),
  },
  {
    name: 'embedded jwk under the issuer’s current kid',
    route: '/admin',
    expected: 401,
    make: async () =>
      minted(
        await new SignJWT(claimsOf())
          .setProtectedHeader({ alg: 'RS256', kid: await currentKid(), jwk: attackerKey.jwk })
          .sign(attackerKey.privateKey),
      ),
  },
  {
    name: 'jku pointing at the attacker’s key server (attacker-signed, attacker kid)',
    route: '/admin',
    expected: 401,
    attackerUntouched: true,
    make: async () =>
      minted(
        await new SignJWT(claimsOf())
          .setProtectedHeader({
            alg: 'RS256',
            kid: attackerKey.jwk.kid,
            jku: `${attacker.url}/jwks`,
          })
          .sign(attackerKey.privateKey),
      ),
  },
  {
    name: 'jku pointing at the attacker, under the issuer’s current kid',
    route: '/admin',
    expected: 401,
    attackerUntouched: true,
    make: async () =>
      minted(
        await new SignJWT(claimsOf())
          .setProtectedHeader({
            alg: 'RS256',
            kid: await currentKid(),
            jku: `${attacker.url}/jwks`,
          })
          .sign(attackerKey.privateKey),
      ),
  },
  {
    name: 'x5u pointing at the attacker',
    route: '/admin',
    expected: 401,
    attackerUntouched: true,
    make: async () =>
      minted(
        await new SignJWT(claimsOf())
          .setProtectedHeader({
            alg: 'RS256',
            kid: attackerKey.jwk.kid,
            x5u: `${attacker.url}/cert.pem`,
          })
          .sign(attackerKey.privateKey),
      ),
  },
  {
    name: 'x5c with a junk chain',
    route: '/admin',
    expected: 401,
    make: async () =>
      minted(
        await new SignJWT(claimsOf())
          .setProtectedHeader({ alg: 'RS256', x5c: [randomBytes(300).toString('base64')] })
          .sign(attackerKey.privateKey),
      ),
  },
  // Scopes smuggled in claims of the wrong type: the token is genuine, the claim unusable.
  ...(
    [
      ['scope as an array', { scope: ['rx:read'] }],
      ['scope as an empty object', { scope: {} }],
      ['scope as an object', { scope: { 'rx:read': true } }],
      ['scope as a number', { scope: 1 }],
      ['scope as null', { scope: null }],
      ['scp as a string', { scp: 'rx:read' }],
      ['scp with a non-string entry', { scp: ['rx:read', 1] }],
      ['scp nested', { scp: [['rx:read']] }],
      ['a valid scope string plus scp of the wrong type', { scope: 'rx:read', scp: 'admin' }],
    ] as const
  ).map(([name, claims]): Attack => ({
    name: `smuggled: ${name}`,
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: undefined, ...claims }),
  })),
  // Regression (found here, fixed in 18c1eba): a genuine token whose scope contains a character
  // outside RFC 6749's scope-token made the principal "malformed": 503 instead of 401.
  {
    name: 'smuggled: a tab inside the scope string ("rx:read\\tadmin")',
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read\tadmin' }),
  },
  {
    name: 'smuggled: an scp entry with a space ("rx:read admin")',
    route: '/admin',
    expected: 401,
    make: () => genuine({ scope: undefined, scp: ['rx:read admin'] }),
  },
  // Genuine signature, issuer, audience and scope, but not an access token (RFC 9068 §4: typ
  // must be at+jwt): an ID token, a logout token, a token of no declared type.
  ...(
    [
      ['typ JWT: an ID token of the same issuer and audience', { typ: 'JWT' }, { nonce: 'n-0' }],
      ['no typ at all', { typ: undefined }, {}],
      [
        'typ logout+jwt: a back-channel logout token',
        { typ: 'logout+jwt' },
        { events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, sid: 's-1' },
      ],
      ['typ secevent+jwt: a security event token', { typ: 'secevent+jwt' }, {}],
      ['typ application/jwt', { typ: 'application/jwt' }, {}],
      ['typ at+jwt with a suffix (at+jwt2)', { typ: 'at+jwt2' }, {}],
      ['typ at+jwt with a space', { typ: 'at+jwt ' }, {}],
    ] as const
  ).map(([name, header, claims]): Attack => ({
    name: `not an access token: ${name}`,
    route: '/rx',
    expected: 401,
    make: () => genuine({ scope: 'rx:read', ...claims }, { header: { ...header } }),
  })),
  // Genuine and valid, but without the route's scope: 403.
  ...(
    [
      [
        '403 scope in a nested claim (realm_access.roles)',
        { scope: 'other', realm_access: { roles: ['rx:read'] } },
      ],
      [
        '403 scope in a namespaced custom claim',
        { scope: 'other', 'https://honeybee/scope': 'rx:read' },
      ],
      ['403 scope in another case (scopes are case-sensitive)', { scope: 'RX:READ' }],
      ['403 scope as a prefix (rx:read-only)', { scope: 'rx:read-only' }],
    ] as const
  ).map(([name, claims]): Attack => ({
    name,
    route: '/rx',
    expected: 403,
    make: () => genuine(claims),
  })),
  {
    name: '403 rx:read on the admin route',
    route: '/admin',
    expected: 403,
    make: () => genuine({ scope: 'rx:read' }),
  },
  {
    name: '400 a genuine token longer than maxTokenLength (10 KB claim), refused before verification',
    route: '/rx',
    expected: 400,
    make: () => genuine({ scope: 'rx:read', padding: 'x'.repeat(10_000) }),
  },
];

describe.each(PLATFORMS)('jwt verifier on %s', (platform: Platform) => {
  let app: GuardedApp;
  let ownApp: GuardedApp;

  const options = (jwksUri: string, issuer: string, extra: Record<string, unknown> = {}) => ({
    clientId: APP_ID,
    clientSecret: APP_SECRET,
    tokenUrl: emu.tokenUrl,
    allowInsecureLoopback: true,
    inbound: {
      verifier: 'jwt' as const,
      realm: REALM,
      maxTokenLength: MAX_TOKEN,
      verifyTimeoutMs: 3000,
      jwt: { jwksUri, issuer, audience: 'honeybee-partners', jwksCooldownMs: 30_000, ...extra },
    },
  });

  beforeAll(async () => {
    app = await startGuardedApp(platform, {
      clock,
      logger: run.logger,
      options: options(emu.jwksUri, emu.issuer),
    });
    ownApp = await startGuardedApp(platform, {
      clock,
      logger: run.logger,
      options: options(`${trustedIssuer.url}/jwks`, 'own-issuer'),
    });
  });
  afterAll(async () => {
    await app.close();
    await ownApp.close();
  });
  beforeEach(() => attacker.clear());

  const get = (target: GuardedApp, route: string, token: string) =>
    httpCall(`${target.url}${route}`, { headers: { authorization: `Bearer ${token}` } });

  it('baseline: genuine tokens are accepted (emulator-issued and minted, both issuers)', async () => {
    const issued = (await emu.issueToken(PARTNER, ['rx:read'])).access_token;
    expect((await get(app, '/rx', issued)).status).toBe(200);
    expect((await get(app, '/rx', await genuine({ scope: 'rx:read' }))).status).toBe(200);
    expect(
      (await get(app, '/admin', await genuine({ scp: ['admin'], scope: undefined }))).status,
    ).toBe(200);
    // A genuine token that also carries jku/x5u: accepted on its own signature; jku/x5u ignored.
    const withJku = await genuine(
      { scope: 'rx:read' },
      {
        header: {
          kid: await currentKid(),
          jku: `${attacker.url}/jwks`,
          x5u: `${attacker.url}/x.pem`,
        },
      },
    );
    expect((await get(app, '/rx', withJku)).status).toBe(200);
    const own = minted(
      await new SignJWT(claimsOf({ iss: 'own-issuer', scope: 'rx:read' }))
        .setProtectedHeader({ alg: 'RS256', kid: ownKey.jwk.kid, typ: 'at+jwt' })
        .sign(ownKey.privateKey),
    );
    expect((await get(ownApp, '/rx', own)).status).toBe(200);
    expect(attacker.requests).toHaveLength(0);
    expect(attacker.rawText()).toBe('');
  });

  it.each(['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+Jwt'])(
    'typ %s is an access token (RFC 9068 §4: case-insensitive, application/ optional)',
    async (typ) => {
      const token = await genuine({ scope: 'rx:read' }, { header: { typ } });
      expect((await get(app, '/rx', token)).status).toBe(200);
    },
  );

  it('with jwt.requireAtJwtType: false, an issuer that sets no typ (or JWT) is accepted', async () => {
    const lenient = await startGuardedApp(platform, {
      clock,
      logger: run.logger,
      options: options(emu.jwksUri, emu.issuer, { requireAtJwtType: false }),
    });
    try {
      for (const typ of ['JWT', undefined, 'at+jwt']) {
        const token = await genuine({ scope: 'rx:read' }, { header: { typ } });
        expect((await get(lenient, '/rx', token)).status).toBe(200);
      }
    } finally {
      await lenient.close();
    }
  });

  it.each(attacks)('$name → $expected', async (attack) => {
    const token = await attack.make();
    const target = attack.ownIssuer ? ownApp : app;
    const jwksBefore = emu.requests('jwks').length;
    const res = await get(target, attack.route, token);
    const challenge = String(res.headers['www-authenticate'] ?? '');
    expect({ status: res.status, challenge }).toEqual({
      status: attack.expected,
      challenge: expect.stringMatching(
        attack.expected === 401
          ? /^Bearer realm="adversarial", error="invalid_token", /
          : attack.expected === 403
            ? /^Bearer realm="adversarial", error="insufficient_scope", /
            : /^Bearer realm="adversarial", error="invalid_request", /,
      ),
    });
    expect(res.text).not.toContain(token);
    // The JWKS stays cached (cooldown 30 s): no attack makes the verifier fetch it again.
    expect(emu.requests('jwks').length - jwksBefore).toBeLessThanOrEqual(0);
    if (attack.attackerUntouched) {
      expect(attacker.requests).toHaveLength(0);
      expect(attacker.rawText()).toBe('');
    }
    run.attackRejected();
  });

  it('431: a 100 KB token never reaches the application', async () => {
    const token = minted(await genuine({ scope: 'rx:read', padding: 'x'.repeat(100_000) }));
    const before = app.hits();
    const res = await rawRequest(
      app.port,
      Buffer.from(
        `GET /rx HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      ),
    );
    expect(res.status).toBe(431);
    expect(app.hits()).toBe(before);
    run.attackRejected();
  });

  it('a flood of 500 concurrent tokens with unknown kids: all 401, no JWKS refetch (cooldown)', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    try {
      const before = emu.requests('jwks').length;
      const header = (i: number) =>
        b64url({ alg: 'RS256', kid: `flood-${i}-${randomBytes(4).toString('hex')}` });
      const answers = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          httpCall(`${app.url}/rx`, {
            agent,
            headers: {
              authorization: `Bearer ${header(i)}.${b64url(claimsOf())}.${b64url(randomBytes(256))}`,
            },
          }),
        ),
      );
      expect(answers.filter((a) => a.status !== 401)).toEqual([]);
      expect(emu.requests('jwks').length - before).toBe(0);
      run.attackRejected(500);
      run.cases(500);
    } finally {
      agent.destroy();
    }
  });

  it('with a 200 ms cooldown, unknown kids refetch the JWKS at most once per cooldown', async () => {
    const cooldownMs = 200;
    const fast = await startGuardedApp(platform, {
      clock,
      logger: run.logger,
      options: options(emu.jwksUri, emu.issuer, { jwksCooldownMs: cooldownMs }),
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    try {
      // Load the key set once with a genuine token.
      expect((await get(fast, '/rx', await genuine({ scope: 'rx:read' }))).status).toBe(200);
      const before = emu.requests('jwks').length;
      const started = performance.now();
      let sent = 0;
      while (sent < 2000 && performance.now() - started < 1500) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            httpCall(`${fast.url}/rx`, {
              agent,
              headers: {
                authorization: `Bearer ${b64url({ alg: 'RS256', kid: `k${sent + i}` })}.${b64url(claimsOf())}.c2ln`,
              },
            }),
          ),
        );
        expect(batch.every((a) => a.status === 401)).toBe(true);
        sent += batch.length;
      }
      const elapsed = performance.now() - started;
      const fetches = emu.requests('jwks').length - before;
      expect(fetches).toBeLessThanOrEqual(Math.ceil(elapsed / cooldownMs) + 1);
      run.note(
        `${platform}: ${sent} unknown-kid tokens in ${Math.round(elapsed)} ms caused ${fetches} JWKS fetches (cooldown ${cooldownMs} ms)`,
      );
      run.attackRejected(sent);
      run.cases(sent);
    } finally {
      agent.destroy();
      await fast.close();
    }
  });
});
