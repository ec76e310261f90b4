import { FORM, basicAuth, comparable, form, sendRaw } from './answers.js';
import type { ComparableAnswer, RawAnswer, RawRequest } from './answers.js';
import { client } from './targets.js';
import type { DoorkeeperTarget } from './targets.js';

/** What a scenario can do with the server it runs against. */
export interface ScenarioContext {
  readonly target: DoorkeeperTarget;
  /** Sends a request and records its comparable answer under `label`. */
  send(label: string, req: RawRequest): Promise<RawAnswer>;
  /** Gets a token with `client_secret_post` (the answer is recorded too). */
  token(clientId: string, scope?: string, label?: string): Promise<string>;
}

/** One protocol scenario: a sequence of requests whose answers are compared server to server. */
export interface ProtocolScenario {
  readonly name: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** A scenario's recorded answers, in order, each under its label. */
export type Transcript = { label: string; answer: ComparableAnswer }[];

/** Runs a scenario against a freshly reset target and returns what it answered. */
export async function transcriptOf(
  target: DoorkeeperTarget,
  scenario: ProtocolScenario,
): Promise<Transcript> {
  await target.reset();
  const transcript: Transcript = [];
  const ctx: ScenarioContext = {
    target,
    async send(label, req) {
      const answer = await sendRaw(target.url, req);
      transcript.push({ label, answer: comparable(answer, target.now()) });
      return answer;
    },
    async token(clientId, scope, label = `token ${clientId} ${scope ?? '(no scope)'}`) {
      const answer = await ctx.send(label, tokenRequest(clientId, scope));
      const token = (JSON.parse(answer.text) as { access_token?: string }).access_token;
      if (!token) throw new Error(`${label}: no token (${answer.status} ${answer.text})`);
      return token;
    },
  };
  await scenario.run(ctx);
  return transcript;
}

/** A `client_secret_post` token request. */
export function tokenRequest(clientId: string, scope?: string): RawRequest {
  const { clientSecret } = client(clientId);
  return {
    method: 'POST',
    path: '/oauth/token',
    headers: FORM,
    body: form({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      ...(scope !== undefined ? { scope } : {}),
    }),
  };
}

const APP = 'partner-app';
const READER = 'partner-reader';
const HAND_SET = 'partner-hand-set';
const UNSCOPED = 'partner-unscoped';
const NO_GRANT = 'partner-no-grant';
const secretOf = (id: string) => client(id).clientSecret;

const tokenInfo = (token?: string, headers: Record<string, string> = {}): RawRequest => ({
  path: '/oauth/token/info',
  headers: {
    accept: 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...headers,
  },
});
const introspect = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  path: '/oauth/introspect',
  headers: { ...FORM, ...headers },
  body: form(fields),
});
const revoke = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  path: '/oauth/revoke',
  headers: { ...FORM, ...headers },
  body: form(fields),
});
const rx = (token?: string, headers: Record<string, string> = {}, patient = 'p_1'): RawRequest => ({
  path: `/v1/patients/${patient}/rx`,
  headers: {
    accept: 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...headers,
  },
});
const ORDER = {
  patient_id: 'p_1',
  medication_request_id: 'mr_p_1_1',
  shipping_address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345' },
};
const order = (token: string): RawRequest => ({
  method: 'POST',
  path: '/v1/orders',
  headers: {
    accept: 'application/json',
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  },
  body: JSON.stringify(ORDER),
});
const own = (id: string) => ({ client_id: id, client_secret: secretOf(id) });

/**
 * The protocol scenarios: every answer of the token, token-info, introspection and revocation
 * endpoints and of `doorkeeper_authorize!` that the library or a partner depends on.
 */
