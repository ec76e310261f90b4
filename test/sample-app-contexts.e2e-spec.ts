import type { HoneybeeEmulator } from 'honeybee-emulator';
import WebSocket from 'ws';
import { call, startSampleApp, tokenFor } from './fixtures/sample-app/start-sample-app.js';
import type { SampleAppUnderTest } from './fixtures/sample-app/start-sample-app.js';

/**
 * The sample app's GraphQL query (`POST /graphql`) and WebSocket event (`ws://…/ws`), next to
 * its REST routes and behind the same `APP_GUARD`, as the README's walk-through shows them.
 */
describe('Sample app: GraphQL and WebSocket (e2e, embedded emulator)', () => {
  let sut: SampleAppUnderTest;
  let emu: HoneybeeEmulator;
  let reader: string;

  beforeEach(async () => {
    sut = await startSampleApp();
    emu = sut.embedded!.emulator;
    reader = await tokenFor(emu, 'demo-reader');
  });
  afterEach(async () => {
    const secrets = emu.issuedTokens().map((t) => t.accessToken);
    await sut.app.close();
    expect(sut.logger.lines.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  });

  const graphql = (query: string, token?: string) =>
    call(sut.url, 'POST', '/graphql', { token, body: { query } });
  const PRESCRIPTIONS = '{ prescriptions(patientId: "p_1") { id status medication } }';

  describe('GraphQL: query { prescriptions(patientId) }', () => {
    it("answers with Honeybee's prescriptions for a caller with prescriptions:read", async () => {
      const res = await graphql(PRESCRIPTIONS, reader);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: {
          prescriptions: [{ id: 'mr_p_1_1', status: 'active', medication: 'Atorvastatin Calcium' }],
        },
      });
      expect(sut.logger.lines).toContainEqual(
        expect.stringContaining('demo-reader read 1 prescription(s) of p_1 (GraphQL)'),
      );
    });

    it('UNAUTHENTICATED without a token, with the challenge header', async () => {
      const res = await graphql(PRESCRIPTIONS);
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: 'Missing Bearer token',
          extensions: { code: 'UNAUTHENTICATED', statusCode: 401 },
        }),
      ]);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="honeybee"');
    });

    it('FORBIDDEN for a token without prescriptions:read', async () => {
      const writerOnly = (await emu.issueToken('demo-writer', ['orders:write'])).access_token;
      const res = await graphql(PRESCRIPTIONS, writerOnly);
      expect(res.body.errors?.[0]?.extensions).toEqual({
        code: 'FORBIDDEN',
        statusCode: 403,
        oauthError: 'insufficient_scope',
        requiredScopes: ['prescriptions:read'],
      });
    });

    it("Honeybee's 404 for an unknown patient is a GraphQL error", async () => {
      const res = await graphql('{ prescriptions(patientId: "p_404") { id } }', reader);
      expect(res.status).toBe(200);
      expect(res.body.errors?.[0]).toMatchObject({ message: 'Honeybee has no patient "p_404"' });
    });
  });

  describe('WebSocket: the webhooks.recent event', () => {
    /** Opens `ws://…/ws` with the token, sends the event, resolves with the first frame back. */
    async function recent(token?: string): Promise<unknown> {
      const url = `${sut.url.replace(/^http/, 'ws')}/ws`;
      const socket = new WebSocket(url, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const reply = new Promise<string>((resolve) =>
        socket.once('message', (m) => resolve(String(m))),
      );
      socket.send(JSON.stringify({ event: 'webhooks.recent' }));
      try {
        return JSON.parse(await reply);
      } finally {
        socket.close();
      }
    }

    it('answers the recent webhook events for a caller with prescriptions:read', async () => {
      expect(await recent(reader)).toEqual({ event: 'webhooks.recent', data: { events: [] } });
    });

    it('answers an exception event without a token', async () => {
      expect(await recent()).toEqual({
        event: 'exception',
        data: {
          status: 'error',
          code: 'UNAUTHENTICATED',
          statusCode: 401,
          message: 'Missing Bearer token',
        },
      });
    });
  });
});
