import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import { Public } from 'nestjs-honeybee-auth';
import { HoneybeeHealthIndicator } from 'nestjs-honeybee-auth/terminus';

/**
 * `GET /health`, public: 200 when this instance can work with Honeybee, 503 otherwise, in
 * `@nestjs/terminus`'s shape (meant as a readiness probe), from `HoneybeeHealthIndicator`:
 *
 * - `honeybeeToken`: up while the app's token is valid (nothing is sent), or when one can be
 *   fetched now; down with the failure's kind, HTTP status and `X-Request-Id`;
 * - `tokenStore`: the shared store (`REDIS_URL`) answers a ping (`store: 'none'` without one);
 * - `honeybeeVerifier`: Honeybee's token-info endpoint answers (a probe that is no token).
 *
 * Each check is bounded (3 s). A reason never holds what the server said (its OAuth error,
 * a message): the route is public, and a token endpoint that echoes the request (a wrong URL,
 * a proxy) must not publish it here.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HoneybeeHealthIndicator) private readonly honeybee: HoneybeeHealthIndicator,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.honeybee.isTokenObtainable('honeybeeToken'),
      () => this.honeybee.isStoreReachable('tokenStore'),
      () => this.honeybee.isVerifierReachable('honeybeeVerifier'),
    ]);
  }
}