export const PROTOCOL_SCENARIOS: readonly ProtocolScenario[] = [
  {
    name: 'token: client_secret_post, with and without scopes',
    async run(ctx) {
      await ctx.token(APP, 'prescriptions:read');
      await ctx.token(APP, 'prescriptions:read orders:write');
      await ctx.token(APP, 'orders:write prescriptions:read orders:write');
      await ctx.token(APP);
      await ctx.token(UNSCOPED);
      await ctx.token(UNSCOPED, 'orders:write');
    },
  },
  {
    name: 'token: client_secret_basic, Basic credentials used as sent',
    async run(ctx) {
      const grant = { grant_type: 'client_credentials', scope: 'prescriptions:read' };
      const post = (label: string, authorization: string, fields: Record<string, string> = grant) =>
        ctx.send(label, {
          method: 'POST',
          path: '/oauth/token',
          headers: { ...FORM, authorization },
          body: form(fields),
        });
      await post('basic', basicAuth(APP, secretOf(APP)));
      await post('basic, hand-set secret as is', basicAuth(HAND_SET, secretOf(HAND_SET)));
      await post(
        'basic, hand-set secret percent-encoded (RFC 6749 §2.3.1)',
        basicAuth(encodeURIComponent(HAND_SET), encodeURIComponent(secretOf(HAND_SET))),
      );
      await ctx.token(HAND_SET, 'prescriptions:read', 'post, hand-set secret');
      await post('lower-case basic scheme', basicAuth(APP, secretOf(APP), 'basic'));
      await post('basic with a wrong secret', basicAuth(APP, 'wrong'));
      await post('basic and body, wrong body secret', basicAuth(APP, secretOf(APP)), {
        ...grant,
        client_id: APP,
        client_secret: 'wrong',
      });
      await post('basic and body, same credentials', basicAuth(APP, secretOf(APP)), {
        ...grant,
        ...own(APP),
      });
      await post('basic without a password', `Basic ${Buffer.from(APP).toString('base64')}`);
      await post('basic, garbage', 'Basic %%%');
    },
  },
  {
    name: 'token: each OAuth error',
    async run(ctx) {
      const post = (label: string, fields: Record<string, string>) =>
        ctx.send(label, {
          method: 'POST',
          path: '/oauth/token',
          headers: FORM,
          body: form(fields),
        });
      const cc = { grant_type: 'client_credentials' };
      await post('no grant_type', own(APP));
      await post('unsupported grant_type', { ...own(APP), grant_type: 'password' });
      await post('authorization_code is not enabled', {
        ...own(APP),
        grant_type: 'authorization_code',
      });
      await post('unknown client', { ...cc, client_id: 'nobody', client_secret: 'x' });
      await post('wrong secret', { ...cc, client_id: APP, client_secret: 'wrong' });
      await post('client_id without a secret', { ...cc, client_id: APP });
      await post('no client authentication', cc);
      await post('unauthorized_client', { ...cc, ...own(NO_GRANT) });
      await post('unknown scope', { ...cc, ...own(APP), scope: 'admin' });
      await post('scope outside the application', { ...cc, ...own(READER), scope: 'orders:write' });
      await post('one good and one unknown scope', {
        ...cc,
        ...own(APP),
        scope: 'prescriptions:read admin',
      });
      await post('TAB between scopes', {
        ...cc,
        ...own(APP),
        scope: 'prescriptions:read\torders:write',
      });
      await post('newline between scopes', {
        ...cc,
        ...own(APP),
        scope: 'prescriptions:read\norders:write',
      });
      await post('blank scope', { ...cc, ...own(APP), scope: '   ' });
    },
  },
  {
    name: 'token: where parameters come from',
    async run(ctx) {
      const query = new URLSearchParams({ grant_type: 'client_credentials', ...own(APP) });
      await ctx.send('credentials and grant_type in the query string', {
        method: 'POST',
        path: `/oauth/token?${query}`,
        headers: FORM,
        body: '',
      });
      await ctx.send('JSON body', {
        method: 'POST',
        path: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', ...own(APP) }),
      });
      await ctx.send('malformed JSON body', {
        method: 'POST',
        path: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        body: '{"grant_type":',
      });
      await ctx.send('GET /oauth/token', { path: '/oauth/token' });
      await ctx.send('unknown path', { path: '/oauth/nothing' });
    },
  },
  {
    name: 'token info: valid, unknown, revoked, expired, none',
    async run(ctx) {
      const token = await ctx.token(APP, 'prescriptions:read orders:write');
      const scopeless = await ctx.token(APP);
      await ctx.send('valid', tokenInfo(token));
      await ctx.send('valid, scopeless', tokenInfo(scopeless));
      await ctx.send('unknown', tokenInfo('x'.repeat(43)));
      await ctx.send('no token', tokenInfo());
      await ctx.send('access_token in the query', {
        path: `/oauth/token/info?access_token=${token}`,
      });
      await ctx.send('revoke it', revoke({ token, ...own(APP) }));
      await ctx.send('revoked', tokenInfo(token));
      await ctx.target.age(600);
      await ctx.send('valid, 600 s later', tokenInfo(scopeless));
      await ctx.target.age(43_200);
      await ctx.send('expired', tokenInfo(scopeless));
    },
  },
  {
    name: 'introspection: client credentials and Bearer callers',
    async run(ctx) {
      const token = await ctx.token(APP, 'prescriptions:read');
      const sibling = await ctx.token(APP, 'orders:write');
      const reader = await ctx.token(READER, 'prescriptions:read');
      const scopeless = await ctx.token(APP);
      const basic = { authorization: basicAuth(APP, secretOf(APP)) };
      await ctx.send('own token, post', introspect({ token, ...own(APP) }));
      await ctx.send(
        'own token, basic',
        introspect({ token, token_type_hint: 'access_token' }, basic),
      );
      await ctx.send('scopeless token', introspect({ token: scopeless, ...own(APP) }));
      await ctx.send("another client's token", introspect({ token, ...own(READER) }));
      await ctx.send('unknown token', introspect({ token: 'y'.repeat(43), ...own(APP) }));
      await ctx.send('no token field', introspect(own(APP)));
      await ctx.send(
        'bad caller secret',
        introspect({ token, client_id: APP, client_secret: 'x' }),
      );
      await ctx.send('no caller authentication', introspect({ token }));
      await ctx.send('basic and body', introspect({ token, ...own(APP) }, basic));
      await ctx.send(
        'bearer of the same application',
        introspect({ token }, { authorization: `Bearer ${sibling}` }),
      );
      await ctx.send(
        'bearer of another application',
        introspect({ token }, { authorization: `Bearer ${reader}` }),
      );
      await ctx.send(
        'bearer introspecting itself',
        introspect({ token }, { authorization: `Bearer ${token}` }),
      );
      await ctx.send(
        'unknown bearer',
        introspect({ token }, { authorization: `Bearer ${'z'.repeat(43)}` }),
      );
      await ctx.send('revoke it', revoke({ token, ...own(APP) }));
      await ctx.send('revoked token', introspect({ token, ...own(APP) }));
      await ctx.target.age(43_201);
      await ctx.send('expired token', introspect({ token: sibling, ...own(APP) }));
    },
  },
  {
    name: 'revocation',
    async run(ctx) {
      const token = await ctx.token(APP, 'prescriptions:read');
      const other = await ctx.token(APP, 'orders:write');
      await ctx.send("another client's token", revoke({ token, ...own(READER) }));
      await ctx.send('no client authentication', revoke({ token }));
      await ctx.send('bad client secret', revoke({ token, client_id: APP, client_secret: 'x' }));
      await ctx.send('unknown token', revoke({ token: 'q'.repeat(43), ...own(APP) }));
      await ctx.send('no token field', revoke(own(APP)));
      await ctx.send('still valid', tokenInfo(token));
      await ctx.send(
        'basic and body',
        revoke({ token: other, ...own(APP) }, { authorization: basicAuth(APP, secretOf(APP)) }),
      );
      await ctx.send(
        'own token, basic',
        revoke({ token }, { authorization: basicAuth(APP, secretOf(APP)) }),
      );
      await ctx.send('revoked', tokenInfo(token));
      await ctx.send('revoked again', revoke({ token, ...own(APP) }));
    },
  },
  {
    name: 'resources guarded by doorkeeper_authorize!',
    async run(ctx) {
      const reader = await ctx.token(APP, 'prescriptions:read');
      const writer = await ctx.token(APP, 'orders:write');
      const scopeless = await ctx.token(APP);
      const first = await ctx.send('GET rx', rx(reader));
      await ctx.send('GET rx, unknown patient', rx(reader, {}, 'p_404'));
      await ctx.send(
        'GET rx, If-None-Match',
        rx(reader, { 'if-none-match': first.headers.etag ?? '' }),
      );
      await ctx.send(
        'GET rx, own X-Request-Id',
        rx(reader, { 'x-request-id': 'abc.def/ghi@1-2_3' }),
      );
      await ctx.send(
        'GET rx, lower-case bearer',
        rx(undefined, { authorization: `bearer ${reader}` }),
      );
      await ctx.send('GET rx, access_token in the query', {
        path: `/v1/patients/p_1/rx?access_token=${reader}`,
      });
      await ctx.send('GET rx, no token', rx());
      await ctx.send('GET rx, unknown token', rx('u'.repeat(43)));
      await ctx.send(
        'GET rx, Basic instead of Bearer',
        rx(undefined, { authorization: basicAuth(APP, secretOf(APP)) }),
      );
      await ctx.send('GET rx, scope missing', rx(writer));
      await ctx.send('GET rx, scopeless token', rx(scopeless));
      await ctx.send('POST orders', order(writer));
      await ctx.send('POST orders, scope missing', order(reader));
      await ctx.send('revoke', revoke({ token: reader, ...own(APP) }));
      await ctx.send('GET rx, revoked token', rx(reader));
      await ctx.target.age(43_201);
      await ctx.send('POST orders, expired token', order(writer));
    },
  },
  {
    name: 'token reuse: the same token, its remaining lifetime, its original created_at',
    async run(ctx) {
      await ctx.target.configure({ reuseAccessToken: true });
      const first = await ctx.token(APP, 'prescriptions:read', 'first');
      await ctx.target.age(600);
      const second = await ctx.token(APP, 'prescriptions:read', 'reused, 600 s later');
      const other = await ctx.token(APP, 'orders:write', 'other scopes: a new token');
      if (second !== first || other === first) throw new Error('reuse: unexpected tokens');
      await ctx.send('token info of the reused token', tokenInfo(second));
      await ctx.target.age(43_000);
      await ctx.token(APP, 'prescriptions:read', 'expired: a new token');
    },
  },
  {
    name: 'revoke previous token: each new token revokes the last one',
    async run(ctx) {
      await ctx.target.configure({ revokePrevious: true });
      const first = await ctx.token(APP, 'prescriptions:read', 'first');
      await ctx.token(APP, 'orders:write', 'other scopes');
      await ctx.token(APP, 'prescriptions:read', 'second');
      await ctx.send('first is revoked', rx(first));
      await ctx.send('first at token info', tokenInfo(first));
      await ctx.target.configure({ reuseAccessToken: true });
      const third = await ctx.token(APP, 'prescriptions:read', 'with reuse on too');
      await ctx.send('reused token still valid', rx(third));
      await ctx.target.configure({ reuseAccessToken: false });
      await ctx.target.age(43_201);
      await ctx.token(APP, 'prescriptions:read', 'after the last one expired');
      await ctx.send('the expired one: revoked or expired?', rx(third));
    },
  },
];
