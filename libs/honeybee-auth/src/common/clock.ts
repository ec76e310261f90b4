import { setTimeout as delay } from 'node:timers/promises';

/**
 * The source of time for every expiry, refresh and back-off decision in the module.
 *
 * Inject a fake through the {@link HONEYBEE_CLOCK} provider to test time-dependent
 * behaviour without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with the signal's reason when aborted.
   * The timer must not keep the process alive.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** DI token of the {@link Clock} used by the module. Defaults to {@link systemClock}. */
export const HONEYBEE_CLOCK = Symbol('honeybee-auth:clock');

/** The real clock: `Date.now()` and an unref'd timer. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal, ref: false }),
};
