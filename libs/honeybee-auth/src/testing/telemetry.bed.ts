import { context } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A metric reader that collects on demand, in memory (cumulative, as Prometheus reads). */
class InMemoryMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }

  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * The real OpenTelemetry SDK, in memory: a `MeterProvider` read on demand and a
 * `BasicTracerProvider` whose spans land in an `InMemorySpanExporter`. Give {@link providers}
 * to the module's `telemetry` option; read what was recorded with {@link sum},
 * {@link histogram}, {@link spans}; scan it all with {@link everything}.
 */
export class TelemetryBed {
  readonly reader = new InMemoryMetricReader();
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  readonly exporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.exporter)],
  });

  /** The `telemetry` option that records here. */
  get providers(): { meterProvider: MeterProvider; tracerProvider: BasicTracerProvider } {
    return { meterProvider: this.meterProvider, tracerProvider: this.tracerProvider };
  }

  /** Every metric collected now. */
  async metrics(): Promise<MetricData[]> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw errors[0];
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  }

  /** The data points of metric `name` whose attributes include `where`. */
  async points(name: string, where: Attributes = {}): Promise<DataPoint<unknown>[]> {
    const metric = (await this.metrics()).find((m) => m.descriptor.name === name);
    if (!metric) return [];
    return (metric.dataPoints as DataPoint<unknown>[]).filter((p) =>
      Object.entries(where).every(([k, v]) => p.attributes[k] === v),
    );
  }

  /** The sum (or gauge value) of metric `name` over the points whose attributes include `where`. */
  async sum(name: string, where: Attributes = {}): Promise<number> {
    return (await this.points(name, where)).reduce((total, p) => total + (p.value as number), 0);
  }

  /** The count and sum of histogram `name` over the points whose attributes include `where`. */
  async histogram(name: string, where: Attributes = {}): Promise<{ count: number; sum: number }> {
    const metric = (await this.metrics()).find((m) => m.descriptor.name === name);
    if (metric && metric.dataPointType !== DataPointType.HISTOGRAM) {
      throw new Error(`${name} is not a histogram`);
    }
    return (await this.points(name, where)).reduce(
      (total, p) => ({
        count: total.count + (p.value as Histogram).count,
        sum: total.sum + ((p.value as Histogram).sum ?? 0),
      }),
      { count: 0, sum: 0 },
    );
  }

  /** Finished spans, of `name` when given. */
  spans(name?: string): ReadableSpan[] {
    const all = this.exporter.getFinishedSpans();
    return name === undefined ? all : all.filter((s) => s.name === name);
  }

  /**
   * Everything recorded, as plain values for a leak scan: each metric's name, description and
   * every data point's attributes; each span's name, attributes, events (names and
   * attributes), links' attributes and status message.
   */
  async everything(): Promise<unknown[]> {
    const metrics = (await this.metrics()).map((m) => ({
      name: m.descriptor.name,
      description: m.descriptor.description,
      points: (m.dataPoints as DataPoint<unknown>[]).map((p) => p.attributes),
    }));
    const spans = this.spans().map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
      links: s.links.map((l) => l.attributes),
      status: s.status.message,
    }));
    return [...metrics, ...spans];
  }

  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}

/**
 * Registers OpenTelemetry's `AsyncLocalStorage` context manager for the test file (so that
 * spans find their parent across `await`), and removes it afterwards.
 */
export function useContextManager(): void {
  let manager: AsyncLocalStorageContextManager;
  beforeAll(() => {
    manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
  });
  afterAll(() => {
    context.disable();
    manager.disable();
  });
}
