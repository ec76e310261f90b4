/** Attributes of one series: bounded values only (see `telemetry.conventions.ts`). */
export type SeriesAttributes = Readonly<Record<string, string | number>>;

/** What a {@link HotCounter} counts: its metric and the attributes of each of its slots. */
export interface HotCounterSpec {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** One attribute set per slot, built once. */
  readonly slots: readonly SeriesAttributes[];
}

/**
 * A counter for a hot path (every guarded request, every outbound request): a slot per
 * attribute set, incremented in place, and read by an OpenTelemetry observable counter when
 * the SDK collects. Counting costs an array increment, with or without an SDK; an SDK
 * counter's `add` would hash its attributes on every call.
 */
export class HotCounter {
  readonly counts: Float64Array;

  constructor(readonly spec: HotCounterSpec) {
    this.counts = new Float64Array(spec.slots.length);
  }

  /** Counts one in `slot`. */
  add(slot: number): void {
    this.counts[slot]! += 1;
  }
}
