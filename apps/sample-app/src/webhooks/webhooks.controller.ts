import { Body, Controller, Get, HttpCode, Inject, Logger, Post, UseGuards } from '@nestjs/common';
import { HoneybeeWebhookGuard, Public, RequireScopes } from 'nestjs-honeybee-auth';
import { RecentWebhooks } from './recent-webhooks.store.js';
import type { ReceivedWebhook } from './recent-webhooks.store.js';
import { WebhookEventPipe } from './webhook-event.pipe.js';
import type { HoneybeeWebhookEvent } from './webhook-event.pipe.js';

/** Receives Honeybee's webhook events and shows the last few. */
@Controller('webhooks/honeybee')
export class WebhooksController {
  private readonly logger = new Logger('Webhooks');

  constructor(@Inject(RecentWebhooks) private readonly recent: RecentWebhooks) {}

  /**
   * `POST /webhooks/honeybee`: no Bearer token (`@Public()`), the `X-Honeybee-Secret` header
   * instead (`HoneybeeWebhookGuard`: 401 when wrong). 200 once kept, also for a redelivery.
   */
  @Post()
  @Public()
  @UseGuards(HoneybeeWebhookGuard)
  @HttpCode(200)
  receive(@Body(WebhookEventPipe) event: HoneybeeWebhookEvent) {
    const added = this.recent.add(event);
    this.logger.log(
      `${added ? 'Received' : 'Redelivered'} ${event.event_type} ${event.event_id} for patient ${event.patient_id}`,
    );
    return { received: true, event_id: event.event_id, duplicate: !added };
  }

  /** `GET /webhooks/honeybee/recent`: the last events, newest first. */
  @Get('recent')
  @RequireScopes('prescriptions:read')
  list(): { events: ReceivedWebhook[] } {
    return { events: this.recent.list() };
  }
}
