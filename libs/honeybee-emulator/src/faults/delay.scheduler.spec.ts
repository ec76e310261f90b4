import { DelayScheduler } from './delay.scheduler.js';

describe('DelayScheduler', () => {
  it('resolves true once the delay has passed', async () => {
    const delays = new DelayScheduler();
    await expect(delays.wait(1)).resolves.toBe(true);
    expect(delays.pending).toBe(0);
  });

  it('cancels every pending wait at once, resolving false', async () => {
    const delays = new DelayScheduler();
    const waits = [delays.wait(600_000), delays.wait(600_000)];
    expect(delays.pending).toBe(2);
    delays.cancelAll();
    await expect(Promise.all(waits)).resolves.toEqual([false, false]);
    expect(delays.pending).toBe(0);
  });
});
