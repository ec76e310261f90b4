import type { HoneybeeInboundOptions } from 'nestjs-honeybee-auth';
import {
  MESSAGES,
  contextsEmulatorForFile,
  contextsModuleOptions,
} from './fixtures/contexts/contexts-emulator.js';
import { CapturingLogger } from '../libs/honeybee-auth/src/testing/capturing-logger.js';
import { FakeClock } from '../libs/honeybee-auth/src/testing/fake-clock.js';
import { grpcClient, startMicroservice, tcpClient } from './fixtures/contexts/microservice-app.js';
import type { TestMicroservice } from './fixtures/contexts/microservice-app.js';
import { acceptedEvents, eventsAccepted } from './fixtures/contexts/rx.microservice.js';

const REALM = 'rpc-realm';
const INVALID = MESSAGES.invalid;
const UNAVAILABLE = MESSAGES.unavailable;
const FORBIDDEN = MESSAGES.forbiddenAdmin;
const clock = new FakeClock();
const emulator = contextsEmulatorForFile(clock);

const moduleOptions = (inbound: HoneybeeInboundOptions = {}) =>
  contextsModuleOptions(emulator(), { realm: REALM, ...inbound });

let service: TestMicroservice | undefined;
let logger: CapturingLogger;
const tokens: string[] = [];
const tokenFor = async (scopes: string[]) => {
  const token = (await emulator().issueToken('partner', scopes)).access_token;
  tokens.push(token);
  return token;
};
const tokenInfoCalls = () => emulator().requests('tokenInfo').length;

beforeEach(() => emulator().reset());
afterEach(async () => {
  await service?.close();
  service = undefined;
  const logs = logger?.lines.join('\n') ?? '';
  for (const t of tokens) expect(logs).not.toContain(t);
  tokens.length = 0;
});

describe('TCP microservice (token in the packet metadata)', () => {
  let client: ReturnType<typeof tcpClient>;
  beforeEach(async () => {
    logger = new CapturingLogger();
    service = await startMicroservice('tcp', moduleOptions(), { clock, logger });
    client = tcpClient(service.address);
  });
  afterEach(() => client.close());

  it('answers with the principal for a valid token', async () => {
    const token = await tokenFor(['rx:read']);
    expect(await client.send('rx.list', `Bearer ${token}`)).toEqual({
      ok: true,
      value: { clientId: 'partner', scopes: ['rx:read'], rx: ['rx_1', 'rx_2'] },
    });
  });

  it('UNAUTHENTICATED without a token; a @Public() pattern still answers', async () => {
    expect(await client.send('rx.list')).toEqual({
      ok: false,
      error: {
        status: 'error',
        code: 'UNAUTHENTICATED',
        statusCode: 401,
        message: 'Missing Bearer token',
      },
    });
    expect((await client.send('ping')).ok).toBe(true);
  });

  it('UNAUTHENTICATED invalid_token for an unknown token', async () => {
    const outcome = await client.send('rx.list', 'Bearer unknown-token-0123456789');
    expect(outcome).toEqual({
      ok: false,
      error: {
        status: 'error',
        code: 'UNAUTHENTICATED',
        statusCode: 401,
        oauthError: 'invalid_token',
        message: INVALID,
      },
    });
  });

  it.each([
    ['a malformed token', 'Bearer abc,def'],
    ['two tokens', 'Bearer abc def'],
    ['an empty token', 'Bearer'],
  ])('BAD_REQUEST for %s, without asking Honeybee', async (_what, authorization) => {
    expect(await client.send('rx.list', authorization)).toMatchObject({
      ok: false,
      error: {
        status: 'error',
        code: 'BAD_REQUEST',
        statusCode: 400,
        oauthError: 'invalid_request',
      },
    });
    expect(tokenInfoCalls()).toBe(0);
  });

  it('FORBIDDEN with the required scopes', async () => {
    const token = await tokenFor(['rx:read']);
    expect(await client.send('rx.admin', `Bearer ${token}`)).toEqual({
      ok: false,
      error: {
        status: 'error',
        code: 'FORBIDDEN',
        statusCode: 403,
        oauthError: 'insufficient_scope',
        message: FORBIDDEN,
        requiredScopes: ['admin', 'rx:read'],
      },
    });
    const auditor = await tokenFor(['rx:read', 'rx:audit']);
    expect((await client.send('rx.audit', `Bearer ${auditor}`)).ok).toBe(true);
  });

  it('SERVICE_UNAVAILABLE with a retry hint when the verifier is down', async () => {
    const token = await tokenFor(['rx:read']);
    emulator().injectFault('tokenInfo', { dropConnection: true }, { times: 1 });
    expect(await client.send('rx.list', `Bearer ${token}`)).toEqual({
      ok: false,
      error: {
        status: 'error',
        code: 'SERVICE_UNAVAILABLE',
        statusCode: 503,
        message: UNAVAILABLE,
        retryAfterSeconds: 7,
      },
    });
    expect((await client.send('rx.list', `Bearer ${token}`)).ok).toBe(true);
  });

  it('verifies a token once for many messages', async () => {
    const token = await tokenFor(['rx:read']);
    for (let i = 0; i < 5; i++)
      expect((await client.send('rx.list', `Bearer ${token}`)).ok).toBe(true);
    expect(tokenInfoCalls()).toBe(1);
  });

  it('a refused event is dropped (no crash), an accepted one runs', async () => {
    acceptedEvents.length = 0;
    await client.emit('rx.renewed', undefined, { id: 'refused' });
    await client.emit('rx.renewed', `Bearer ${await tokenFor(['rx:read'])}`, { id: 'accepted' });
    await eventsAccepted(1);
    expect(acceptedEvents).toEqual([{ id: 'accepted' }]);
  });
});

