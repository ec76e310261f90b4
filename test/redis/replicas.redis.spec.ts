import { HoneybeeEmulator } from 'honeybee-emulator';
import { measureReplicaFaults } from '../fixtures/replica-faults.js';
import { ReplicaProcess } from '../fixtures/replica-process.js';

describe('replicas in separate processes against an emulator that revokes previous tokens', () => {
  it('4 processes without the shared store fight over the token (the contrast)', async () => {
    const client = {
      clientId: 'lonely-app',
      clientSecret: 'lonely-app-secret',
      scopes: ['prescriptions:read'],
    };
    const emu = await HoneybeeEmulator.start({ clients: [client], revokePreviousToken: true });
    const replicas = await ReplicaProcess.startMany(4, () => ({
      TOKEN_URL: emu.tokenUrl,
      API_BASE_URL: emu.apiBaseUrl,
      CLIENT_ID: client.clientId,
      CLIENT_SECRET: client.clientSecret,
      CALLS: '10',
    }));
    try {
      replicas.forEach((r) => r.send('go'));
      const results = await Promise.all(replicas.map((r) => r.next((m) => m.type === 'done')));
      const tokenRequests = emu.requests('token').length;
      // Each process fetches its own token and each new token revokes the previous one, so
      // there are more requests than processes and calls answered 401.
      expect(tokenRequests).toBeGreaterThan(4);
      expect(emu.revokedTokens().length).toBeGreaterThanOrEqual(tokenRequests - 1);
      const failed = results.reduce((n, m) => n + (m.failed as number), 0);
      console.log(`without a store: ${tokenRequests} token requests, ${failed} of 40 calls failed`);
    } finally {
      await Promise.all(replicas.map((r) => r.kill()));
      await emu.stop();
    }
  });

  it('8 processes sharing Redis through a Redis restart, a paused connection and a killed lock holder: 0 failed calls, at most 2 token requests per refresh, exactly 1 without faults', async () => {
    const figures = await measureReplicaFaults(8);
    console.log(JSON.stringify(figures, null, 1));
    expect(figures.failed).toBe(0);
    expect(figures.calls).toBeGreaterThan(1000);
    const [calm, ...faults] = figures.phases;
    expect(calm.rounds.length).toBeGreaterThanOrEqual(2);
    expect(calm.rounds.every((n) => n === 1)).toBe(true);
    for (const f of faults) {
      expect(f.rounds.length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...f.rounds)).toBeLessThanOrEqual(2);
    }
  }, 180_000);
});
