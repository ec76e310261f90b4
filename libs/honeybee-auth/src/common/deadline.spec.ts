import { getEventListeners } from 'node:events';
import { deadline } from './deadline.js';

describe('deadline', () => {
  it('aborts after the timeout and says so', async () => {
    const d = deadline(10);
    await new Promise((r) => d.signal.addEventListener('abort', r));
    expect(d.timedOut()).toBe(true);
    expect((d.signal.reason as Error).name).toBe('TimeoutError');
    d.dispose();
  });

  it('aborts with its parent, at once if the parent already is', () => {
    const parent = new AbortController();
    const d = deadline(60_000, parent.signal);
    parent.abort(new Error('shutdown'));
    expect(d.signal.aborted).toBe(true);
    expect(d.timedOut()).toBe(false);
    expect(deadline(60_000, parent.signal).signal.aborted).toBe(true);
    d.dispose();
  });

  it('leaves no listener on a long-lived parent after dispose', () => {
    const parent = new AbortController();
    for (let i = 0; i < 1000; i++) deadline(60_000, parent.signal).dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });
});
