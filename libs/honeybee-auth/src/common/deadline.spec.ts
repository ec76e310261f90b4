import { getEventListeners, getMaxListeners } from 'node:events';
import { deadline, unboundedAbortController } from './deadline.js';

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

  it('reports its own firing to onAbort: true for the timeout, false for the parent', async () => {
    const fired: boolean[] = [];
    const timed = deadline(10, undefined, (timedOut) => fired.push(timedOut));
    await new Promise((r) => timed.signal.addEventListener('abort', r));
    const parent = new AbortController();
    const withParent = deadline(60_000, parent.signal, (timedOut) => fired.push(timedOut));
    parent.abort(new Error('shutdown'));
    withParent.dispose();
    timed.dispose();
    expect(fired).toEqual([true, false]);
  });

  it('leaves no listener on a long-lived parent after dispose', () => {
    const parent = new AbortController();
    for (let i = 0; i < 1000; i++) deadline(60_000, parent.signal).dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('gives the shutdown signal no listener cap (one listener per call in flight)', () => {
    expect(getMaxListeners(unboundedAbortController().signal)).toBe(Infinity);
    expect(getMaxListeners(new AbortController().signal)).toBe(10);
  });
});
