import type { HoneybeeInboundOptions } from 'nestjs-honeybee-auth';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import {
  MESSAGES,
  contextsEmulatorForFile,
  contextsModuleOptions,
} from './fixtures/contexts/contexts-emulator.js';
import { CapturingLogger } from '../libs/honeybee-auth/src/testing/capturing-logger.js';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import {
  GRAPHQL_DRIVERS,
  postGraphQL,
  startGraphQLApp,
  subscribe,
} from './fixtures/contexts/graphql-app.js';
import type {
  GraphQLAnswer,
  GraphQLApp,
  GraphQLDriverName,
} from './fixtures/contexts/graphql-app.js';

const REALM = 'gql-realm';
const INVALID = MESSAGES.invalid;
const UNAVAILABLE = MESSAGES.unavailable;
const FORBIDDEN_ADMIN = MESSAGES.forbiddenAdmin;
const challenge = (error: string, description: string, scope?: string) =>
  `Bearer realm="${REALM}", error="${error}", error_description="${description}"` +
  (scope ? `, scope="${scope}"` : '');

const clock = new FakeClock();
const emulator = contextsEmulatorForFile(clock);

const moduleOptions = (inbound: HoneybeeInboundOptions = {}) =>
  contextsModuleOptions(emulator(), { realm: REALM, ...inbound });

