import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { HoneybeeHttpService } from 'nestjs-honeybee-auth';
import { ORDER_SCOPES } from './honeybee-auth.options.js';
import { HoneybeeUpstreamException, toUpstreamException } from './honeybee-upstream.exception.js';

/** A prescription as Honeybee returns it (only the fields the app relies on are typed). */
export interface MedicationRequest {
  id: string;
  [field: string]: unknown;
}

/** An order as the app sends it to Honeybee. */
export interface OrderRequest {
  patient_id: string;
  medication_request_id: string;
  shipping_address: Record<string, string>;
}

/** An order as Honeybee returns it. */
export interface Order extends OrderRequest {
  id: string;
  status: string;
  [field: string]: unknown;
}

/**
 * The app's calls to Honeybee's Partners API, through `HoneybeeHttpService` (which adds our
 * token, and only for Honeybee). Every call has the module's `httpTimeoutMs` (the app's
 * `HONEYBEE_API_TIMEOUT_MS`); every failure becomes a {@link HoneybeeUpstreamException}.
 */
@Injectable()
export class PartnersApiClient {
  constructor(@Inject(HoneybeeHttpService) private readonly http: HoneybeeHttpService) {}

  /** `GET /v1/patients/:id/rx`: the patient's prescriptions. */
  async prescriptions(patientId: string): Promise<MedicationRequest[]> {
    const response = await this.call(
      `patient "${patientId}"`,
      this.http.get(`/patients/${encodeURIComponent(patientId)}/rx`),
    );
    // Honeybee wraps the prescription as {"medication_request": …}; accept one or a list.
    const wrapped = objectOrUndefined(response.data)?.medication_request;
    const list = Array.isArray(wrapped) ? wrapped : [wrapped];
    if (!list.every((item) => typeof objectOrUndefined(item)?.id === 'string')) {
      throw unexpectedAnswer(response);
    }
    return list as MedicationRequest[];
  }

  /** `POST /v1/orders` with a token that has `orders:write` (the default token only reads). */
  async createOrder(order: OrderRequest): Promise<Order> {
    const response = await this.call(
      'order',
      this.http.post('/orders', order, { honeybee: { scopes: ORDER_SCOPES } }),
    );
    const created = objectOrUndefined(response.data);
    if (typeof created?.id !== 'string') throw unexpectedAnswer(response);
    return created as Order;
  }

  private async call<T>(subject: string, request: Observable<AxiosResponse<T>>) {
    try {
      return await firstValueFrom(request);
    } catch (error) {
      throw toUpstreamException(error, subject) ?? error;
    }
  }
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function unexpectedAnswer(response: AxiosResponse): HoneybeeUpstreamException {
  const requestId: unknown = response.headers?.['x-request-id'];
  return new HoneybeeUpstreamException(
    HttpStatus.BAD_GATEWAY,
    `Honeybee sent an unexpected answer (${response.status})`,
    typeof requestId === 'string' ? requestId : undefined,
  );
}
