import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { HoneybeeTokenError, HoneybeeTokenService } from 'nestjs-honeybee-auth';

/**
 * Gets the app's default token before the server starts listening, so a wrong client id or
 * secret shows in the log (and in `GET /health`) at once rather than at the first call, and the
 * first caller does not wait for the token endpoint. A failure does not stop the app: Honeybee
 * may just be down for a moment, and the next call tries again.
 */
@Injectable()
export class TokenWarmup implements OnApplicationBootstrap {
  private readonly logger = new Logger('TokenWarmup');

  constructor(@Inject(HoneybeeTokenService) private readonly tokens: HoneybeeTokenService) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.tokens.getAccessToken();
      const expiresAt = this.tokens.status().expiresAt;
      this.logger.log(
        `Got an access token from Honeybee (expires ${expiresAt ? new Date(expiresAt).toISOString() : '?'})`,
      );
    } catch (error) {
      if (!(error instanceof HoneybeeTokenError)) throw error;
      // Our facts only (kind, status, X-Request-Id): no text the server chose.
      const facts = [
        `kind ${error.kind}`,
        error.status !== undefined ? `HTTP ${error.status}` : undefined,
        error.requestId ? `X-Request-Id ${error.requestId}` : undefined,
      ].filter(Boolean);
      this.logger.warn(`No access token from Honeybee yet (${facts.join(', ')})`);
    }
  }
}
