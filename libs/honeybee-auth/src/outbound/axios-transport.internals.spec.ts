import axios, { AxiosError, getAdapter } from 'axios';
import type { AxiosResponse } from 'axios';
import { Agent, ClientRequest, createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import {
  conceal,
  guardRedirects,
  lastHopSent,
  recordRedirects,
  scrubTransport,
} from './axios-transport.internals.js';

/**
 * Pins every internal that `axios-transport.internals.ts` relies on against the installed axios,
 * follow-redirects and Node, with real requests to a server on 127.0.0.1. A failure here means
 * an upgrade moved something: read the table at the top of that file before changing anything.
 */
const TOKEN = 'pinned-token-0123456789';
const AUTHORIZATION = `Bearer ${TOKEN}`;

/** `major.minor.patch` as a comparable number (each part below 1000). */
const versionNumber = (version: string) =>
  version
    .split(/[.-]/)
    .slice(0, 3)
    .reduce((n, part) => n * 1000 + Number(part), 0);

const symbolNamed = (target: object, description: string) =>
  Object.getOwnPropertySymbols(target).find((s) => s.description === description);

describe('axios-transport internals', () => {
  let server: Server;
  let origin: string;
  /** What the server saw, per path. */
  let seen: Map<string, IncomingHttpHeaders>;
  let agent: Agent;

  beforeEach(async () => {
    seen = new Map();
    server = createServer((req, res) => {
      seen.set(req.url ?? '', req.headers);
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/ok' }).end();
      } else if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = new Agent({ keepAlive: true });
  });

  afterEach(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A request through axios's Node adapter (follow-redirects), keep-alive, with our header. */
  const viaHttp = (path: string) =>
    axios.get(`${origin}${path}`, {
      adapter: 'http',
      httpAgent: agent,
      headers: { Authorization: AUTHORIZATION },
    });

  it('the installed versions are within the ranges the file names', () => {
    const require = createRequire(import.meta.url);
    const axiosVersion = (require('axios/package.json') as { version: string }).version;
    // follow-redirects as axios resolves it (axios's own dependency).
    const followRedirects = require(
      require.resolve('follow-redirects/package.json', {
        paths: [dirname(require.resolve('axios'))],
      }),
    ) as { version: string };
    expect(versionNumber(axiosVersion)).toBeGreaterThanOrEqual(versionNumber('1.12.0'));
    expect(versionNumber(axiosVersion)).toBeLessThan(versionNumber('2.0.0'));
    expect(versionNumber(followRedirects.version)).toBeGreaterThanOrEqual(versionNumber('1.15.6'));
    expect(versionNumber(followRedirects.version)).toBeLessThan(versionNumber('2.0.0'));
  });

  describe('http adapter and Node', () => {
    it("response.request is the last hop's ClientRequest, with _header and kOutHeaders", async () => {
      const res = await viaHttp('/redirect');
      const request = res.request as ClientRequest & Record<string | symbol, unknown>;
      expect(request).toBeInstanceOf(ClientRequest);
      expect(request.path).toBe('/ok');
      expect(request.getHeader('authorization')).toBe(AUTHORIZATION);
      expect(typeof request._header).toBe('string');
      expect(request._header).toContain(AUTHORIZATION);
      const kOutHeaders = symbolNamed(request, 'kOutHeaders');
      expect(kOutHeaders).toBeDefined();
      expect((request[kOutHeaders!] as Record<string, unknown>).authorization).toEqual([
        'Authorization',
        AUTHORIZATION,
      ]);
    });

    it('error.request is the ClientRequest too', async () => {
      const err = await viaHttp('/missing').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AxiosError);
      expect((err as AxiosError).request).toBeInstanceOf(ClientRequest);
      expect(((err as AxiosError).request as ClientRequest).getHeader('authorization')).toBe(
        AUTHORIZATION,
      );
    });

    it("a kept-alive socket's axios.http.currentReq reaches follow-redirects' _options and _currentRequest", async () => {
      const res = await viaHttp('/redirect');
      const request = res.request as ClientRequest;
      const socket = request.socket as unknown as Record<symbol, unknown>;
      expect(Object.values(agent.freeSockets).flat()).toContain(request.socket);
      const currentReq = symbolNamed(socket, 'axios.http.currentReq');
      expect(currentReq).toBeDefined();
      const redirectable = socket[currentReq!] as {
        _options: { headers: Record<string, unknown> };
        _currentRequest: unknown;
      };
      expect(redirectable._currentRequest).toBe(request);
      expect(redirectable._options.headers.Authorization).toBe(AUTHORIZATION);
    });

    it('scrubTransport masks the token in each of those places', async () => {
      const res = await viaHttp('/redirect');
      scrubTransport({ response: res }, [TOKEN]);
      const request = res.request as ClientRequest & Record<string | symbol, unknown>;
      const socket = request.socket as unknown as Record<symbol, unknown>;
      const redirectable = socket[symbolNamed(socket, 'axios.http.currentReq')!] as {
        _options: { headers: Record<string, unknown> };
      };
      const kOutHeaders = request[symbolNamed(request, 'kOutHeaders')!];
      for (const place of [request._header, kOutHeaders, redirectable._options.headers]) {
        expect(JSON.stringify(place)).not.toContain(TOKEN);
        expect(JSON.stringify(place)).toContain('Bearer pinn…(23)');
      }
    });

    it("beforeRedirect gets follow-redirects' options: href of the next hop, headers it sends", async () => {
      const hops: { href: string; headers: string[] }[] = [];
      await axios.get(`${origin}/redirect`, {
        adapter: 'http',
        headers: { Authorization: AUTHORIZATION },
        beforeRedirect: (options) => {
          hops.push({
            href: String(options.href),
            headers: Object.keys(options.headers as object),
          });
          delete (options.headers as Record<string, unknown>).Authorization;
        },
      });
      expect(hops).toEqual([
        { href: `${origin}/ok`, headers: expect.arrayContaining(['Authorization']) },
      ]);
      // What the hook removed from the options is not sent.
      expect(seen.get('/redirect')?.authorization).toBe(AUTHORIZATION);
      expect(seen.get('/ok')?.authorization).toBeUndefined();
    });

    it('guardRedirects keeps the header on the same origin and drops it elsewhere', async () => {
      const sameOrigin = { href: `${origin}/ok`, headers: { Authorization: AUTHORIZATION } };
      const elsewhere = {
        href: 'https://elsewhere.test/',
        headers: { Authorization: AUTHORIZATION },
      };
      const guard = guardRedirects(undefined, origin, () => AUTHORIZATION);
      guard(sameOrigin as never, {} as never, {} as never);
      guard(elsewhere as never, {} as never, {} as never);
      expect(sameOrigin.headers).toEqual({ Authorization: AUTHORIZATION });
      expect(elsewhere.headers).toEqual({});
    });
  });

  describe('fetch adapter', () => {
    it('calls env.fetch with a Request, which becomes response.request', async () => {
      const given: unknown[] = [];
      const res = await axios.get(`${origin}/ok`, {
        adapter: 'fetch',
        headers: { Authorization: AUTHORIZATION },
        env: {
          fetch: (input: string | URL | Request, init?: RequestInit) => {
            given.push(input);
            return fetch(input, init);
          },
        },
      });
      expect(given).toHaveLength(1);
      expect(given[0]).toBeInstanceOf(Request);
      expect(res.request).toBe(given[0]);
      expect((given[0] as Request).headers.get('authorization')).toBe(AUTHORIZATION);
    });

    it('builds one adapter per fetch function (a stable wrapper keeps the cache bounded)', () => {
      const own = (input: string | URL | Request, init?: RequestInit) => fetch(input, init);
      expect(getAdapter('fetch', { env: { fetch: own } })).toBe(
        getAdapter('fetch', { env: { fetch: own } }),
      );
    });

    it('recordRedirects lets lastHopSent prove a 401 answered the token, unless redirected', async () => {
      const send = async (path: string): Promise<AxiosResponse> => {
        const config = { adapter: 'fetch' as const, headers: { Authorization: AUTHORIZATION } };
        const probe = axios.create(config);
        probe.interceptors.request.use((c) => {
          recordRedirects(c);
          return c;
        });
        return probe.get(`${origin}${path}`);
      };
      const direct = await send('/ok');
      expect(lastHopSent(direct, AUTHORIZATION)).toBe(true);
      expect(lastHopSent(direct, 'Bearer another-token')).toBe(false);
      const redirected = await send('/redirect');
      expect(lastHopSent(redirected, AUTHORIZATION)).toBe(false);
    });
  });

  it('conceal hides response.request from inspection, still readable', async () => {
    const res = await viaHttp('/ok');
    const request = res.request;
    conceal({ response: res });
    expect(Object.keys(res)).not.toContain('request');
    expect(res.request).toBe(request);
  });
});