describe.each(GRAPHQL_DRIVERS)('GraphQL on %s', (driver: GraphQLDriverName) => {
  let current: GraphQLApp | undefined;
  let logger: CapturingLogger;
  const tokens: string[] = [];
  const tokenFor = async (scopes: string[]) => {
    const token = (await emulator().issueToken('partner', scopes)).access_token;
    tokens.push(token);
    return token;
  };
  const start = async (inbound?: HoneybeeInboundOptions, apollo?: Partial<ApolloDriverConfig>) => {
    logger = new CapturingLogger();
    current = await startGraphQLApp(driver, moduleOptions(inbound), { clock, logger, apollo });
    return current;
  };
  const tokenInfoCalls = () => emulator().requests('tokenInfo').length;
  /** POSTs to the current app; the answer never shows a token. */
  const post = async (
    ...args: Parameters<typeof postGraphQL> extends [unknown, ...infer R] ? R : never
  ) => {
    const answer = await postGraphQL(current!.url, ...args);
    for (const t of tokens) {
      expect(answer.text).not.toContain(t);
      expect(JSON.stringify([...answer.headers])).not.toContain(t);
    }
    return answer;
  };
  const errorOf = (answer: GraphQLAnswer) => answer.body.errors?.[0];

  beforeEach(() => emulator().reset());
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
    const logs = logger?.lines.join('\n') ?? '';
    for (const t of tokens) expect(logs).not.toContain(t);
    tokens.length = 0;
  });

  describe('queries and mutations over HTTP', () => {
    beforeEach(() => start());

    it('answers with a valid token; @CurrentPrincipal() in resolvers', async () => {
      const token = await tokenFor(['rx:read']);
      const res = await post(
        { query: '{ prescriptions me { clientId scopes } clientId }' },
        `Bearer ${token}`,
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: {
          prescriptions: ['rx_1', 'rx_2'],
          me: { clientId: 'partner', scopes: ['rx:read'] },
          clientId: 'partner',
        },
      });
      expect(res.headers.get('www-authenticate')).toBeNull();
    });

    it('UNAUTHENTICATED without a token, with the bare challenge on the response', async () => {
      const res = await post({ query: '{ prescriptions }' });
      expect(res.body.data).toEqual({ prescriptions: null });
      expect(errorOf(res)).toMatchObject({
        message: 'Missing Bearer token',
        path: ['prescriptions'],
        extensions: { code: 'UNAUTHENTICATED', statusCode: 401 },
      });
      expect(errorOf(res)!.extensions).not.toHaveProperty('http');
      expect(errorOf(res)!.extensions).not.toHaveProperty('oauthError');
      expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${REALM}"`);
    });

    it('UNAUTHENTICATED for another scheme (Basic)', async () => {
      const res = await post({ query: '{ prescriptions }' }, 'Basic cGFydG5lcjpzZWNyZXQ=');
      expect(errorOf(res)?.extensions).toEqual({ code: 'UNAUTHENTICATED', statusCode: 401 });
    });

    it.each([
      ['a malformed token', 'Bearer abc,def'],
      ['two tokens', 'Bearer abc def'],
      ['an empty token', 'Bearer'],
    ])('BAD_REQUEST for %s, without asking Honeybee', async (_what, authorization) => {
      const res = await post({ query: '{ prescriptions }' }, authorization);
      expect(errorOf(res)?.extensions).toEqual({
        code: 'BAD_REQUEST',
        statusCode: 400,
        oauthError: 'invalid_request',
      });
      expect(res.headers.get('www-authenticate')).toMatch(
        new RegExp(`^Bearer realm="${REALM}", error="invalid_request", error_description="[^"]+"$`),
      );
      expect(tokenInfoCalls()).toBe(0);
    });

    it('UNAUTHENTICATED invalid_token for an unknown or revoked token', async () => {
      const revoked = await tokenFor(['rx:read']);
      emulator().revokeToken(revoked);
      for (const token of ['unknown-token-0123456789', revoked]) {
        const res = await post({ query: '{ prescriptions }' }, `Bearer ${token}`);
        expect(errorOf(res)).toMatchObject({
          message: INVALID,
          extensions: { code: 'UNAUTHENTICATED', statusCode: 401, oauthError: 'invalid_token' },
        });
        expect(res.headers.get('www-authenticate')).toBe(challenge('invalid_token', INVALID));
      }
    });

    it('FORBIDDEN with the required scopes; the other fields still resolve', async () => {
      const token = await tokenFor(['rx:read']);
      const res = await post({ query: '{ prescriptions adminNote }' }, `Bearer ${token}`);
      expect(res.body.data).toEqual({ prescriptions: ['rx_1', 'rx_2'], adminNote: null });
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: FORBIDDEN_ADMIN,
          path: ['adminNote'],
          extensions: {
            code: 'FORBIDDEN',
            statusCode: 403,
            oauthError: 'insufficient_scope',
            requiredScopes: ['admin', 'rx:read'],
          },
        }),
      ]);
      expect(res.headers.get('www-authenticate')).toBe(
        challenge('insufficient_scope', FORBIDDEN_ADMIN, 'admin rx:read'),
      );
    });

    it('@RequireAnyScope(): one of the scopes is enough', async () => {
      const auditor = await tokenFor(['rx:read', 'rx:audit']);
      expect((await post({ query: '{ audit }' }, `Bearer ${auditor}`)).body).toEqual({
        data: { audit: 'audit trail' },
      });
      const reader = await tokenFor(['rx:read']);
      const res = await post({ query: '{ audit }' }, `Bearer ${reader}`);
      expect(errorOf(res)?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        requiredScopes: ['admin', 'rx:audit', 'rx:read'],
      });
    });

    it('@Public() on a field and on a resolver class: no token needed', async () => {
      const res = await post({ query: '{ ping version }' });
      expect(res.body).toEqual({ data: { ping: 'pong', version: '1.0' } });
      expect(tokenInfoCalls()).toBe(0);
    });

    it('mutations: the scopes of the mutation', async () => {
      const mutation = { query: 'mutation { renew(id: "rx_1") }' };
      const writer = await tokenFor(['rx:read', 'rx:write']);
      expect((await post(mutation, `Bearer ${writer}`)).body).toEqual({
        data: { renew: 'renewed rx_1' },
      });
      const reader = await tokenFor(['rx:read']);
      expect(errorOf(await post(mutation, `Bearer ${reader}`))?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        requiredScopes: ['rx:read', 'rx:write'],
      });
    });

    it('SERVICE_UNAVAILABLE with a retry hint when the verifier is down', async () => {
      const token = await tokenFor(['rx:read']);
      emulator().injectFault('tokenInfo', { status: 503 }, { times: 1 });
      const res = await post({ query: '{ prescriptions }' }, `Bearer ${token}`);
      expect(errorOf(res)).toMatchObject({
        message: UNAVAILABLE,
        extensions: { code: 'SERVICE_UNAVAILABLE', statusCode: 503, retryAfterSeconds: 7 },
      });
      expect(res.headers.get('retry-after')).toBe('7');
      expect(
        (await post({ query: '{ prescriptions }' }, `Bearer ${token}`)).body.errors,
      ).toBeUndefined();
    });

    it('a query touching several guarded fields verifies the token once', async () => {
      const token = await tokenFor(['rx:read', 'rx:audit']);
      const res = await post(
        { query: '{ prescriptions me { clientId } clientId audit adminNote }' },
        `Bearer ${token}`,
      );
      expect(res.body.data).toMatchObject({
        prescriptions: ['rx_1', 'rx_2'],
        audit: 'audit trail',
      });
      expect(tokenInfoCalls()).toBe(1);
    });

    it('a batch verifies the token once', async () => {
      const token = await tokenFor(['rx:read']);
      const res = await post(
        [
          { query: '{ prescriptions }' },
          { query: '{ me { clientId } }' },
          { query: '{ clientId }' },
        ],
        `Bearer ${token}`,
      );
      expect(res.body).toEqual([
        { data: { prescriptions: ['rx_1', 'rx_2'] } },
        { data: { me: { clientId: 'partner' } } },
        { data: { clientId: 'partner' } },
      ]);
      expect(tokenInfoCalls()).toBe(1);
    });
  });

  it('a batch verifies the token once even with the verdict cache off', async () => {
    const { url } = await start({ cache: { maxAgeSeconds: 0, negativeTtlSeconds: 0 } });
    const token = await tokenFor(['rx:read']);
    const batch = [{ query: '{ prescriptions clientId }' }, { query: '{ me { clientId } }' }];
    const res = await postGraphQL(url, batch, `Bearer ${token}`);
    expect(res.body).toHaveLength(2);
    expect(tokenInfoCalls()).toBe(1);
    await postGraphQL(url, batch, `Bearer ${token}`);
    expect(tokenInfoCalls()).toBe(2); // a new request verifies again: nothing is cached
  });

  describe('the HTTP status of a refused operation', () => {
    if (driver === 'apollo') {
      it("is 200 by default (Nest's preserveHttpStatusForExecutionErrors), the challenge still set", async () => {
        await start();
        const token = await tokenFor(['rx:read']);
        const res = await post({ query: '{ adminStrict }' }, `Bearer ${token}`);
        expect(res.status).toBe(200);
        expect(res.body.data).toBeNull();
        expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      });

      it('is the RFC 6750 status with preserveHttpStatusForExecutionErrors: false', async () => {
        await start({}, { preserveHttpStatusForExecutionErrors: false });
        const token = await tokenFor(['rx:read']);
        expect((await post({ query: '{ adminStrict }' }, `Bearer ${token}`)).status).toBe(403);
        expect((await post({ query: '{ prescriptions }' })).status).toBe(401);
        expect(errorOf(await post({ query: '{ prescriptions }' }))!.extensions).not.toHaveProperty(
          'http',
        );
      });
    } else {
      it('is the RFC 6750 status when no field could be resolved (data: null)', async () => {
        await start();
        const token = await tokenFor(['rx:read']);
        const strict = await post({ query: '{ adminStrict }' }, `Bearer ${token}`);
        expect(strict.status).toBe(403);
        expect(strict.body.data).toBeNull();
        const partial = await post({ query: '{ prescriptions adminNote }' }, `Bearer ${token}`);
        expect(partial.status).toBe(200);
      });
    }
  });

  describe('subscriptions over graphql-ws', () => {
    beforeEach(() => start());
    const events = [{ rxRenewed: 'rx_1 renewed' }, { rxRenewed: 'rx_2 renewed' }];
    const sub = (
      query: string,
      params?: Record<string, unknown>,
      headers?: Record<string, string>,
    ) => subscribe(current!.wsUrl, query, params, headers);

    it('takes the token from connectionParams.authorization', async () => {
      const token = await tokenFor(['rx:read']);
      expect(await sub('subscription { rxRenewed }', { authorization: `Bearer ${token}` })).toEqual(
        {
          events,
        },
      );
    });

    it('or from connectionParams.headers.Authorization', async () => {
      const token = await tokenFor(['rx:read']);
      const outcome = await sub('subscription { rxRenewed }', {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(outcome).toEqual({ events });
    });

    it('or from the upgrade request Authorization header', async () => {
      const token = await tokenFor(['rx:read']);
      const outcome = await sub('subscription { rxRenewed }', undefined, {
        authorization: `Bearer ${token}`,
      });
      expect(outcome).toEqual({ events });
    });

    it('@CurrentPrincipal() in a subscription', async () => {
      const token = await tokenFor(['rx:read', 'rx:audit']);
      const outcome = await sub('subscription { whoSubscribed { clientId scopes } }', {
        authorization: `Bearer ${token}`,
      });
      expect(outcome).toEqual({
        events: [{ whoSubscribed: { clientId: 'partner', scopes: ['rx:audit', 'rx:read'] } }],
      });
    });

    it('UNAUTHENTICATED without a token', async () => {
      const outcome = await sub('subscription { rxRenewed }', {});
      expect(outcome.events).toEqual([]);
      expect(outcome.errors).toEqual([
        expect.objectContaining({
          message: 'Missing Bearer token',
          extensions: { code: 'UNAUTHENTICATED', statusCode: 401 },
        }),
      ]);
    });

    it('UNAUTHENTICATED invalid_token for an unknown token', async () => {
      const outcome = await sub('subscription { rxRenewed }', {
        authorization: 'Bearer unknown-token-0123456789',
      });
      expect(outcome.errors?.[0]?.extensions).toEqual({
        code: 'UNAUTHENTICATED',
        statusCode: 401,
        oauthError: 'invalid_token',
      });
    });

    it('FORBIDDEN with the required scopes', async () => {
      const token = await tokenFor(['rx:read']);
      const outcome = await sub('subscription { adminEvents }', {
        authorization: `Bearer ${token}`,
      });
      expect(outcome.errors?.[0]).toMatchObject({
        message: FORBIDDEN_ADMIN,
        extensions: {
          code: 'FORBIDDEN',
          statusCode: 403,
          oauthError: 'insufficient_scope',
          requiredScopes: ['admin', 'rx:read'],
        },
      });
    });

    it.each<[string, Record<string, unknown>]>([
      ['a malformed token', { authorization: 'Bearer abc,def' }],
      ['a non-string authorization', { authorization: 42 }],
      ['two authorization entries', { authorization: 'Bearer abc', Authorization: 'Bearer def' }],
    ])('BAD_REQUEST for %s', async (_what, params) => {
      const outcome = await sub('subscription { rxRenewed }', params);
      expect(outcome.errors?.[0]?.extensions).toEqual({
        code: 'BAD_REQUEST',
        statusCode: 400,
        oauthError: 'invalid_request',
      });
      expect(tokenInfoCalls()).toBe(0);
    });

    it('BAD_REQUEST for a token in connectionParams and in the upgrade header', async () => {
      const token = await tokenFor(['rx:read']);
      const outcome = await sub(
        'subscription { rxRenewed }',
        { authorization: `Bearer ${token}` },
        { authorization: `Bearer ${token}` },
      );
      expect(outcome.errors?.[0]).toMatchObject({
        message:
          'The access token was sent in more than one place (connectionParams, handshake header)',
        extensions: { code: 'BAD_REQUEST' },
      });
    });

    it('SERVICE_UNAVAILABLE when the verifier is down', async () => {
      const token = await tokenFor(['rx:read']);
      emulator().injectFault('tokenInfo', { dropConnection: true }, { times: 1 });
      const outcome = await sub('subscription { rxRenewed }', { authorization: `Bearer ${token}` });
      expect(outcome.errors?.[0]?.extensions).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        statusCode: 503,
        retryAfterSeconds: 7,
      });
    });
  });
});
