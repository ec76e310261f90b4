import axios from 'axios';
import { resolveOptions } from '../options/resolve-options.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { RecordingTokenServer } from '../testing/recording-token-server.js';
import { useTokenServiceBed } from '../testing/token-service.bed.js';
import { HoneybeeAuthorization } from './honeybee-authorization.service.js';

const SECRET = 'authorization-spec-secret';

describe('HoneybeeAuthorization', () => {
  const bed = useTokenServiceBed(SECRET);
  let api: RecordingTokenServer;
  let other: RecordingTokenServer;

  beforeEach(async () => {
    [api, other] = await Promise.all([RecordingTokenServer.start(), RecordingTokenServer.start()]);
  });
  afterEach(() => Promise.all([api.stop(), other.stop()]));

  /** An authorization for `api`, with a token service of its own (client `clientId`). */
  const authorization = (clientId: string) => {
    const options = { clientId, allowedOrigins: [api.url] };
    return new HoneybeeAuthorization(
      resolveOptions({ ...options, clientSecret: SECRET, allowInsecureLoopback: true }),
      bed.service(options),
    );
  };

  it('two installed on one axios instance: one token, still guarded and masked', async () => {
    const http = axios.create({ baseURL: api.url });
    authorization('client-a').install(http);
    authorization('client-b').install(http);
    api.respond((_req, res) => void res.writeHead(302, { location: `${other.url}/x` }).end());
    other.respond(() => ({ status: 500, body: 'boom' }));

    const err = await http.get('/rx').catch((e: unknown) => e);
    // The interceptor that ran first attached its token; the other one left the request alone.
    expect(bed.server.requests).toHaveLength(1);
    expect(api.requests[0].headers.authorization).toMatch(/^Bearer tok-1-/);
    expect(other.requests[0].headers.authorization).toBeUndefined();
    expectNoLeak([SECRET, ...issuedTokens()], err);
  });

  /** The tokens the token server issued so far (tok-N-xxx…, see RecordingTokenServer). */
  const issuedTokens = () => bed.server.requests.map((_r, i) => `tok-${i + 1}-`.padEnd(43, 'x'));
});
