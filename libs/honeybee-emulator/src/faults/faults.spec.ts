import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { FAULT_ENDPOINTS } from './faults.js';
import type { FaultEndpoint } from './faults.js';
import { htmlProxyErrorFault, oauthErrorFault } from './fault-presets.js';
import { apiGet, basic, postForm, rawRequest, send } from '../testing/http-test.helpers.js';
import { APP } from '../testing/emulator.fixtures.js';

const TOKEN_FORM = {
  grant_type: 'client_credentials',
  scope: 'prescriptions:read',
  client_id: 'app',
  client_secret: 'app-secret',
};

describe('fault injection', () => {
  let emu: HoneybeeEmulator;

  beforeEach(async () => {
    emu = await HoneybeeEmulator.start({ clients: [APP] });
  });

  afterEach(() => emu.stop());

  const token = (): ReturnType<typeof postForm> => postForm(emu.tokenUrl, TOKEN_FORM);

  it('answers a status with a JSON body for the next N requests, then behaves again', async () => {
    const handle = emu.injectFault(
      'token',
      { status: 503, body: { error: 'temporarily_unavailable' } },
      { times: 2 },
    );
    for (let i = 0; i < 2; i += 1) {
      const res = await token();
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ error: 'temporarily_unavailable' });
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    expect((await token()).status).toBe(200);
    expect(handle).toMatchObject({ hits: 2, remaining: 0, active: false });
    expect(emu.requests('token').map((r) => r.fault)).toEqual(['status', 'status', undefined]);
  });

  it('keeps a fault without times until cleared, per endpoint or all at once', async () => {
    emu.injectFault('token', { status: 500 });
    emu.injectFault('metadata', { status: 502 });
    expect((await token()).status).toBe(500);
    expect((await token()).status).toBe(500);
    emu.clearFaults('token');
    expect((await token()).status).toBe(200);
    expect((await send(emu.metadataUrl)).status).toBe(502);
    emu.clearFaults();
    expect((await send(emu.metadataUrl)).status).toBe(200);
  });

  it('applies faults in injection order and can be cleared through its handle', async () => {
    const first = emu.injectFault('token', { status: 502 }, { times: 1 });
    const second = emu.injectFault('token', { status: 504 });
    expect((await token()).status).toBe(502);
    expect((await token()).status).toBe(504);
    second.clear();
    expect(second.active).toBe(false);
    expect(first.hits).toBe(1);
    expect((await token()).status).toBe(200);
  });

  it('sends a reverse proxy’s HTML error page with no X-Request-Id', async () => {
    emu.injectFault('token', htmlProxyErrorFault(502), { times: 1 });
    const res = await token();
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.text).toContain('<h1>502 Bad Gateway</h1>');
    expect(res.headers.get('x-request-id')).toBeNull();
  });

  it('sends Doorkeeper-shaped errors the emulator never produces by itself', async () => {
    emu.injectFault('token', oauthErrorFault('temporarily_unavailable'), { times: 1 });
    const res = await token();
    expect(res.status).toBe(503);
    expect((res.json as { error: string }).error).toBe('temporarily_unavailable');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="Doorkeeper", error="temporarily_unavailable"/,
    );
    emu.injectFault('token', oauthErrorFault('server_error'), { times: 1 });
    expect((await token()).status).toBe(500);
  });

  it('sends a malformed body labelled as JSON', async () => {
    emu.injectFault('token', { malformedBody: true }, { times: 1 });
    const res = await token();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(() => JSON.parse(res.text)).toThrow(SyntaxError);
    emu.injectFault('token', { malformedBody: '<html>oops</html>', status: 500 }, { times: 1 });
    const custom = await token();
    expect([custom.status, custom.text]).toEqual([500, '<html>oops</html>']);
  });

  it('sends a valid JSON body of exactly N bytes', async () => {
    emu.injectFault('api', { oversizedBodyBytes: 3 * 1024 * 1024 + 7 }, { times: 1 });
    emu.injectFault('jwks', { oversizedBodyBytes: 5 }, { times: 1 });
    const res = await send(`${emu.apiBaseUrl}/patients/p_1/rx`);
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(res.text)).toBe(3 * 1024 * 1024 + 7);
    expect(res.headers.get('content-length')).toBe(String(3 * 1024 * 1024 + 7));
    expect(JSON.parse(res.text)).toHaveProperty('padding');
    expect((await send(emu.jwksUri)).text).toBe('xxxxx');
  });

  it('drops the connection after the headers and part of the body', async () => {
    emu.injectFault('token', { dropConnection: true }, { times: 1 });
    const outcome = await rawRequest(emu.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(TOKEN_FORM).toString(),
    });
    expect(outcome.kind).toBe('cut-mid-response');
    if (outcome.kind !== 'cut-mid-response') return;
    expect(outcome.status).toBe(200);
    expect(outcome.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(outcome.received.toString()).toBe('{"access_token":"');
    // fetch sees the same thing as a body that errors after the response resolved.
    emu.injectFault('token', { dropConnection: true }, { times: 1 });
    const response = await fetch(emu.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(TOKEN_FORM),
    });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('resets the connection before any response', async () => {
    emu.injectFault('api', { resetConnection: true }, { times: 1 });
    const outcome = await rawRequest(`${emu.apiBaseUrl}/patients/p_1/rx`);
    expect(outcome.kind).toBe('no-response');
    // A TCP RST, not a polite FIN (which Node reports as "socket hang up").
    expect(outcome.kind === 'no-response' && [outcome.error.code, outcome.error.message]).toEqual([
      'ECONNRESET',
      'read ECONNRESET',
    ]);
    expect(emu.requests('api')[0]!.fault).toBe('resetConnection');
  });

  it('answers 429 with Retry-After in seconds or as an HTTP-date', async () => {
    emu.injectFault('token', { rateLimit: { retryAfterSeconds: 3 } }, { times: 1 });
    const seconds = await token();
    expect(seconds.status).toBe(429);
    expect(seconds.headers.get('retry-after')).toBe('3');
    const date = new Date('2030-01-01T00:00:00Z');
    emu.injectFault(
      'token',
      { rateLimit: { retryAfterDate: date, body: 'slow down' } },
      { times: 1 },
    );
    const dated = await token();
    expect(dated.headers.get('retry-after')).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
    expect(dated.text).toBe('slow down');
  });

  it('redirects with a Location header', async () => {
    emu.injectFault(
      'token',
      { redirect: { location: 'https://partners.honeybeehealth.com/oauth/token' } },
      { times: 1 },
    );
    const res = await token();
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('https://partners.honeybeehealth.com/oauth/token');
    emu.injectFault(
      'metadata',
      { redirect: { location: '/elsewhere', status: 301 } },
      { times: 1 },
    );
    expect((await send(emu.metadataUrl)).status).toBe(301);
  });

  it('adds and removes headers on fault responses', async () => {
    emu.injectFault(
      'token',
      { status: 503, headers: { 'Retry-After': '10', 'X-Request-Id': null } },
      { times: 1 },
    );
    const res = await token();
    expect(res.headers.get('retry-after')).toBe('10');
    expect(res.headers.get('x-request-id')).toBeNull();
  });

  it('delays the answer (real time) and then answers normally, or with the combined fault', async () => {
    emu.injectFault('token', { delayMs: 150 }, { times: 1 });
    const started = performance.now();
    const res = await token();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
    emu.injectFault('token', { delayMs: 50, status: 504 }, { times: 1 });
    expect((await token()).status).toBe(504);
    expect(emu.requests('token').map((r) => r.fault)).toEqual(['delay', 'status']);
  });

  it('lets a client time out on a long delay', async () => {
    emu.injectFault('token', { delayMs: 60_000 });
    await expect(
      fetch(emu.tokenUrl, {
        method: 'POST',
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
  });

  it('restricts a fault to a method and path', async () => {
    const rx = emu.injectFault('api', { status: 500 }, { when: { method: 'GET', path: /\/rx$/ } });
    const access = (await emu.issueToken('app', ['prescriptions:read', 'orders:write']))
      .access_token;
    expect((await apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, access)).status).toBe(500);
    expect((await apiGet(`${emu.apiBaseUrl}/orders/ord_1`, access)).status).toBe(404);
    expect(rx.hits).toBe(1);
  });

  it.each(FAULT_ENDPOINTS.map((endpoint) => [endpoint]))(
    'is wired into the %s endpoint',
    async (endpoint: FaultEndpoint) => {
      emu.injectFault(endpoint, { status: 418 }, { times: 1 });
      const urls: Record<FaultEndpoint, () => Promise<{ status: number }>> = {
        token: () => token(),
        tokenInfo: () => send(emu.tokenInfoUrl),
        introspect: () =>
          postForm(
            emu.introspectionUrl,
            { token: 'x' },
            { Authorization: basic('app', 'app-secret') },
          ),
        revoke: () =>
          postForm(
            emu.revocationUrl,
            { token: 'x' },
            { Authorization: basic('app', 'app-secret') },
          ),
        jwks: () => send(emu.jwksUri),
        metadata: () => send(emu.metadataUrl),
        api: () => apiGet(`${emu.apiBaseUrl}/patients/p_1/rx`, undefined),
      };
      expect((await urls[endpoint]()).status).toBe(418);
      expect((await urls[endpoint]()).status).not.toBe(418);
    },
  );

  it.each([
    [{ status: 503, dropConnection: true as const, redirect: { location: '/x' } }, /choose one/],
    [{}, /must set delayMs, status or one of/],
    [{ status: 99 }, /fault\.status/],
    [{ delayMs: -1 }, /fault\.delayMs/],
    [{ resetConnection: true as const, status: 500 }, /resetConnection/],
    [{ malformedBody: true as const, body: 'x' }, /fault\.body/],
    [{ redirect: { location: '' } }, /redirect\.location/],
  ])('rejects an invalid fault %p', (fault, message) => {
    expect(() => emu.injectFault('token', fault)).toThrow(message);
  });

  it('rejects an unknown endpoint and a bad times', () => {
    expect(() => emu.injectFault('nope' as FaultEndpoint, { status: 500 })).toThrow(/endpoint/);
    expect(() => emu.injectFault('token', { status: 500 }, { times: 0 })).toThrow(/times/);
  });
});

describe('stopping with faults pending', () => {
  it('stop() does not wait for a pending delay, and leaves no timer behind', async () => {
    // Track the fault's own timer (by its delay) rather than counting every timer in the
    // process, which other work in the same worker changes.
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const faultTimers = new Set<unknown>();
    const cleared = new Set<unknown>();
    globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
      const t = realSet(fn, ms, ...(args as []));
      if (ms === 600_000) faultTimers.add(t);
      return t;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((t: Parameters<typeof clearTimeout>[0]) => {
      cleared.add(t);
      realClear(t);
    }) as typeof clearTimeout;
    try {
      const emu = await HoneybeeEmulator.start({ clients: [APP] });
      emu.injectFault('token', { delayMs: 600_000 });
      const pending = fetch(emu.tokenUrl, {
        method: 'POST',
        body: 'grant_type=client_credentials',
      }).then(
        () => 'answered',
        () => 'failed',
      );
      await emu.waitForRequests('token', 1);
      expect(faultTimers.size).toBe(1);
      const started = performance.now();
      await emu.stop();
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await pending).toBe('failed');
      for (const t of faultTimers) expect(cleared.has(t)).toBe(true);
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    }
  });
});
