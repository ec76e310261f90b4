import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import {
  HoneybeeServiceUnavailableException,
  HoneybeeUnauthorizedException,
} from './bearer-challenge.exceptions.js';

/** The header Honeybee sends the webhook secret in. */
export const HONEYBEE_WEBHOOK_SECRET_HEADER = 'x-honeybee-secret';

/**
 * Authenticates Honeybee's webhook calls: the `X-Honeybee-Secret` header must equal the
 * module's `webhookSecret`. The comparison is constant-time and independent of the length of
 * either value (`timingSafeEqual` over SHA-256 digests).
 *
 * - missing, repeated or wrong header: 401 (no `WWW-Authenticate`: this is a shared-secret
 *   header, not an HTTP authentication scheme a client could answer);
 * - no `webhookSecret` configured: **503**, and an error in the log at start-up. It fails
 *   closed, and 503 (not 401) because the fault is ours, not the sender's: Honeybee can retry
 *   the delivery once the secret is set, instead of treating its secret as wrong.
 *
 * @example
 * ```ts
 * @Public() // when ScopesGuard is global: webhooks carry no Bearer token
 * @UseGuards(HoneybeeWebhookGuard)
 * @Post('webhooks/honeybee') receive(@Body() event: unknown) {}
 * ```
 */
@Injectable()
export class HoneybeeWebhookGuard implements CanActivate {
  private readonly logger = new Logger('HoneybeeWebhookGuard');
  private readonly expectedDigest?: Buffer;

  constructor(@InjectHoneybeeOptions() options: ResolvedHoneybeeAuthOptions) {
    const secret = options.webhookSecret;
    this.expectedDigest = secret ? sha256(secret.reveal()) : undefined;
    if (!this.expectedDigest) {
      this.logger.error(
        'HoneybeeWebhookGuard is in use but HoneybeeAuthModule has no webhookSecret: ' +
          'every webhook call will be refused with 503',
      );
    }
  }

  /** @inheritDoc */
  canActivate(context: ExecutionContext): boolean {
    if (!this.expectedDigest) {
      throw new HoneybeeServiceUnavailableException('Webhook authentication is not configured');
    }
    const request = context.switchToHttp().getRequest<{ headers?: Record<string, unknown> }>();
    const provided = request?.headers?.[HONEYBEE_WEBHOOK_SECRET_HEADER];
    if (typeof provided !== 'string' || provided.length === 0) {
      throw new HoneybeeUnauthorizedException('Missing X-Honeybee-Secret header');
    }
    // Digests have a fixed length, so neither the comparison's time nor an early length
    // mismatch reveals anything about the secret.
    if (!timingSafeEqual(sha256(provided), this.expectedDigest)) {
      throw new HoneybeeUnauthorizedException('Invalid X-Honeybee-Secret header');
    }
    return true;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