describe('gRPC microservice (token in the call metadata)', () => {
  let client: ReturnType<typeof grpcClient>;
  beforeEach(async () => {
    logger = new CapturingLogger();
    service = await startMicroservice('grpc', moduleOptions(), { clock, logger });
    client = grpcClient(service.address);
  });
  afterEach(() => client.close());

  it('answers with the principal for a valid token', async () => {
    const token = await tokenFor(['rx:read']);
    expect(await client.call('List', { authorization: `Bearer ${token}` })).toEqual({
      ok: true,
      value: { clientId: 'partner', scopes: ['rx:read'], rx: ['rx_1', 'rx_2'] },
    });
  });

  it('UNAUTHENTICATED (16) without a token, with the bare challenge as a trailer', async () => {
    expect(await client.call('List')).toEqual({
      ok: false,
      error: {
        code: 16,
        details: 'Missing Bearer token',
        trailers: { 'www-authenticate': `Bearer realm="${REALM}"` },
      },
    });
    expect((await client.call('Ping')).ok).toBe(true);
  });

  it('UNAUTHENTICATED (16) for an invalid token', async () => {
    expect(await client.call('List', { authorization: 'Bearer unknown-token-0123456789' })).toEqual(
      {
        ok: false,
        error: {
          code: 16,
          details: INVALID,
          trailers: {
            'www-authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${INVALID}"`,
          },
        },
      },
    );
  });

  it('INVALID_ARGUMENT (3) for a malformed token', async () => {
    const outcome = await client.call('List', { authorization: 'Bearer abc,def' });
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 3, details: 'The Bearer token is malformed' },
    });
    expect(tokenInfoCalls()).toBe(0);
  });

  it('PERMISSION_DENIED (7) with the scopes in the challenge', async () => {
    const token = await tokenFor(['rx:read']);
    expect(await client.call('Admin', { authorization: `Bearer ${token}` })).toEqual({
      ok: false,
      error: {
        code: 7,
        details: FORBIDDEN,
        trailers: {
          'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", error_description="${FORBIDDEN}", scope="admin rx:read"`,
        },
      },
    });
  });

  it('UNAVAILABLE (14) with retry-after when the verifier is down', async () => {
    const token = await tokenFor(['rx:read']);
    emulator().injectFault('tokenInfo', { status: 500 }, { times: 1 });
    expect(await client.call('List', { authorization: `Bearer ${token}` })).toEqual({
      ok: false,
      error: { code: 14, details: UNAVAILABLE, trailers: { 'retry-after': '7' } },
    });
  });
});
