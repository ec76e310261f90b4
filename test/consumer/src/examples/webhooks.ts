// Honeybee's webhooks, authenticated by their shared secret (X-Honeybee-Secret).
import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { HoneybeeWebhookGuard, Public } from 'nestjs-honeybee-auth';

interface HoneybeeEvent {
  event_id: string;
  event_type: string;
  patient_id: string;
}

@Controller()
export class WebhooksController {
  @Post('webhooks/honeybee')
  @Public() // when ScopesGuard is global: webhooks carry no Bearer token
  @UseGuards(HoneybeeWebhookGuard)
  receive(@Body() event: HoneybeeEvent) {
    return { received: true, event_id: event.event_id };
  }
}
