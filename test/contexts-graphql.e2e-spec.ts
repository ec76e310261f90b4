import type { HoneybeeAuthModuleOptions, HoneybeeInboundOptions } from 'nestjs-honeybee-auth';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { CapturingLogger } from './fixtures/capturing-logger.js';
import { FakeClock } from './fixtures/fake-clock.js';
import {
  GRAPHQL_DRIVERS,
  postGraphQL,
  startGraphQLApp,
  subscribe,
} from './fixtures/contexts/graphql-app.js';
import type { GraphQLApp, GraphQLDriverName } from './fixtures/contexts/graphql-app.js';

const REALM = 'gql-realm';
const INVALID = 'The access token is invalid, expired or revoked';
const clock = new FakeClock();
let emu: HoneybeeEmulator;

beforeAll(async () => {
  emu = await HoneybeeEmulator.start({
    clock,
    clients: [
      { clientId: 'partner', clientSecret: 'partner-secret', scopes: ['rx:read', 'rx:write', 'rx:audit', 'admin'] },
      { clientId: 'me', clientSecret: 'me-secret', scopes: ['rx:read'] },
    ],
  });
});
afterAll(() => emu.stop());

function moduleOptions(inbound: HoneybeeInboundOptions = {}): HoneybeeAuthModuleOptions {
  return {
    clientId: 'me',
    clientSecret: 'me-secret',
    tokenUrl: emu.tokenUrl,
    allowInsecureLoopback: true,
    inbound: {
      realm: REALM,
      tokenInfoUrl: emu.tokenInfoUrl,
      verifyTimeoutMs: 300,
      retryAfterSeconds: 7,
      ...inbound,
    },
  };
}

describe.each(GRAPHQL_DRIVERS)('GraphQL on %s', (driver: GraphQLDriverName) => {
  let current: GraphQLApp | undefined;
  let logger: CapturingLogger;
  const tokens: string[] = [];
  const tokenFor = async (scopes: string[]) => {
    const token = (await emu.issueToken('partner', scopes)).access_token;
    tokens.push(token);
    return token;
  };
  const start = async (inbound?: HoneybeeInboundOptions) => {
    logger = new CapturingLogger();
    current = await startGraphQLApp(driver, moduleOptions(inbound), { clock, logger });
    return current;
  };

  beforeEach(() => emu.reset());
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
    const logs = logger?.lines.join('\n') ?? '';
    for (const t of tokens) expect(logs).not.toContain(t);
    tokens.length = 0;
  });

  it('answers a query with a valid token', async () => {
    const { url } = await start();
    const token = await tokenFor(['rx:read']);
    const res = await postGraphQL(url, { query: '{ prescriptions me { clientId scopes } }' }, `Bearer ${token}`);
    expect(res.body).toEqual({ data: { prescriptions: ['rx_1', 'rx_2'], me: { clientId: 'partner', scopes: ['rx:read'] } } });
  });

  it('refuses without a token', async () => {
    const { url } = await start();
    const res = await postGraphQL(url, { query: '{ prescriptions }' });
    console.log(driver, res.status, [...res.headers], res.text);
  });

  it('forbidden', async () => {
    const { url } = await start();
    const token = await tokenFor(['rx:read']);
    const res = await postGraphQL(url, { query: '{ prescriptions adminNote }' }, `Bearer ${token}`);
    console.log(driver, res.status, [...res.headers], res.text);
    const res2 = await postGraphQL(url, { query: '{ adminStrict }' }, `Bearer ${token}`);
    console.log(driver, res2.status, [...res2.headers], res2.text);
  });

  it('subscription', async () => {
    const { wsUrl } = await start();
    const token = await tokenFor(['rx:read']);
    console.log(driver, JSON.stringify(await subscribe(wsUrl, 'subscription { rxRenewed }', { authorization: `Bearer ${token}` })));
    console.log(driver, JSON.stringify(await subscribe(wsUrl, 'subscription { rxRenewed }', {})));
    console.log(driver, JSON.stringify(await subscribe(wsUrl, 'subscription { whoSubscribed { clientId scopes } }', { authorization: `Bearer ${token}` })));
  });
});
