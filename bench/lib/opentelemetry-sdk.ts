import { ROOT_CONTEXT, context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';

/**
 * How a benchmark process runs with OpenTelemetry:
 * - `off`: `telemetry: { enabled: false }`, so `@opentelemetry/api` is never loaded: what an
 *   application without the package gets;
 * - `api`: the API loaded, no SDK registered (its no-op providers);
 * - `sdk`: a real SDK registered globally, as an application's tracing set-up does: a
 *   `MeterProvider` whose metrics are collected every second, a `BasicTracerProvider` with a
 *   batch span processor, the `AsyncLocalStorage` context manager, in use (exporters in memory,
 *   so no network in the measure);
 * - `sdk-off`: the same SDK, with the module's telemetry disabled (what the SDK alone costs).
 */
export type TelemetryMode = 'off' | 'api' | 'sdk' | 'sdk-off';

/** Registers the SDK for `sdk` and `sdk-off`; returns the module's `telemetry` option. */
export function startTelemetry(mode: TelemetryMode): { enabled: boolean } {
  if (mode === 'sdk' || mode === 'sdk-off') {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // In use, as in any traced application (its HTTP instrumentation enters a context per
    // request): Node's AsyncLocalStorage turns its promise hooks on at the first context
    // entered, and they cost every promise from then on. Without this, the first span the
    // module starts would turn them on in one variant and not the other.
    context.with(ROOT_CONTEXT, () => undefined);
    metrics.setGlobalMeterProvider(
      new MeterProvider({
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
            exportIntervalMillis: 1000,
          }),
        ],
      }),
    );
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(new InMemorySpanExporter())],
      }),
    );
  }
  return { enabled: mode === 'api' || mode === 'sdk' };
}
