import type { HoneybeeInboundOptions } from 'nestjs-honeybee-auth';
import {
  MESSAGES,
  contextsEmulatorForFile,
  contextsModuleOptions,
} from './fixtures/contexts/contexts-emulator.js';
import { CapturingLogger } from '../libs/honeybee-auth/src/testing/capturing-logger.js';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import {
  WEBSOCKET_ADAPTERS,
  connect,
  startWebSocketApp,
} from './fixtures/contexts/websocket-app.js';
import type {
  Handshake,
  TestConnection,
  WebSocketAdapterName,
} from './fixtures/contexts/websocket-app.js';

const INVALID = MESSAGES.invalid;
const clock = new FakeClock();
const emulator = contextsEmulatorForFile(clock);

const moduleOptions = (inbound: HoneybeeInboundOptions = {}) =>
  contextsModuleOptions(emulator(), { cache: { maxAgeSeconds: 60 }, ...inbound });

describe.each(WEBSOCKET_ADAPTERS)('WebSocket gateway on %s', (adapter: WebSocketAdapterName) => {
  let app: { close(): Promise<void> } | undefined;
  let url = '';
  let logger: CapturingLogger;
  const connections: TestConnection[] = [];
  const tokens: string[] = [];

  const start = async (inbound?: HoneybeeInboundOptions) => {
    logger = new CapturingLogger();
    ({ app, url } = await startWebSocketApp(adapter, moduleOptions(inbound), { clock, logger }));
  };
  const open = async (handshake?: Handshake) => {
    const connection = await connect(adapter, url, handshake);
    connections.push(connection);
    return connection;
  };
  const tokenFor = async (scopes: string[], clientId = 'partner') => {
    const token = (await emulator().issueToken(clientId, scopes)).access_token;
    tokens.push(token);
    return token;
  };
  const withBearer = (token: string): Handshake => ({
    headers: { authorization: `Bearer ${token}` },
  });
  const tokenInfoCalls = () => emulator().requests('tokenInfo').length;

  beforeEach(() => emulator().reset());
  afterEach(async () => {
    const seen = [...connections.flatMap((c) => c.received), ...(logger?.lines ?? [])].join('\n');
    for (const t of tokens) expect(seen).not.toContain(t);
    for (const c of connections.splice(0)) c.close();
    tokens.length = 0;
    await app?.close();
    app = undefined;
  });

  describe('answers', () => {
    beforeEach(() => start());

    it('runs a message with the handshake Authorization header and its principal', async () => {
      const connection = await open(withBearer(await tokenFor(['rx:read'])));
      expect(await connection.send('rx.list')).toEqual({
        kind: 'reply',
        event: 'rx.list',
        data: { clientId: 'partner', scopes: ['rx:read'], rx: ['rx_1', 'rx_2'] },
      });
    });

    it('UNAUTHENTICATED without a token, and the connection stays open for public messages', async () => {
      const connection = await open();
      expect(await connection.send('rx.list')).toEqual({
        kind: 'exception',
        data: {
          status: 'error',
          code: 'UNAUTHENTICATED',
          statusCode: 401,
          message: 'Missing Bearer token',
        },
      });
      expect(await connection.send('ping')).toEqual({ kind: 'reply', event: 'ping', data: 'pong' });
      expect(connection.open).toBe(true);
    });

    it('FORBIDDEN with the required scopes; the connection stays open', async () => {
      const connection = await open(withBearer(await tokenFor(['rx:read'])));
      expect(await connection.send('rx.admin')).toEqual({
        kind: 'exception',
        data: {
          status: 'error',
          code: 'FORBIDDEN',
          statusCode: 403,
          oauthError: 'insufficient_scope',
          message: 'Insufficient scope; this route requires all of: admin rx:read',
          requiredScopes: ['admin', 'rx:read'],
        },
      });
      expect((await connection.send('rx.list')).kind).toBe('reply');
    });

    it('@RequireAnyScope(): one of the scopes is enough', async () => {
      const audit = await open(withBearer(await tokenFor(['rx:read', 'rx:audit'])));
      expect(await audit.send('rx.audit')).toEqual({
        kind: 'reply',
        event: 'rx.audit',
        data: 'audit trail',
      });
      const reader = await open(withBearer(await tokenFor(['rx:read'])));
      expect(await reader.send('rx.audit')).toMatchObject({
        kind: 'exception',
        data: {
          code: 'FORBIDDEN',
          message:
            'Insufficient scope; this route requires all of: rx:read; and one of: admin rx:audit',
          requiredScopes: ['admin', 'rx:audit', 'rx:read'],
        },
      });
    });

    it('an invalid token: UNAUTHENTICATED invalid_token, then the connection is closed with the reason', async () => {
      const connection = await open(withBearer('not-a-real-token-0123456789'));
      expect(await connection.send('rx.list')).toEqual({
        kind: 'exception',
        data: {
          status: 'error',
          code: 'UNAUTHENTICATED',
          statusCode: 401,
          oauthError: 'invalid_token',
          message: INVALID,
        },
      });
      const closure = await connection.closed();
      if (adapter === 'ws')
        expect(closure).toEqual({ code: 4401, reason: `invalid_token: ${INVALID}` });
      else expect(closure).toEqual({ reason: 'io server disconnect' });
    });

    it.each<[string, Handshake]>([
      ['a malformed token', { headers: { authorization: 'Bearer abc,def' } }],
      ['two tokens', { headers: { authorization: 'Bearer abc def' } }],
      ['an empty token', { headers: { authorization: 'Bearer' } }],
    ])(
      'BAD_REQUEST for %s, without asking Honeybee; the connection is closed',
      async (_what, handshake) => {
        const connection = await open(handshake);
        expect(await connection.send('rx.list')).toMatchObject({
          kind: 'exception',
          data: {
            status: 'error',
            code: 'BAD_REQUEST',
            statusCode: 400,
            oauthError: 'invalid_request',
          },
        });
        const closure = await connection.closed();
        if (adapter === 'ws') expect(closure.code).toBe(4400);
        expect(tokenInfoCalls()).toBe(0);
      },
    );

    it('verifies the connection once for many messages', async () => {
      const connection = await open(withBearer(await tokenFor(['rx:read'])));
      for (let i = 0; i < 5; i++) expect((await connection.send('rx.list')).kind).toBe('reply');
      expect(tokenInfoCalls()).toBe(1);
    });

    it('verifies again when the verdict expires; a revoked token closes the connection', async () => {
      const token = await tokenFor(['rx:read']);
      const connection = await open(withBearer(token));
      expect((await connection.send('rx.list')).kind).toBe('reply');
      emulator().revokeToken(token);
      clock.advance(59_000);
      expect((await connection.send('rx.list')).kind).toBe('reply'); // the verdict still holds
      expect(tokenInfoCalls()).toBe(1);
      clock.advance(2_000);
      expect(await connection.send('rx.list')).toMatchObject({
        kind: 'exception',
        data: { code: 'UNAUTHENTICATED', oauthError: 'invalid_token' },
      });
      expect(tokenInfoCalls()).toBe(2);
      await connection.closed();
      expect(connection.open).toBe(false);
    });

    it('an expired token closes the connection at its next message', async () => {
      const connection = await open(withBearer(await tokenFor(['rx:read'], 'short')));
      expect((await connection.send('rx.list')).kind).toBe('reply');
      clock.advance(31_000);
      expect(await connection.send('rx.list')).toMatchObject({
        kind: 'exception',
        data: { code: 'UNAUTHENTICATED', oauthError: 'invalid_token' },
      });
      await connection.closed();
    });

    it('SERVICE_UNAVAILABLE with a retry hint when the verifier is down; the connection stays open', async () => {
      const connection = await open(withBearer(await tokenFor(['rx:read'])));
      emulator().injectFault('tokenInfo', { status: 503 }, { times: 1 });
      expect(await connection.send('rx.list')).toEqual({
        kind: 'exception',
        data: {
          status: 'error',
          code: 'SERVICE_UNAVAILABLE',
          statusCode: 503,
          message: 'The access token cannot be verified right now; try again later',
          retryAfterSeconds: 7,
        },
      });
      expect(connection.open).toBe(true);
      expect((await connection.send('rx.list')).kind).toBe('reply');
    });

    it('ignores ?access_token= and auth.token unless enabled', async () => {
      const token = await tokenFor(['rx:read']);
      const connection = await open({ query: { access_token: token }, auth: { token } });
      expect(await connection.send('rx.list')).toMatchObject({
        kind: 'exception',
        data: { code: 'UNAUTHENTICATED', message: 'Missing Bearer token' },
      });
    });
  });

  describe('where the token may come from', () => {
    it('?access_token= on the handshake URL with webSockets.allowTokenInQuery', async () => {
      await start({ webSockets: { allowTokenInQuery: true } });
      const connection = await open({ query: { access_token: await tokenFor(['rx:read']) } });
      expect((await connection.send('rx.list')).kind).toBe('reply');
    });

    it('a token in the header and the query is BAD_REQUEST', async () => {
      await start({ webSockets: { allowTokenInQuery: true } });
      const token = await tokenFor(['rx:read']);
      const connection = await open({ ...withBearer(token), query: { access_token: token } });
      expect(await connection.send('rx.list')).toMatchObject({
        kind: 'exception',
        data: {
          code: 'BAD_REQUEST',
          message: 'The access token was sent by more than one method (header, query)',
        },
      });
    });

    if (adapter === 'socket.io') {
      it.each([
        ['a bare token', (t: string) => t],
        ['Bearer <token>', (t: string) => `Bearer ${t}`],
      ])('auth.token (%s) with webSockets.allowTokenInAuth', async (_what, form) => {
        await start({ webSockets: { allowTokenInAuth: true } });
        const connection = await open({ auth: { token: form(await tokenFor(['rx:read'])) } });
        expect((await connection.send('rx.list')).kind).toBe('reply');
      });

      it('auth.token that is not a string is BAD_REQUEST', async () => {
        await start({ webSockets: { allowTokenInAuth: true } });
        const connection = await open({ auth: { token: { nested: true } } });
        expect(await connection.send('rx.list')).toMatchObject({
          kind: 'exception',
          data: { code: 'BAD_REQUEST', message: 'The handshake auth.token is not a string' },
        });
      });

      it('a token in the header and in auth.token is BAD_REQUEST', async () => {
        await start({ webSockets: { allowTokenInAuth: true } });
        const token = await tokenFor(['rx:read']);
        const connection = await open({ ...withBearer(token), auth: { token } });
        expect(await connection.send('rx.list')).toMatchObject({
          kind: 'exception',
          data: {
            code: 'BAD_REQUEST',
            message: 'The access token was sent in more than one place (handshake, auth.token)',
          },
        });
      });
    }
  });
});
