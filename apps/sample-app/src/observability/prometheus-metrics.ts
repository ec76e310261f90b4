import type { OnApplicationShutdown } from '@nestjs/common';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * The OpenTelemetry SDK's metrics, read in Prometheus's text format: a `MeterProvider` whose
 * only reader is a `PrometheusExporter` that serves nothing itself (`MetricsController` serves
 * it at `GET /metrics`, on the app's own port). `HoneybeeAuthModule` records with it through
 * `telemetry.meterProvider`.
 */
export class PrometheusMetrics implements OnApplicationShutdown {
  readonly exporter = new PrometheusExporter({ preventServerStart: true });
  readonly meterProvider = new MeterProvider({ readers: [this.exporter] });

  async onApplicationShutdown(): Promise<void> {
    await this.meterProvider.shutdown();
  }
}
