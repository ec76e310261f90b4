import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from 'nestjs-honeybee-auth';
import { PrometheusMetrics } from './prometheus-metrics.js';

/**
 * `GET /metrics`: every metric in Prometheus's text format, for a Prometheus scraper. Public,
 * like most scrape targets: nothing in it is secret (no token, no secret, no upstream text; see
 * docs/observability.md). Expose it on an internal network only, as any metrics endpoint.
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(PrometheusMetrics) private readonly metrics: PrometheusMetrics) {}

  @Get()
  @Public()
  scrape(@Req() request: Request, @Res() response: Response): void {
    this.metrics.exporter.getMetricsRequestHandler(request, response);
  }
}
