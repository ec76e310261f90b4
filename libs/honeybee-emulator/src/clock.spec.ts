import { ManualClock, epochSeconds, systemClock } from './clock.js';

describe('ManualClock', () => {
  it('starts where told and moves only when told', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.advance(500).now()).toBe(1_500);
    expect(clock.advanceSeconds(2).now()).toBe(3_500);
    expect(clock.set(new Date(10_000)).now()).toBe(10_000);
    expect(clock.set(42).now()).toBe(42);
  });

  it('defaults to the current time', () => {
    const before = Date.now();
    const now = new ManualClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('refuses non-finite times', () => {
    expect(() => new ManualClock(Number.NaN)).toThrow(RangeError);
    expect(() => new ManualClock(0).advance(Infinity)).toThrow(/ms/);
  });
});

describe('systemClock and epochSeconds', () => {
  it('follow Date.now and floor to seconds', () => {
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1_000);
    expect(epochSeconds(1_592_972_935_999)).toBe(1_592_972_935);
  });
});
