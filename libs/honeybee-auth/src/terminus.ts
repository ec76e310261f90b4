/**
 * `nestjs-honeybee-auth/terminus`: health indicators for `@nestjs/terminus`. A sub-path of its
 * own so that the root entry never loads `@nestjs/terminus` (an optional peer dependency), which
 * the indicator needs at run time (it injects Terminus's `HealthIndicatorService`).
 */
export { HoneybeeHealthIndicator } from './health/honeybee-health.indicator.js';
export type { HoneybeeHealthCheckOptions } from './health/honeybee-health.indicator.js';
