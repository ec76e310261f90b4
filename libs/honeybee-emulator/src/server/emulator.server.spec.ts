import { ManualClock } from '../clock.js';
import type { EmulatorContext } from '../emulator.context.js';
import { FaultInjector } from '../faults/faults.js';
import { EmulatorServer } from './emulator.server.js';
import { RequestRecorder } from './request.recorder.js';
import { DOORKEEPER_PROFILES } from '../doorkeeper.profile.js';

const { framing } = DOORKEEPER_PROFILES.current;

describe('EmulatorServer', () => {
  it('cancels pending fault delays and drops their connections on close', async () => {
    const faults = new FaultInjector();
    const recorder = new RequestRecorder();
    const server = await EmulatorServer.listen(
      { clock: new ManualClock(0), faults, recorder, maxBodyBytes: 1024, framing },
      '127.0.0.1',
      0,
    );
    server.attach({} as EmulatorContext); // the delayed request never reaches a handler
    faults.inject('metadata', { delayMs: 600_000 });
    const outcome = fetch(
      `http://127.0.0.1:${server.port}/.well-known/oauth-authorization-server`,
    ).then(
      () => 'answered',
      () => 'failed',
    );
    await recorder.waitFor('metadata', 1);
    expect(server.pendingDelays).toBe(1);
    await server.close();
    expect(server.pendingDelays).toBe(0);
    expect(await outcome).toBe('failed');
  });

  it('answers 404 for unknown paths and unparseable request targets without a context handler', async () => {
    const recorder = new RequestRecorder();
    const server = await EmulatorServer.listen(
      {
        clock: new ManualClock(0),
        faults: new FaultInjector(),
        recorder,
        maxBodyBytes: 1024,
        framing,
      },
      '127.0.0.1',
      0,
    );
    try {
      server.attach({} as EmulatorContext);
      const res = await fetch(`http://127.0.0.1:${server.port}//double//slash?x=1`);
      expect(res.status).toBe(404);
      expect(res.headers.get('date')).toBe(new Date(0).toUTCString());
      expect(recorder.list('other')[0]!.path).toBe('//double//slash');
    } finally {
      await server.close();
    }
  });
});
