import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HoneybeeTokenService, Public } from 'nestjs-honeybee-auth';

/** One indicator, as `@nestjs/terminus` reports it. */
export interface HealthIndicator {
  status: 'up' | 'down';
  [detail: string]: unknown;
}

/** The `@nestjs/terminus` response shape. */
export interface HealthReport {
  status: 'ok' | 'error';
  info: Record<string, HealthIndicator>;
  error: Record<string, HealthIndicator>;
  details: Record<string, HealthIndicator>;
}

/**
 * `GET /health`, public: 200 when this instance can call Honeybee, 503 otherwise, with a body
 * in `@nestjs/terminus`'s shape (meant as a readiness probe).
 *
 * It never calls Honeybee itself. `honeybeeToken` reads the token provider's state: **up**
 * while a token is valid, and also before any token was fetched or after one expired unused
 * (the next call fetches one; the app fetches one at start-up, so this is rare); **down** only
 * when the last attempt to get a token failed and no valid token is left, with the failure's
 * kind, HTTP status and `X-Request-Id` (never its message or the server's OAuth error text:
 * the route is public). `tokenStore` (only with `REDIS_URL`) pings the shared store.
 */
@Controller('health')
export class HealthController {
  constructor(@Inject(HoneybeeTokenService) private readonly tokens: HoneybeeTokenService) {}

  @Get()
  @Public()
  async check(): Promise<HealthReport> {
    const details: Record<string, HealthIndicator> = { honeybeeToken: this.tokenIndicator() };
    const storeUp = await this.tokens.checkStore();
    if (storeUp !== undefined) details.tokenStore = { status: storeUp ? 'up' : 'down' };

    const entries = Object.entries(details);
    const report: HealthReport = {
      status: entries.every(([, indicator]) => indicator.status === 'up') ? 'ok' : 'error',
      info: Object.fromEntries(entries.filter(([, i]) => i.status === 'up')),
      error: Object.fromEntries(entries.filter(([, i]) => i.status === 'down')),
      details,
    };
    if (report.status === 'error') throw new ServiceUnavailableException(report);
    return report;
  }

  private tokenIndicator(): HealthIndicator {
    const { valid, expiresAt, refreshing, lastError } = this.tokens.status();
    // What our side knows, never what the server said: this route is public, and a token
    // endpoint that echoes the request (a wrong URL, a proxy) must not publish it here.
    const failure = lastError && {
      kind: lastError.kind,
      httpStatus: lastError.status,
      requestId: lastError.requestId,
    };
    if (valid) {
      const expires = new Date(expiresAt!).toISOString();
      return failure
        ? { status: 'up', token: 'valid', expiresAt: expires, lastRefreshError: failure }
        : { status: 'up', token: 'valid', expiresAt: expires };
    }
    if (failure) return { status: 'down', token: 'unavailable', lastError: failure };
    if (refreshing) return { status: 'up', token: 'fetching' };
    return {
      status: 'up',
      token: expiresAt ? 'expired, renewed on the next call' : 'not yet fetched',
    };
  }
}
