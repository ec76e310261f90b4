import { createHmac } from 'node:crypto';
import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { ManualClock } from '../clock.js';
import { apiGet, apiPost, postForm, rawRequest, send } from '../testing/http-test.helpers.js';
import { APP, doorkeeperChallenge } from '../testing/emulator.fixtures.js';

const CLIENTS = [APP];

describe('Partners API (/v1)', () => {
  let emu: HoneybeeEmulator;
  let clock: ManualClock;
  let readToken: string;
  let writeToken: string;
  let fullToken: string;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2025-03-01T12:00:00Z'));
    emu = await HoneybeeEmulator.start({ clients: CLIENTS, clock });
    readToken = (await emu.issueToken('app', ['prescriptions:read'])).access_token;
    writeToken = (await emu.issueToken('app', ['orders:write'])).access_token;
    fullToken = (await emu.issueToken('app', ['prescriptions:read', 'orders:write'])).access_token;
  });

  afterEach(() => emu.stop());

  const rxUrl = (id = 'p_1'): string => `${emu.apiBaseUrl}/patients/${id}/rx`;
  const postOrder = (
    body: string,
    token = writeToken,
    headers: Record<string, string> = {},
  ): ReturnType<typeof send> => apiPost(`${emu.apiBaseUrl}/orders`, token, body, headers);
  const validOrder = {
    patient_id: 'p_1',
    medication_request_id: 'mr_p_1_1',
    shipping_address: { line1: '1 Main St', city: 'Oakland', state: 'CA', zip: '94607' },
  };

  describe('GET /v1/patients/:id/rx', () => {
    it('answers the patient’s prescription wrapped in medication_request', async () => {
      const res = await apiGet(rxUrl(), readToken);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.json).toEqual({
        medication_request: expect.objectContaining({
          id: 'mr_p_1_1',
          patient_id: 'p_1',
          status: 'active',
          medication: expect.objectContaining({ name: 'Atorvastatin Calcium' }),
        }),
      });
    });

    it('answers 404 JSON for an unknown patient', async () => {
      const res = await apiGet(rxUrl('p_404'), readToken);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'not_found', message: 'Patient p_404 not found' });
    });

    it('serves patients added with addPatient or the patients option', async () => {
      emu.addPatient({ id: 'p_new', medicationRequest: { id: 'mr_custom', refills: 0 } });
      const res = await apiGet(rxUrl('p_new'), readToken);
      expect(res.json).toMatchObject({
        medication_request: { id: 'mr_custom', refills: 0, patient_id: 'p_new' },
      });
      expect(emu.patients().map((p) => p.id)).toEqual(['p_1', 'p_2', 'p_new']);
    });

    it('supports If-None-Match with a weak ETag: 304 without body', async () => {
      const first = await apiGet(rxUrl(), readToken);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
      const again = await apiGet(rxUrl(), readToken, { 'If-None-Match': etag! });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('x-request-id')).toBeTruthy();
      const listed = await apiGet(rxUrl(), readToken, {
        'If-None-Match': `"other", ${etag!.slice(2)}`,
      });
      expect(listed.status).toBe(304);
      const stale = await apiGet(rxUrl(), readToken, { 'If-None-Match': 'W/"stale"' });
      expect(stale.status).toBe(200);
      const otherPatient = await apiGet(rxUrl('p_2'), readToken, { 'If-None-Match': etag! });
      expect(otherPatient.status).toBe(200);
    });
  });

  describe('authorization', () => {
    it.each([
      ['no token', undefined, 'The access token is invalid'],
      ['an unknown token', 'bogus', 'The access token is invalid'],
    ])(
      'answers 401 with an empty body and the challenge for %s',
      async (_case, token, description) => {
        const res = await apiGet(rxUrl(), token);
        expect(res.status).toBe(401);
        expect(res.text).toBe('');
        expect(res.headers.get('www-authenticate')).toBe(
          doorkeeperChallenge('invalid_token', description),
        );
        expect(res.headers.get('x-request-id')).toBeTruthy();
      },
    );

    it('answers 401 "expired" after the lifetime and "revoked" after revocation', async () => {
      emu.revokeToken(fullToken);
      expect((await apiGet(rxUrl(), fullToken)).headers.get('www-authenticate')).toBe(
        doorkeeperChallenge('invalid_token', 'The access token was revoked'),
      );
      clock.advanceSeconds(43_200);
      const expired = await apiGet(rxUrl(), readToken);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toBe(
        doorkeeperChallenge('invalid_token', 'The access token expired'),
      );
    });

    it('answers 403 with an empty body and insufficient_scope when the scope is missing', async () => {
      const res = await apiGet(rxUrl(), writeToken);
      expect(res.status).toBe(403);
      expect(res.text).toBe('');
      expect(res.headers.get('www-authenticate')).toBe(
        doorkeeperChallenge(
          'insufficient_scope',
          'Access to this resource requires scope "prescriptions:read".',
        ),
      );
      const order = await postOrder(JSON.stringify(validOrder), readToken);
      expect(order.status).toBe(403);
      expect(order.headers.get('www-authenticate')).toContain('requires scope "orders:write"');
    });

    it('uses configured per-route scopes, any-of by default and all-of on request', async () => {
      emu.configure({ api: { scopes: { getPatientRx: ['prescriptions:read', 'orders:write'] } } });
      expect((await apiGet(rxUrl(), writeToken)).status).toBe(200);
      emu.configure({ api: { scopeMatch: 'all' } });
      expect((await apiGet(rxUrl(), writeToken)).status).toBe(403);
      expect((await apiGet(rxUrl(), fullToken)).status).toBe(200);
      emu.configure({ api: { scopes: { getPatientRx: [] } } });
      emu.addClient({ clientId: 'open', clientSecret: 'open-secret' });
      const scopeless = (await emu.issueToken('open')).access_token;
      expect((await apiGet(rxUrl(), scopeless)).status).toBe(200);
    });

    it('checks the route before the token: an unknown route is a 404 even without a token', async () => {
      const res = await apiGet(`${emu.apiBaseUrl}/nothing/here`, undefined);
      expect(res.status).toBe(404);
      // Rails routing answers it, before any controller: an empty text/html body.
      expect(res.text).toBe('');
      expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    });
  });

  describe('Accept', () => {
    it('answers 406 when there is no Accept header at all', async () => {
      const res = await rawRequest(rxUrl(), { headers: { Authorization: `Bearer ${readToken}` } });
      expect(res).toMatchObject({ kind: 'complete', status: 406 });
      expect(res.kind === 'complete' && res.body.length).toBe(0);
    });

    it.each([
      ['text/html', 'text/html'],
      ['*/* (strict policy)', '*/*'],
      ['application/json;q=0', 'application/json;q=0'],
    ])('answers 406 with an empty body when Accept is %s', async (_case, accept) => {
      const res = await send(rxUrl(), {
        headers: { Authorization: `Bearer ${readToken}`, Accept: accept },
      });
      expect(res.status).toBe(406);
      expect(res.text).toBe('');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    });

    it.each([
      'application/json',
      'application/json; charset=utf-8',
      'text/html, application/json;q=0.9',
      'APPLICATION/JSON',
    ])('accepts %s', async (accept) => {
      expect((await apiGet(rxUrl(), readToken, { Accept: accept })).status).toBe(200);
    });

    it('accepts */* under the lenient policy', async () => {
      emu.configure({ api: { accept: 'lenient' } });
      expect((await apiGet(rxUrl(), readToken, { Accept: '*/*' })).status).toBe(200);
    });
  });

  describe('orders', () => {
    it('creates an order (201, echoed with an id and Location) that GET /v1/orders/:id returns', async () => {
      const res = await postOrder(JSON.stringify({ ...validOrder, external_ref: 'X-1' }));
      expect(res.status).toBe(201);
      const order = res.json as Record<string, unknown>;
      expect(order).toEqual({
        ...validOrder,
        external_ref: 'X-1',
        id: 'ord_1',
        status: 'received',
        created_at: '2025-03-01T12:00:00.000Z',
      });
      expect(res.headers.get('location')).toBe('/v1/orders/ord_1');
      const fetched = await apiGet(`${emu.apiBaseUrl}/orders/ord_1`, readToken);
      expect(fetched.status).toBe(200);
      expect(fetched.json).toEqual(order);
      expect(emu.orders()).toHaveLength(1);
    });

    it('answers 404 for an unknown order', async () => {
      const res = await apiGet(`${emu.apiBaseUrl}/orders/ord_999`, readToken);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'not_found', message: 'Order ord_999 not found' });
    });

    it('answers 400 for invalid JSON', async () => {
      const res = await postOrder('{"patient_id": ');
      expect(res.status).toBe(400);
      expect((res.json as { error: string }).error).toBe('invalid_json');
    });

    it('answers 422 naming missing or wrong fields', async () => {
      const empty = await postOrder('{}');
      expect(empty.status).toBe(422);
      expect(empty.json).toEqual({
        errors: {
          patient_id: ["can't be blank"],
          medication_request_id: ["can't be blank"],
          shipping_address: ["can't be blank"],
        },
      });
      const unknownPatient = await postOrder(JSON.stringify({ ...validOrder, patient_id: 'p_x' }));
      expect(unknownPatient.json).toEqual({ errors: { patient_id: ['not found'] } });
      const notObject = await postOrder('[1,2]');
      expect(notObject.status).toBe(422);
    });

    it('signs bodies with X-Honeybee-Signature', async () => {
      const res = await postOrder(JSON.stringify(validOrder));
      const expected = createHmac('sha1', 'honeybee-emulator').update(res.text).digest('hex');
      expect(res.headers.get('x-honeybee-signature')).toBe(expected);
    });
  });

  describe('POST /v1/simulate (sandbox)', () => {
    it('answers 202', async () => {
      const res = await apiPost(
        `${emu.apiBaseUrl}/simulate`,
        readToken,
        JSON.stringify({ event_type: 'RX_UPDATED', patient_id: 'p_2' }),
      );
      expect(res.status).toBe(202);
      expect(res.json).toEqual({
        simulation: { status: 'accepted', event_type: 'RX_UPDATED', patient_id: 'p_2' },
      });
    });

    it('does not exist outside the sandbox', async () => {
      const prod = await HoneybeeEmulator.start({ clients: CLIENTS, api: { sandbox: false } });
      try {
        const token = (await prod.issueToken('app', ['prescriptions:read'])).access_token;
        const res = await send(`${prod.apiBaseUrl}/simulate`, {
          method: 'POST',
          headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(404);
      } finally {
        await prod.stop();
      }
    });
  });

  describe('X-Request-Id', () => {
    it('is on every response, OAuth endpoints and unknown paths included', async () => {
      const responses = await Promise.all([
        apiGet(rxUrl(), readToken),
        apiGet(rxUrl(), undefined),
        postForm(emu.tokenUrl, { grant_type: 'client_credentials' }),
        send(emu.tokenInfoUrl),
        postForm(emu.introspectionUrl, {}),
        postForm(emu.revocationUrl, {}),
        send(emu.jwksUri),
        send(emu.metadataUrl),
        send(`${emu.url}/nowhere`),
      ]);
      const ids = responses.map((res) => res.headers.get('x-request-id'));
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('echoes a well-formed incoming X-Request-Id, as Rails does', async () => {
      const res = await apiGet(rxUrl(), readToken, { 'X-Request-Id': 'trace-123_abc' });
      expect(res.headers.get('x-request-id')).toBe('trace-123_abc');
      expect(emu.requests('api').at(-1)!.requestId).toBe('trace-123_abc');
    });
  });
});
