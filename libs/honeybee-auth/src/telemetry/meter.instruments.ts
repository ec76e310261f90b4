import type {
  BatchObservableResult,
  Counter,
  Histogram,
  Meter,
  Observable,
} from '@opentelemetry/api';
import type { CollectedSource } from './collected-source.js';
import type { SeriesAttributes } from './hot-counter.js';
import { ATTR, DURATION_BUCKETS_S, HOT_COUNTERS, METRIC } from './telemetry.conventions.js';

const byMeter = new WeakMap<Meter, MeterInstruments>();

/**
 * The module's instruments on one `Meter`, created once per meter and shared by every module
 * instance that records with it (the SDK hands out one meter per provider and scope).
 *
 * Synchronous instruments record rare events (token requests, verifier calls, store
 * operations). Everything read at collection (hot counters, token expiries, cache sizes) is
 * observed by one batch callback that adds up the module instances attached to this meter, so
 * that two instances never report the same series twice; the counts of an instance that is
 * shut down are kept, so a counter never goes backwards.
 */
export class MeterInstruments {
  readonly tokenRequests: Counter;
  readonly tokenRequestDuration: Histogram;
  readonly tokenRefreshFailures: Counter;
  readonly outboundReplays: Counter;
  readonly verifierDuration: Histogram;
  readonly verifierFailures: Counter;
  readonly storeOperations: Counter;
  readonly storeFailures: Counter;
  readonly lockWaitTime: Histogram;

  private readonly sources = new Set<CollectedSource>();
  /** Counts of detached sources, per hot counter. */
  private readonly retired = HOT_COUNTERS.map((spec) => new Float64Array(spec.slots.length));
  private readonly hot: Observable[];
  private readonly timeToExpiry: Observable;
  private readonly cacheSize: Observable;

  /** The instruments on `meter`, created on first use. */
  static of(meter: Meter): MeterInstruments {
    let instruments = byMeter.get(meter);
    if (!instruments) {
      instruments = new MeterInstruments(meter);
      byMeter.set(meter, instruments);
    }
    return instruments;
  }

  private constructor(meter: Meter) {
    const duration = { unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS_S } };
    this.tokenRequests = meter.createCounter(METRIC.tokenRequests, {
      description: 'HTTP requests to the token endpoint, by outcome, status and trigger',
      unit: '{request}',
    });
    this.tokenRequestDuration = meter.createHistogram(METRIC.tokenRequestDuration, {
      description: 'Duration of HTTP requests to the token endpoint, connect to last byte',
      ...duration,
    });
    this.tokenRefreshFailures = meter.createCounter(METRIC.tokenRefreshFailures, {
      description:
        'Background refreshes that failed while the current token stayed in use (retried later)',
      unit: '{failure}',
    });
    this.outboundReplays = meter.createCounter(METRIC.outboundReplays, {
      description: '401 answers to our token: the token invalidated and the request replayed once',
      unit: '{replay}',
    });
    this.verifierDuration = meter.createHistogram(METRIC.verifierDuration, {
      description: 'Duration of token verifications (cache misses), by verifier and result',
      ...duration,
    });
    this.verifierFailures = meter.createCounter(METRIC.verifierFailures, {
      description: 'Verifications that could not decide (answered 503), by verifier and reason',
      unit: '{failure}',
    });
    this.storeOperations = meter.createCounter(METRIC.storeOperations, {
      description: 'Operations on the shared token store, failed ones included',
      unit: '{operation}',
    });
    this.storeFailures = meter.createCounter(METRIC.storeFailures, {
      description: 'Operations on the shared token store that failed, by operation and reason',
      unit: '{failure}',
    });
    this.lockWaitTime = meter.createHistogram(METRIC.lockWaitTime, {
      description: "Time spent waiting for another replica's token while it held the refresh lock",
      ...duration,
    });
    this.hot = HOT_COUNTERS.map((spec) =>
      meter.createObservableCounter(spec.name, {
        description: spec.description,
        unit: spec.unit,
      }),
    );
    this.timeToExpiry = meter.createObservableGauge(METRIC.tokenTimeToExpiry, {
      description: 'Seconds until the current token of each scope set expires',
      unit: 's',
    });
    this.cacheSize = meter.createObservableUpDownCounter(METRIC.cacheSize, {
      description: 'Verdicts held by the verification cache (expired ones possibly included)',
      unit: '{entry}',
    });
    meter.addBatchObservableCallback(
      (result) => this.collect(result),
      [...this.hot, this.timeToExpiry, this.cacheSize],
    );
  }

  /** Reports `source` at every collection from now on. */
  attach(source: CollectedSource): void {
    this.sources.add(source);
  }

  /** Stops reporting `source`; its counts so far stay in the totals. */
  detach(source: CollectedSource): void {
    if (!this.sources.delete(source)) return;
    source.hotCounters.forEach((counter, i) => {
      const kept = this.retired[i]!;
      counter.counts.forEach((n, slot) => (kept[slot]! += n));
    });
  }

  private collect(result: BatchObservableResult): void {
    HOT_COUNTERS.forEach((spec, i) => {
      const sums = Float64Array.from(this.retired[i]!);
      for (const source of this.sources) {
        source.hotCounters[i]!.counts.forEach((n, slot) => (sums[slot]! += n));
      }
      // A series appears once it has counted something.
      sums.forEach((n, slot) => {
        if (n > 0) result.observe(this.hot[i]!, n, spec.slots[slot]);
      });
    });

    // Two instances holding a token for the same client and scope set: the sooner expiry.
    const expiries = new Map<string, { attributes: SeriesAttributes; seconds: number }>();
    let valid = 0;
    let invalid = 0;
    for (const source of this.sources) {
      for (const [attributes, seconds] of source.tokenExpiries()) {
        const key = JSON.stringify(attributes);
        const seen = expiries.get(key);
        if (!seen || seconds < seen.seconds) expiries.set(key, { attributes, seconds });
      }
      const verdicts = source.cachedVerdicts();
      valid += verdicts.valid;
      invalid += verdicts.invalid;
    }
    for (const { attributes, seconds } of expiries.values()) {
      result.observe(this.timeToExpiry, seconds, attributes);
    }
    result.observe(this.cacheSize, valid, { [ATTR.cacheVerdict]: 'valid' });
    result.observe(this.cacheSize, invalid, { [ATTR.cacheVerdict]: 'invalid' });
  }
}
