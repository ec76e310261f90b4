import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { Transport } from '@nestjs/microservices';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { HONEYBEE_TOKEN_VERIFIER, HoneybeeAuthModule } from 'nestjs-honeybee-auth';
import type { HoneybeeAuthModuleOptions } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CapturingLogger } from '../libs/honeybee-auth/src/testing/capturing-logger.js';
import { TokenInfoLookupVerifier } from './fixtures/contexts/entry-points.js';
import { postGraphQL, subscribe } from './fixtures/contexts/graphql-app.js';
import { RX_PROTO, grpcClient } from './fixtures/contexts/microservice-app.js';

/**
 * The examples of docs/contexts.md (test/fixtures/contexts/examples/), run as they are
 * against the emulator: a document cannot show code that does not work.
 */
let emu: HoneybeeEmulator;
let reader = '';
let writer = '';
const logger = new CapturingLogger();

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clients: [
      {
        clientId: 'partner',
        clientSecret: 'partner-secret',
        scopes: ['prescriptions:read', 'prescriptions:write'],
      },
    ],
  });
  TokenInfoLookupVerifier.endpoint = emu.tokenInfoUrl;
  reader = (await emu.issueToken('partner', ['prescriptions:read'])).access_token;
  writer = (await emu.issueToken('partner', ['prescriptions:read', 'prescriptions:write']))
    .access_token;
});
afterAll(() => emu.stop());

const options = (): HoneybeeAuthModuleOptions => ({
  clientId: 'partner',
  clientSecret: 'partner-secret',
  tokenUrl: emu.tokenUrl,
  allowInsecureLoopback: true,
  inbound: { tokenInfoUrl: emu.tokenInfoUrl },
});

describe('docs/contexts.md: GraphQL', () => {
  let app: INestApplication;
  beforeAll(async () => {
    // The example module reads its credentials from the environment when it loads.
    process.env.HONEYBEE_CLIENT_ID = 'partner';
    process.env.HONEYBEE_CLIENT_SECRET = 'partner-secret';
    const { GraphQLAppModule } = await import('./fixtures/contexts/examples/graphql-app.module.js');
    const moduleRef = await Test.createTestingModule({ imports: [GraphQLAppModule] })
      // The example verifies against production Honeybee; here, against the emulator.
      .overrideProvider(HONEYBEE_TOKEN_VERIFIER)
      .useValue(new TokenInfoLookupVerifier())
      .setLogger(logger)
      .compile();
    app = moduleRef.createNestApplication({ logger });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(() => app.close());
  const url = async () => `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/graphql`;

  it('queries, mutations and a public field', async () => {
    expect(
      (await postGraphQL(await url(), { query: '{ prescriptions }' }, `Bearer ${reader}`)).body,
    ).toEqual({
      data: { prescriptions: ['mr_1 (read by partner)'] },
    });
    const renew = { query: 'mutation { renew(id: "mr_1") }' };
    expect((await postGraphQL(await url(), renew, `Bearer ${writer}`)).body).toEqual({
      data: { renew: 'mr_1 renewed' },
    });
    const refused = await postGraphQL(await url(), renew, `Bearer ${reader}`);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await postGraphQL(await url(), { query: '{ apiVersion }' })).body).toEqual({
      data: { apiVersion: '1' },
    });
  });

  it('a subscription with the token in connectionParams', async () => {
    const wsUrl = (await url()).replace(/^http/, 'ws');
    expect(
      await subscribe(wsUrl, 'subscription { renewed }', { authorization: `Bearer ${reader}` }),
    ).toEqual({ events: [{ renewed: 'mr_1 renewed (seen by partner)' }] });
  });
});

describe('docs/contexts.md: WebSockets (ws adapter)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const { PrescriptionsGateway } =
      await import('./fixtures/contexts/examples/prescriptions.gateway.js');
    @Module({ imports: [HoneybeeAuthModule.forRoot(options())], providers: [PrescriptionsGateway] })
    class GatewayModule {}
    const moduleRef = await Test.createTestingModule({ imports: [GatewayModule] })
      .setLogger(logger)
      .compile();
    app = moduleRef.createNestApplication({ logger });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
  });
  afterAll(() => app.close());

  it('answers an event for the token of the handshake', async () => {
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace(/^http/, 'ws');
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${reader}` } });
    await new Promise((resolve) => socket.once('open', resolve));
    const reply = new Promise<string>((resolve) =>
      socket.once('message', (m) => resolve(String(m))),
    );
    socket.send(JSON.stringify({ event: 'prescriptions.count', data: {} }));
    expect(JSON.parse(await reply)).toEqual({
      event: 'prescriptions.count',
      data: { clientId: 'partner', count: 1 },
    });
    socket.close();
  });
});

describe('docs/contexts.md: microservices', () => {
  let tcp: INestMicroservice;
  let grpc: INestMicroservice;
  const grpcDir = mkdtempSync(join(tmpdir(), 'honeybee-grpc-'));
  const grpcAddress = `unix://${join(grpcDir, 'rx.sock')}`;
  beforeAll(async () => {
    const { PrescriptionsController } =
      await import('./fixtures/contexts/examples/prescriptions.controller.js');
    const moduleFor = async () =>
      await Test.createTestingModule({
        imports: [HoneybeeAuthModule.forRoot(options())],
        controllers: [PrescriptionsController],
      })
        .setLogger(logger)
        .compile();
    tcp = (await moduleFor()).createNestMicroservice({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
      logger,
    });
    await tcp.listen();
    grpc = (await moduleFor()).createNestMicroservice({
      transport: Transport.GRPC,
      options: { package: 'rx', protoPath: RX_PROTO, url: grpcAddress },
      logger,
    });
    await grpc.listen();
  });
  afterAll(async () => {
    await tcp.close();
    await grpc.close();
    rmSync(grpcDir, { recursive: true, force: true });
  });

  it('TCP: the example client sends its token in the packet metadata', async () => {
    const { countPrescriptions } =
      await import('./fixtures/contexts/examples/prescriptions.client.js');
    const { port } = tcp.unwrap<Server>().address() as AddressInfo;
    expect(await countPrescriptions(port, reader)).toEqual({ clientId: 'partner', count: 1 });
    await expect(countPrescriptions(port, 'not-a-token-0123456789')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('gRPC: the token in the call metadata', async () => {
    const client = grpcClient(grpcAddress);
    try {
      expect(await client.call('List', { authorization: `Bearer ${reader}` })).toEqual({
        ok: true,
        value: { clientId: 'partner', rx: ['mr_1'] },
      });
      expect(await client.call('List')).toMatchObject({ ok: false, error: { code: 16 } });
    } finally {
      client.close();
    }
  });
});
