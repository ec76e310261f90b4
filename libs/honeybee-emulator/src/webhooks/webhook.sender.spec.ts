import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { apiGet, apiPost } from '../testing/http-test.helpers.js';

interface Received {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A loopback webhook receiver that checks X-Honeybee-Secret like a partner would. */
async function startReceiver(
  secret: string,
  status = 204,
): Promise<{ url: string; server: Server; received: Received[]; next: () => Promise<Received> }> {
  const received: Received[] = [];
  const waiters: Array<(r: Received) => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        method: req.method!,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      };
      received.push(entry);
      waiters.shift()?.(entry);
      if (req.headers['x-honeybee-secret'] !== secret) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('bad secret');
        return;
      }
      if (req.url === '/moved') {
        res.writeHead(302, { Location: '/elsewhere' }).end();
        return;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/honeybee`;
  return {
    url,
    server,
    received,
    next: () => new Promise((resolve) => waiters.push(resolve)),
  };
}

describe('webhook sender', () => {
  let emu: HoneybeeEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeEach(async () => {
    receiver = await startReceiver('whsec-123');
  });

  afterEach(async () => {
    await emu?.stop();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  it('POSTs an RX_RECEIVED event with X-Honeybee-Secret and returns the receiver’s status', async () => {
    emu = await HoneybeeEmulator.start();
    const status = await emu.sendWebhook(receiver.url, {
      secret: 'whsec-123',
      event: { event_type: 'RX_RECEIVED', patient_id: 'p_1' },
    });
    expect(status).toBe(204);
    const [hit] = receiver.received;
    expect(hit!.method).toBe('POST');
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(hit!.headers['x-honeybee-secret']).toBe('whsec-123');
    expect(hit!.body).toEqual({
      event_type: 'RX_RECEIVED',
      patient_id: 'p_1',
      event_id: expect.stringMatching(/^evt_[0-9a-f-]{36}$/),
      medication_requests: [expect.objectContaining({ id: 'mr_p_1_1', status: 'active' })],
    });
    expect(emu.webhookDeliveries()).toEqual([
      expect.objectContaining({ url: receiver.url, status: 204 }),
    ]);
  });

  it('sends given fields as they are (RX_UPDATED, event_id, medication_requests, extras)', async () => {
    emu = await HoneybeeEmulator.start();
    const delivery = await emu.deliverWebhook(receiver.url, {
      secret: 'whsec-123',
      event: {
        event_type: 'RX_UPDATED',
        patient_id: 'p_unknown',
        event_id: 'evt_fixed',
        note: 'x',
      },
    });
    expect(delivery.event).toEqual({
      event_type: 'RX_UPDATED',
      patient_id: 'p_unknown',
      event_id: 'evt_fixed',
      note: 'x',
      medication_requests: [],
    });
    expect(receiver.received[0]!.body).toEqual(delivery.event);
  });

  it('returns a refusal status and body (wrong secret) and does not follow redirects', async () => {
    emu = await HoneybeeEmulator.start();
    const refused = await emu.deliverWebhook(receiver.url, {
      secret: 'wrong',
      event: { event_type: 'RX_RECEIVED', patient_id: 'p_1' },
    });
    expect([refused.status, refused.body]).toEqual([401, 'bad secret']);
    const moved = await emu.sendWebhook(receiver.url.replace('/hooks/honeybee', '/moved'), {
      secret: 'whsec-123',
      event: { event_type: 'RX_RECEIVED', patient_id: 'p_1' },
    });
    expect(moved).toBe(302);
    expect(receiver.received).toHaveLength(2);
  });

  it('rejects when the receiver is unreachable, and records the failure', async () => {
    emu = await HoneybeeEmulator.start();
    await new Promise((resolve) => receiver.server.close(resolve));
    await expect(
      emu.sendWebhook(receiver.url, {
        secret: 's',
        event: { event_type: 'RX_RECEIVED', patient_id: 'p_1' },
      }),
    ).rejects.toThrow();
    expect(emu.webhookDeliveries()[0]).toMatchObject({
      url: receiver.url,
      error: expect.any(String),
    });
    receiver = await startReceiver('whsec-123');
  });

  it('delivers the event simulated by sandbox POST /v1/simulate', async () => {
    emu = await HoneybeeEmulator.start({
      clients: [{ clientId: 'app', clientSecret: 'app-secret', scopes: ['prescriptions:read'] }],
      api: { simulateWebhook: { url: receiver.url, secret: 'whsec-123' } },
    });
    const token = (await emu.issueToken('app', ['prescriptions:read'])).access_token;
    const arrived = receiver.next();
    const res = await apiPost(
      `${emu.apiBaseUrl}/simulate`,
      token,
      JSON.stringify({ event_type: 'RX_UPDATED', patient_id: 'p_2' }),
    );
    expect(res.status).toBe(202);
    const hit = await arrived;
    expect(hit.body).toMatchObject({
      event_type: 'RX_UPDATED',
      patient_id: 'p_2',
      medication_requests: [{ id: 'mr_p_2_1' }],
    });
    expect((await apiGet(`${emu.apiBaseUrl}/patients/p_2/rx`, token)).status).toBe(200);
  });
});
