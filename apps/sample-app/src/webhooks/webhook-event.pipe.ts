import { Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { BodyValidator, isPlainObject } from '../http/validation.js';

/** A Honeybee webhook event (`RX_RECEIVED`, `RX_UPDATED`, …), as far as the app relies on it. */
export interface HoneybeeWebhookEvent {
  event_id: string;
  event_type: string;
  patient_id: string;
  medication_requests: Record<string, unknown>[];
  [field: string]: unknown;
}

/**
 * Checks the shape of a webhook event (400 when it is not JSON or lacks `event_id`,
 * `event_type` or `patient_id`). Unknown fields and event types are accepted: Honeybee may add
 * them, and refusing a delivery would only make it retry.
 */
@Injectable()
export class WebhookEventPipe implements PipeTransform<unknown, HoneybeeWebhookEvent> {
  transform(body: unknown): HoneybeeWebhookEvent {
    const input = BodyValidator.object(body, 'The event');
    const check = new BodyValidator();
    const eventId = check.string(input, 'event_id', '');
    const eventType = check.string(input, 'event_type', '', { maxLength: 64 });
    const patientId = check.string(input, 'patient_id', '');
    const requests = input.medication_requests ?? [];
    if (!Array.isArray(requests) || !requests.every(isPlainObject)) {
      check.problems.push('medication_requests must be a list of objects');
    }
    check.throwIfInvalid();
    return {
      ...input,
      event_id: eventId!,
      event_type: eventType!,
      patient_id: patientId!,
      medication_requests: requests as Record<string, unknown>[],
    };
  }
}
