import { PROTOCOL_SCENARIOS, transcriptOf } from './support/protocol-scenarios.js';
import { startEmulatedDoorkeeper, startRealDoorkeeper } from './support/targets.js';
import type { DoorkeeperTarget } from './support/targets.js';

/**
 * The emulator's '5.5' profile against Debian's Doorkeeper 5.5, answer for answer: every
 * scenario runs against both, and the status, every header (generated values reduced to their
 * shape, see `comparable`) and the JSON bodies must be identical.
 */
describe('Doorkeeper 5.5 protocol: the emulator answers like the real server', () => {
  let real: DoorkeeperTarget & { versions: object };
  let emulated: DoorkeeperTarget;
  let current: DoorkeeperTarget;

  beforeAll(async () => {
    [real, emulated, current] = await Promise.all([
      startRealDoorkeeper(),
      startEmulatedDoorkeeper('5.5'),
      startEmulatedDoorkeeper('current'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([real?.dispose(), emulated?.dispose(), current?.dispose()]);
  });

  it('runs Debian’s Doorkeeper 5.5 on Rails 6.1 and Puma 5', () => {
    expect(real.versions).toMatchObject({
      doorkeeper: '5.5.0',
      rails: expect.stringMatching(/^6\.1\./),
      puma: expect.stringMatching(/^5\./),
    });
  });

  it('tells versions apart: the current profile fails the same comparison', async () => {
    const errors = PROTOCOL_SCENARIOS.find((s) => s.name === 'token: each OAuth error')!;
    const expected = await transcriptOf(real, errors);
    const actual = await transcriptOf(current, errors);
    expect(actual).not.toEqual(expected);
    const statusOf = (t: typeof actual) => t.find((e) => e.label === 'unauthorized_client')?.answer;
    expect(statusOf(expected)?.status).toBe(401);
    expect(statusOf(actual)?.status).toBe(400);
  });

  it.each(PROTOCOL_SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const expected = await transcriptOf(real, scenario);
    const actual = await transcriptOf(emulated, scenario);
    expect(actual).toEqual(expected);
  });
});
