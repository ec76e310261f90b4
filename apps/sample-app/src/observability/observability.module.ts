import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { SampleAppSettings } from '../config/sample-app.settings.js';
import { MetricsController } from './metrics.controller.js';
import { PrometheusMetrics } from './prometheus-metrics.js';

/**
 * With `metricsExporter: 'prometheus'` (`OTEL_METRICS_EXPORTER=prometheus`): the SDK's
 * {@link PrometheusMetrics} and `GET /metrics`. Otherwise nothing: the module then records with
 * OpenTelemetry's global (no-op) provider, which costs nothing.
 */
@Module({})
export class ObservabilityModule {
  static register(exporter: SampleAppSettings['metricsExporter']): DynamicModule {
    if (exporter !== 'prometheus') return { module: ObservabilityModule };
    return {
      module: ObservabilityModule,
      providers: [PrometheusMetrics],
      controllers: [MetricsController],
      exports: [PrometheusMetrics],
    };
  }
}
