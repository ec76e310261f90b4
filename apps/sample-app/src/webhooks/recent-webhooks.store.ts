import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HONEYBEE_CLOCK } from 'nestjs-honeybee-auth';
import type { Clock } from 'nestjs-honeybee-auth';
import type { SampleAppSettings } from '../config/sample-app.settings.js';
import type { HoneybeeWebhookEvent } from './webhook-event.pipe.js';

/** An event as `GET /webhooks/honeybee/recent` lists it. */
export interface ReceivedWebhook {
  received_at: string;
  event: HoneybeeWebhookEvent;
}

/**
 * The last few webhook events, newest first, in memory (bounded by `recentWebhookLimit`).
 * A redelivered event (same `event_id`) is acknowledged but not kept twice.
 */
@Injectable()
export class RecentWebhooks {
  private readonly events: ReceivedWebhook[] = [];
  private readonly limit: number;

  constructor(
    @Inject(ConfigService) config: ConfigService<SampleAppSettings, true>,
    @Inject(HONEYBEE_CLOCK) private readonly clock: Clock,
  ) {
    this.limit = config.get('recentWebhookLimit', { infer: true });
  }

  /** Keeps `event`; returns false when an event with its id is already kept. */
  add(event: HoneybeeWebhookEvent): boolean {
    if (this.events.some((kept) => kept.event.event_id === event.event_id)) return false;
    this.events.unshift({ received_at: new Date(this.clock.now()).toISOString(), event });
    this.events.length = Math.min(this.events.length, this.limit);
    return true;
  }

  /** Newest first. */
  list(): ReceivedWebhook[] {
    return [...this.events];
  }
}
