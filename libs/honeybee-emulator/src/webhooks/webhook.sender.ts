import { randomUUID } from 'node:crypto';
import type { MedicationRequest, PatientStore } from '../api/patients.store.js';

/** Webhook event types Honeybee documents; others can be sent too. */
export type WebhookEventType = 'RX_RECEIVED' | 'RX_UPDATED' | (string & {});

/** A webhook event as Honeybee POSTs it. */
export interface WebhookEvent {
  /** Unique event id. */
  event_id: string;
  /** What happened. */
  event_type: WebhookEventType;
  /** The patient concerned. */
  patient_id: string;
  /** The prescriptions concerned. */
  medication_requests: MedicationRequest[];
  /** Any extra field given in the input. */
  [field: string]: unknown;
}

/** The event to send: `event_id` and `medication_requests` are filled in when absent. */
export interface WebhookEventInput {
  /** What happened. */
  event_type: WebhookEventType;
  /** The patient concerned. */
  patient_id: string;
  /** @default `evt_<uuid>` */
  event_id?: string;
  /** @default the seeded patient's prescription, or `[]` for an unknown patient */
  medication_requests?: MedicationRequest[];
  /** Any extra field to send. */
  [field: string]: unknown;
}

/** Options of {@link HoneybeeEmulator.sendWebhook}. */
export interface SendWebhookOptions {
  /** The static secret, sent as `X-Honeybee-Secret`. */
  secret: string;
  /** The event. */
  event: WebhookEventInput;
  /** Extra request headers (they can override the defaults, e.g. a wrong secret). */
  headers?: Record<string, string>;
  /**
   * Give up after this many milliseconds.
   * @default 10000
   */
  timeoutMs?: number;
}

/** The outcome of a webhook delivery. */
export interface WebhookDelivery {
  /** Receiver's HTTP status. */
  readonly status: number;
  /** Receiver's response headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** Receiver's response body, as text. */
  readonly body: string;
  /** The event that was sent. */
  readonly event: WebhookEvent;
}

/** Builds the full event from its input, filling `event_id` and `medication_requests`. */
export function buildWebhookEvent(input: WebhookEventInput, patients: PatientStore): WebhookEvent {
  if (typeof input?.event_type !== 'string' || input.event_type === '') {
    throw new TypeError('event.event_type must be a non-empty string');
  }
  if (typeof input.patient_id !== 'string' || input.patient_id === '') {
    throw new TypeError('event.patient_id must be a non-empty string');
  }
  const patient = patients.get(input.patient_id);
  return {
    ...input,
    event_id: input.event_id ?? `evt_${randomUUID()}`,
    event_type: input.event_type,
    patient_id: input.patient_id,
    medication_requests:
      input.medication_requests ?? (patient ? [{ ...patient.medicationRequest }] : []),
  };
}

/**
 * POSTs a webhook event as JSON with `X-Honeybee-Secret`, without following redirects, and
 * returns what the receiver answered.
 *
 * @param signal - Aborts the delivery (the emulator passes its stop signal).
 */
export async function deliverWebhook(
  url: string,
  options: SendWebhookOptions,
  patients: PatientStore,
  signal?: AbortSignal,
): Promise<WebhookDelivery> {
  if (typeof options?.secret !== 'string') throw new TypeError('options.secret must be a string');
  const event = buildWebhookEvent(options.event, patients);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'Honeybee-Webhooks (emulator)',
      'X-Honeybee-Secret': options.secret,
      ...options.headers,
    },
    body: JSON.stringify(event),
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  const body = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body,
    event,
  };
}
