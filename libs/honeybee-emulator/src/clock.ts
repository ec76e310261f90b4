/**
 * The time source of an emulator: every expiry, `created_at`, `expires_in`, `iat`/`exp` and the
 * `Date` response header is computed from it, so tests can move time without sleeping.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** The wall clock (`Date.now`), used when no clock is given. */
export const systemClock: Clock = Object.freeze({ now: (): number => Date.now() });

/**
 * A clock that only moves when told to.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
 * const emu = await HoneybeeEmulator.start({ clock, clients });
 * clock.advanceSeconds(43_200); // every token issued before is now expired
 * ```
 */
export class ManualClock implements Clock {
  #nowMs: number;

  /**
   * @param startMs - Initial time in epoch milliseconds.
   * @default Date.now() at construction
   */
  constructor(startMs: number = Date.now()) {
    ManualClock.#assertFinite(startMs, 'startMs');
    this.#nowMs = startMs;
  }

  /** Current time in epoch milliseconds. */
  now(): number {
    return this.#nowMs;
  }

  /** Moves the clock forward (or backward, when negative) by `ms` milliseconds. */
  advance(ms: number): this {
    ManualClock.#assertFinite(ms, 'ms');
    this.#nowMs += ms;
    return this;
  }

  /** Moves the clock forward by `seconds` seconds. */
  advanceSeconds(seconds: number): this {
    return this.advance(seconds * 1000);
  }

  /** Sets the clock to an absolute time (epoch milliseconds or a `Date`). */
  set(time: number | Date): this {
    const ms = typeof time === 'number' ? time : time.getTime();
    ManualClock.#assertFinite(ms, 'time');
    this.#nowMs = ms;
    return this;
  }

  static #assertFinite(value: number, name: string): void {
    if (!Number.isFinite(value)) {
      throw new RangeError(`ManualClock: ${name} must be a finite number, got ${String(value)}`);
    }
  }
}

/** Whole epoch seconds of a millisecond timestamp (how Doorkeeper prints `created_at`). */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
