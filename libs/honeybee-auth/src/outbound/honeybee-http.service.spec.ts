import { HttpModule, HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import axios, { AxiosError, isAxiosError } from 'axios';
import type { AxiosResponse } from 'axios';
import { Readable } from 'node:stream';
import { globalAgent } from 'node:http';
import { inspect } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { FakeClock } from '../testing/fake-clock.js';
import { RecordingTokenServer } from '../testing/recording-token-server.js';
import type {
  CannedResponse,
  RecordedRequest,
  Responder,
} from '../testing/recording-token-server.js';
import { HONEYBEE_CLOCK } from '../common/clock.js';
import { maskToken } from '../common/secret.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { HoneybeeAuthModule } from '../honeybee-auth.module.js';
import type { HoneybeeAuthModuleOptions } from '../options/honeybee-auth-options.interface.js';
import { requestIdOf } from './api-error.js';
import { HoneybeeAuthorization } from './honeybee-authorization.service.js';
import { HoneybeeHttpService } from './honeybee-http.service.js';
import { CapturingLogger } from '../testing/capturing-logger.js';
import { expectNoLeak as expectNoLeakOf } from '../testing/no-leak.js';

const SECRET = 'client-secret-that-never-leaks';
/** Token lifetime granted by the fake token server, in seconds. */
const LIFETIME = 600;

const bearerOf = (req: RecordedRequest | undefined) =>
  /^Bearer (.+)$/.exec(String(req?.headers.authorization ?? ''))?.[1];

const unauthorized: Responder = () => ({
  status: 401,
  headers: {
    'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_token"',
    'x-request-id': 'req-401',
  },
  body: '',
});
const forbidden: Responder = () => ({
  status: 403,
  headers: { 'www-authenticate': 'Bearer realm="Doorkeeper", error="insufficient_scope"' },
  body: '',
});
/** Doorkeeper before 5.9.1: a 403 with no challenge, an empty text/html body. */
const forbiddenWithoutChallenge: Responder = (_req, res) => {
  res.writeHead(403, {
    'content-type': 'text/html',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  });
  res.end();
};
const redirectTo =
  (location: string, status = 302): Responder =>
  (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };

/**
 * Three real servers on 127.0.0.1: the token endpoint, a Partners API that checks Bearer
 * tokens against what the token endpoint issued (expiry on the injected clock, revocation),
 * and "some other host" that must never see a token.
 */
describe('HoneybeeHttpService', () => {
  let tokenServer: RecordingTokenServer;
  let api: RecordingTokenServer;
  let other: RecordingTokenServer;
  let clock: FakeClock;
  let logs: CapturingLogger;
  let app: TestingModule | undefined;
  /** token → expiry (epoch ms on the fake clock) */
  let issued: Map<string, number>;
  let revoked: Set<string>;
  let apiCalls: number;

  const issueToken: Responder = (req) => {
    const body = tokenServer.tokenBody({
      expires_in: LIFETIME,
      ...(req.form.get('scope') ? { scope: req.form.get('scope') } : {}),
    });
    issued.set(String(body.access_token), clock.now() + LIFETIME * 1000);
    return { body, headers: { 'x-request-id': `token-req-${tokenServer.requests.length}` } };
  };
  /** The Partners API: 401 for a missing, unknown, expired or revoked token; echoes the rest. */
  const partnersApi: Responder = (req): CannedResponse => {
    const token = bearerOf(req);
    const expiry = token ? issued.get(token) : undefined;
    if (!token || expiry === undefined || clock.now() >= expiry || revoked.has(token)) {
      return unauthorized(req, undefined as never) as CannedResponse;
    }
    if (req.headers.accept !== 'application/json') return { status: 406, body: '' };
    apiCalls += 1;
    return {
      headers: { 'x-request-id': `api-req-${apiCalls}` },
      body: { method: req.method, url: req.url, body: req.body },
    };
  };

  const baseOptions = (): HoneybeeAuthModuleOptions => ({
    clientId: 'partner-app',
    clientSecret: SECRET,
    tokenUrl: tokenServer.tokenUrl,
    apiBaseUrl: `${api.url}/v1`,
    scopes: ['prescriptions:read'],
    allowInsecureLoopback: true,
    retry: { maxAttempts: 1 },
  });

  const compile = async (
    options: Partial<HoneybeeAuthModuleOptions> = {},
    imports: NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']> = [],
  ) => {
    app = await Test.createTestingModule({
      imports: [HoneybeeAuthModule.forRoot({ ...baseOptions(), ...options }), ...imports],
    })
      .overrideProvider(HONEYBEE_CLOCK)
      .useValue(clock)
      .compile();
    await app.init();
    return app;
  };

  const start = async (options: Partial<HoneybeeAuthModuleOptions> = {}) =>
    (await compile(options)).get(HoneybeeHttpService);

  const failure = async (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (err: unknown) => err,
    );

  /** Every observable rendering of `things`, and the logs, must be free of the secret and tokens. */
  const expectNoLeak = (...things: unknown[]) =>
    expectNoLeakOf([SECRET, ...issued.keys()], ...logs.lines, ...things);

  beforeEach(async () => {
    [tokenServer, api, other] = await Promise.all([
      RecordingTokenServer.start(),
      RecordingTokenServer.start(),
      RecordingTokenServer.start(),
    ]);
    tokenServer.respond(issueToken);
    api.respond(partnersApi);
    other.respond(() => ({ headers: { 'x-request-id': 'other-req' }, body: { other: true } }));
    clock = new FakeClock();
    logs = new CapturingLogger();
    Logger.overrideLogger(logs);
    issued = new Map();
    revoked = new Set();
    apiCalls = 0;
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await Promise.all([tokenServer.stop(), api.stop(), other.stop()]);
    Logger.overrideLogger(new Logger());
  });

  /**
   * Every scenario runs twice: on a cold cache (the first token), and after a token was used
   * and then expired on the injected clock (the API refuses it; the client must not send it).
   */
  describe.each([
    ['on a fresh token', false],
    ['across a token expiry', true],
  ])('%s', (_label, acrossExpiry) => {
    let http: HoneybeeHttpService;
    /** Token requests and API requests made before the scenario itself. */
    let tokenRequestsBefore: number;
    let apiRequestsBefore: number;

    const newTokenRequests = () => tokenServer.requests.length - tokenRequestsBefore;
    const apiRequests = () => api.requests.slice(apiRequestsBefore);
    const lastIssued = () => [...issued.keys()].at(-1);

    beforeEach(async () => {
      http = await start();
      if (acrossExpiry) {
        await firstValueFrom(http.get('/patients/0/rx'));
        clock.advance((LIFETIME + 1) * 1000);
      }
      tokenRequestsBefore = tokenServer.requests.length;
      apiRequestsBefore = api.requests.length;
    });

    describe('where the token goes', () => {
      it('puts the token and Accept: application/json on a relative URL', async () => {
        const res = await firstValueFrom(http.get('/patients/1/rx'));
        expect(res.status).toBe(200);
        expect(res.data).toMatchObject({ url: '/v1/patients/1/rx' });
        const [req] = apiRequests();
        expect(bearerOf(req)).toBe(lastIssued());
        expect(req.headers.accept).toBe('application/json');
        expect(newTokenRequests()).toBe(1);
        expect(tokenServer.requests.at(-1)?.form.get('scope')).toBe('prescriptions:read');
      });

      it('puts it on an absolute URL of the allowed origin, upper-case scheme and all', async () => {
        await firstValueFrom(http.get(`${api.url}/v1/orders/1`));
        await firstValueFrom(http.get(`${api.url.replace('http:', 'HTTP:')}/v1/orders/2`));
        expect(apiRequests().map(bearerOf)).toEqual([lastIssued(), lastIssued()]);
      });

      it('sends no token, and no token request, to another origin', async () => {
        const res = await firstValueFrom(http.get(`${other.url}/x`));
        expect(res.data).toEqual({ other: true });
        expect(other.requests[0].headers.authorization).toBeUndefined();
        expect(other.requests[0].headers.accept).toBe('application/json, text/plain, */*');
        expect(newTokenRequests()).toBe(0);
      });

      it('sends no token to the same server under another origin (localhost vs 127.0.0.1)', async () => {
        const sameServer = api.url.replace('127.0.0.1', 'localhost');
        const err = await failure(firstValueFrom(http.get(`${sameServer}/v1/patients/1/rx`)));
        expect((err as AxiosError).response?.status).toBe(401);
        expect(apiRequests()[0].headers.authorization).toBeUndefined();
        expect(newTokenRequests()).toBe(0);
      });

      it('sends no token when the allowed origin is only the userinfo of the URL', async () => {
        const otherPort = new URL(other.url).port;
        const trick = `${api.url}@127.0.0.1:${otherPort}/x`;
        await firstValueFrom(http.get(trick));
        expect(other.requests).toHaveLength(1);
        expect(String(other.requests[0].headers.authorization)).not.toMatch(/^Bearer/);
        expect(apiRequests()).toHaveLength(0);
      });

      it('refuses a protocol-relative URL without sending anything anywhere', async () => {
        const err = await failure(
          firstValueFrom(http.get(`//127.0.0.1:${new URL(other.url).port}/x`)),
        );
        expect(String((err as Error).message)).toMatch(/invalid url/i);
        expect(other.requests).toHaveLength(0);
        expect(apiRequests()).toHaveLength(0);
      });

      it('keeps an absolute URL on the API when allowAbsoluteUrls is false (token and all)', async () => {
        await firstValueFrom(
          http.get(`${other.url}/x`, { allowAbsoluteUrls: false, params: { next: other.url } }),
        );
        expect(other.requests).toHaveLength(0);
        expect(bearerOf(apiRequests()[0])).toBe(lastIssued());
      });

      it('leaves a request that already carries Authorization untouched', async () => {
        const err = await failure(
          firstValueFrom(http.get('/patients/1/rx', { headers: { Authorization: 'Bearer mine' } })),
        );
        expect((err as AxiosError).response?.status).toBe(401);
        expect(apiRequests()[0].headers.authorization).toBe('Bearer mine');
        expect(apiRequests()).toHaveLength(1);
        expect(newTokenRequests()).toBe(0);
      });

      it('keeps an explicit Accept', async () => {
        api.respond((req) => ({ body: { accept: req.headers.accept } }));
        const res = await firstValueFrom(
          http.get('/patients/1/rx', { headers: { Accept: 'application/vnd.honeybee+json' } }),
        );
        expect(res.data).toEqual({ accept: 'application/vnd.honeybee+json' });
      });

      it('sends no token when the request opts out (honeybee.authorize: false)', async () => {
        await failure(
          firstValueFrom(http.get('/patients/1/rx', { honeybee: { authorize: false } })),
        );
        expect(apiRequests()[0].headers.authorization).toBeUndefined();
        expect(newTokenRequests()).toBe(0);
      });

      it('asks for per-request scopes, cached separately from the default ones', async () => {
        await firstValueFrom(
          http.post('/orders', { id: 1 }, { honeybee: { scopes: ['orders:write'] } }),
        );
        await firstValueFrom(http.get('/patients/1/rx'));
        await firstValueFrom(
          http.post('/orders', { id: 2 }, { honeybee: { scopes: ['orders:write'] } }),
        );
        const scopes = tokenServer.requests
          .slice(tokenRequestsBefore)
          .map((r) => r.form.get('scope'));
        expect(scopes).toEqual(['orders:write', 'prescriptions:read']);
        const [first, second, third] = apiRequests().map(bearerOf);
        expect(first).toBe(third);
        expect(first).not.toBe(second);
      });

      it('gets one token for many concurrent requests', async () => {
        const all = await Promise.all(
          Array.from({ length: 20 }, (_, i) => firstValueFrom(http.get(`/patients/${i}/rx`))),
        );
        expect(all.every((r) => r.status === 200)).toBe(true);
        expect(newTokenRequests()).toBe(1);
        expect(new Set(apiRequests().map(bearerOf)).size).toBe(1);
      });
    });

    describe('redirects', () => {
      it('keeps the token on a same-origin redirect', async () => {
        api.respond(redirectTo(`${api.url}/v1/landing`), partnersApi);
        const res = await firstValueFrom(http.get('/patients/1/rx'));
        expect(res.data).toMatchObject({ url: '/v1/landing' });
        expect(apiRequests().map(bearerOf)).toEqual([lastIssued(), lastIssued()]);
      });

      it('drops the token on a redirect to another origin', async () => {
        api.respond(redirectTo(`${other.url}/landing`));
        const res = await firstValueFrom(http.get('/patients/1/rx'));
        expect(res.data).toEqual({ other: true });
        expect(bearerOf(apiRequests()[0])).toBe(lastIssued());
        expect(other.requests[0].headers.authorization).toBeUndefined();
      });

      it('drops it for the same server under another origin, and a 401 there is not replayed', async () => {
        const sameServer = api.url.replace('127.0.0.1', 'localhost');
        api.respond(redirectTo(`${sameServer}/v1/landing`, 307), partnersApi);
        const err = await failure(firstValueFrom(http.get('/patients/1/rx')));
        expect((err as AxiosError).response?.status).toBe(401);
        expect(apiRequests().map((r) => r.headers.authorization)).toEqual([
          `Bearer ${lastIssued()}`,
          undefined,
        ]);
        // The 401 did not answer our token: it is neither invalidated nor replaced.
        expect(newTokenRequests()).toBe(1);
        await firstValueFrom(http.get('/patients/2/rx'));
        expect(newTokenRequests()).toBe(1);
      });

      it("runs the caller's beforeRedirect, and still drops the token after it", async () => {
        api.respond(redirectTo(`${other.url}/landing`));
        const seen: string[] = [];
        await firstValueFrom(
          http.get('/patients/1/rx', {
            beforeRedirect: (options) => {
              seen.push(String(options.href));
              (options.headers as Record<string, string>).authorization = `Bearer ${lastIssued()}`;
            },
          }),
        );
        expect(seen).toEqual([`${other.url}/landing`]);
        expect(other.requests[0].headers.authorization).toBeUndefined();
      });
    });

    describe('401, 403 and replay', () => {
      it('replays once with a fresh token after a 401 (a revoked token)', async () => {
        await firstValueFrom(http.get('/patients/1/rx'));
        const stale = lastIssued()!;
        revoked.add(stale);
        const res = await firstValueFrom(http.post('/orders', { drug: 'x' }));
        expect(res.status).toBe(200);
        const [, rejected, replayed] = apiRequests();
        expect(bearerOf(rejected)).toBe(stale);
        expect(bearerOf(replayed)).toBe(lastIssued());
        expect(lastIssued()).not.toBe(stale);
        expect(replayed.body).toBe(rejected.body);
        expect(JSON.parse(replayed.body)).toEqual({ drug: 'x' });
        expect(replayed.headers['content-type']).toBe('application/json');
        expect(newTokenRequests()).toBe(2);
      });

      it('returns a persistent 401 to the caller after exactly one replay', async () => {
        api.respond(unauthorized);
        const err = await failure(firstValueFrom(http.get('/patients/1/rx')));
        expect(isAxiosError(err)).toBe(true);
        expect((err as AxiosError).response?.status).toBe(401);
        expect((err as AxiosError).response?.headers['www-authenticate']).toContain(
          'invalid_token',
        );
        expect(apiRequests()).toHaveLength(2);
        expect(newTokenRequests()).toBe(2);
      });

      it.each([
        ['with an insufficient_scope challenge (Doorkeeper 5.9.1 and later)', forbidden],
        ['without a challenge (Doorkeeper before 5.9.1)', forbiddenWithoutChallenge],
      ])('never replays a 403 %s, nor drops the token', async (_case, responder) => {
        api.respond(responder);
        const err = await failure(firstValueFrom(http.get('/patients/1/rx')));
        expect((err as AxiosError).response?.status).toBe(403);
        expect(apiRequests()).toHaveLength(1);
        expect(newTokenRequests()).toBe(1);
        api.respond(partnersApi);
        await firstValueFrom(http.get('/patients/1/rx'));
        expect(newTokenRequests()).toBe(1);
      });

      it('does not replay a stream body, but drops the rejected token for the next call', async () => {
        api.respond(unauthorized, partnersApi);
        const body = Readable.from([Buffer.from('{"drug":"x"}')]);
        const err = await failure(
          firstValueFrom(
            http.post('/orders', body, { headers: { 'Content-Type': 'application/json' } }),
          ),
        );
        expect((err as AxiosError).response?.status).toBe(401);
        expect(apiRequests()).toHaveLength(1);
        expect(apiRequests()[0].body).toBe('{"drug":"x"}');
        await firstValueFrom(http.get('/patients/1/rx'));
        expect(newTokenRequests()).toBe(2);
        expect(bearerOf(apiRequests()[1])).not.toBe(bearerOf(apiRequests()[0]));
      });

      it('refreshes once for many concurrent requests rejected with the same token', async () => {
        await firstValueFrom(http.get('/patients/0/rx'));
        revoked.add(lastIssued()!);
        const all = await Promise.all(
          Array.from({ length: 10 }, (_, i) => firstValueFrom(http.get(`/patients/${i}/rx`))),
        );
        expect(all.every((r) => r.status === 200)).toBe(true);
        expect(newTokenRequests()).toBe(2);
        expect(apiRequests()).toHaveLength(21);
      });
    });

    describe('errors', () => {
      it('surfaces a token failure as HoneybeeTokenError, and sends nothing to the API', async () => {
        tokenServer.respond(() => ({ status: 401, body: { error: 'invalid_client' } }));
        const err = await failure(firstValueFrom(http.get('/patients/1/rx')));
        expect(err).toBeInstanceOf(HoneybeeTokenError);
        expect(isAxiosError(err)).toBe(false);
        expect((err as HoneybeeTokenError).error).toBe('invalid_client');
        expect(apiRequests()).toHaveLength(0);
        expectNoLeak(err);
      });

      it('surfaces a token failure during the replay as HoneybeeTokenError', async () => {
        api.respond(unauthorized);
        tokenServer.respond(issueToken, () => ({
          status: 503,
          headers: { 'x-request-id': 'token-503' },
          body: 'down',
        }));
        const err = await failure(firstValueFrom(http.get('/patients/1/rx')));
        expect(err).toBeInstanceOf(HoneybeeTokenError);
        expect(requestIdOf(err)).toBe('token-503');
        expect(apiRequests()).toHaveLength(1);
        expectNoLeak(err);
      });

      it('keeps the axios error shape, exposes X-Request-Id and masks the token', async () => {
        api.respond(() => ({ status: 404, headers: { 'x-request-id': 'req-404' }, body: {} }));
        const err = await failure(firstValueFrom(http.get('/patients/404/rx')));
        expect(err).toBeInstanceOf(AxiosError);
        const e = err as AxiosError;
        expect(e.response?.status).toBe(404);
        expect(requestIdOf(e)).toBe('req-404');
        const token = bearerOf(apiRequests()[0])!;
        expect(e.config?.headers.Authorization).toBe(`Bearer ${maskToken(token)}`);
        expect(e.config?.headers.Authorization).toMatch(/^Bearer tok-…\(43\)$/);
        expect(e.request).toBeDefined();
        expect(Object.keys(e)).not.toContain('request');
        expectNoLeak(e, e.toJSON(), e.config, e.response);
      });

      it('masks the token in a 401 that was replayed and in a network failure', async () => {
        api.respond(unauthorized);
        const rejected = await failure(firstValueFrom(http.get('/patients/1/rx')));
        expect(requestIdOf(rejected)).toBe('req-401');
        await api.stop();
        const refused = await failure(firstValueFrom(http.get('/patients/1/rx')));
        // ECONNRESET when a kept-alive socket to the stopped server is reused.
        expect(['ECONNREFUSED', 'ECONNRESET']).toContain((refused as AxiosError).code);
        expect(requestIdOf(refused)).toBeUndefined();
        expectNoLeak(rejected, refused);
        api = await RecordingTokenServer.start();
      });

      it("sends a finished request's config again with a real token, as retry helpers do", async () => {
        api.respond(() => ({ status: 503, body: '' }), partnersApi);
        const err = (await failure(firstValueFrom(http.get('/patients/1/rx')))) as AxiosError;
        expect(err.config?.headers.Authorization).toMatch(/…/);
        // HttpService cancels its CancelToken when the Observable ends: send without it.
        const res = await http.axiosRef.request({ ...err.config, cancelToken: undefined });
        expect(res.status).toBe(200);
        expect(apiRequests().map(bearerOf)).toEqual([lastIssued(), lastIssued()]);

        // Sent a third time into a persistent 401: still exactly one replay, not one per layer.
        api.respond(unauthorized);
        await failure(http.axiosRef.request({ ...res.config, cancelToken: undefined }));
        expect(apiRequests()).toHaveLength(4);
      });

      it('masks the token in a successful response too', async () => {
        const res: AxiosResponse = await firstValueFrom(http.get('/patients/1/rx'));
        expect(res.config.headers.Authorization).toMatch(/^Bearer tok-…\(43\)$/);
        expect(requestIdOf(new AxiosError('x', 'E', res.config, undefined, res))).toMatch(
          /^api-req-/,
        );
        expectNoLeak(res);
      });
    });
  });

  describe('the axios instances', () => {
    it('owns its axios instance: the global axios is left untouched', async () => {
      const globalInterceptors = countInterceptors(axios);
      const http = await start();
      await firstValueFrom(http.get('/patients/1/rx'));
      expect(http.axiosRef).not.toBe(axios);
      expect(http.axiosRef.defaults.baseURL).toBe(`${api.url}/v1`);
      expect(countInterceptors(axios)).toBe(globalInterceptors);
      expect(JSON.stringify(axios.defaults.headers)).not.toMatch(/authorization/i);
      expect(JSON.stringify(http.axiosRef.defaults.headers)).not.toMatch(/authorization/i);
    });

    it('leaves no token in the transport objects a keep-alive socket keeps reachable', async () => {
      const http = await start();
      await firstValueFrom(http.get('/patients/1/rx'));
      // A later call elsewhere carries no token, but its response and error reach the shared
      // agent and its free sockets, which point at the previous request made on them.
      const res = await firstValueFrom(http.get(`${other.url}/x`));
      other.respond(() => ({ status: 500, body: 'boom' }));
      const err = await failure(firstValueFrom(http.get(`${other.url}/y`)));
      const token = [...issued.keys()][0];
      for (const value of [res, err, globalAgent]) {
        expect(inspect(value, { depth: 8 })).not.toContain(token);
      }
    });

    it('times out a Honeybee call after httpTimeoutMs (a request may set its own)', async () => {
      api.respond(() => new Promise(() => undefined));
      const http = await start({ httpTimeoutMs: 50 });
      expect(http.axiosRef.defaults.timeout).toBe(50);
      const err = await failure(firstValueFrom(http.get('/patients/1/rx')));
      expect(err).toMatchObject({ code: 'ECONNABORTED' });
    });

    it('authorizes an HttpModule.register() instance with HoneybeeAuthorization.install', async () => {
      const moduleRef = await compile({}, [HttpModule.register({ baseURL: `${api.url}/v1` })]);
      const http = moduleRef.get(HttpService);
      const authorization = moduleRef.get(HoneybeeAuthorization);
      const uninstall = authorization.install(http.axiosRef);
      expect(authorization.install(http.axiosRef)).toBe(uninstall);

      await firstValueFrom(http.get('/patients/1/rx'));
      await firstValueFrom(http.get(`${other.url}/x`));
      expect(bearerOf(api.requests[0])).toBe([...issued.keys()][0]);
      expect(other.requests[0].headers.authorization).toBeUndefined();

      uninstall();
      await failure(firstValueFrom(http.get('/patients/2/rx')));
      expect(api.requests[1].headers.authorization).toBeUndefined();
    });

    it('takes instance-wide honeybee settings from HttpModule.register() options', async () => {
      const moduleRef = await compile({}, [
        HttpModule.register({ baseURL: `${api.url}/v1`, honeybee: { scopes: ['orders:write'] } }),
      ]);
      const http = moduleRef.get(HttpService);
      moduleRef.get(HoneybeeAuthorization).install(http.axiosRef);
      await firstValueFrom(http.post('/orders', {}));
      await firstValueFrom(http.get('/patients/1/rx', { honeybee: { scopes: ['x:y'] } }));
      expect(tokenServer.requests.map((r) => r.form.get('scope'))).toEqual(['orders:write', 'x:y']);
    });

    it('drops the token at dispatch when a later interceptor moves the request elsewhere', async () => {
      const moduleRef = await compile({}, [HttpModule.register({ baseURL: `${api.url}/v1` })]);
      const http = moduleRef.get(HttpService);
      // Registered first, so with axios's default ordering it runs after Honeybee's.
      http.axiosRef.interceptors.request.use((config) => {
        if (config.url === '/moved') config.url = `${other.url}/moved`;
        return config;
      });
      moduleRef.get(HoneybeeAuthorization).install(http.axiosRef);
      await firstValueFrom(http.get('/moved'));
      expect(other.requests[0].headers.authorization).toBeUndefined();
      expect(tokenServer.requests).toHaveLength(1);
    });
  });
});

function countInterceptors(instance: typeof axios): number {
  const live = (handlers: unknown[] | undefined) => (handlers ?? []).filter(Boolean).length;
  return (
    live(instance.interceptors.request.handlers) + live(instance.interceptors.response.handlers)
  );
}
