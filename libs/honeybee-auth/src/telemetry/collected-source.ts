import type { HotCounter, SeriesAttributes } from './hot-counter.js';

/** What one module instance reports each time the SDK collects (see `MeterInstruments`). */
export interface CollectedSource {
  /** Its hot counters, in the order of `HOT_COUNTERS`. */
  readonly hotCounters: readonly HotCounter[];
  /** Each current token's attributes and seconds left until it expires. */
  tokenExpiries(): Iterable<readonly [SeriesAttributes, number]>;
  /** Verdicts in its verification cache now. */
  cachedVerdicts(): { valid: number; invalid: number };
}
