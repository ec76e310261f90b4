import { Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { BodyValidator, ID_HINT, ID_PATTERN } from '../http/validation.js';
import type { OrderRequest } from '../honeybee/partners-api.client.js';

const ORDER_FIELDS = ['patient_id', 'medication_request_id', 'shipping_address'] as const;
const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'state', 'postal_code'] as const;

/**
 * Validates the body of `POST /orders` and builds the order sent to Honeybee from the known
 * fields only (unknown fields are refused, not forwarded). A bad body is a 400 listing every
 * problem.
 *
 * @example
 * {"patient_id":"p_1","medication_request_id":"mr_p_1_1",
 *  "shipping_address":{"line1":"1 Main St","city":"Springfield","state":"IL","postal_code":"62701"}}
 */
@Injectable()
export class CreateOrderPipe implements PipeTransform<unknown, OrderRequest> {
  transform(body: unknown): OrderRequest {
    const input = BodyValidator.object(body, 'The order');
    const check = new BodyValidator();
    check.onlyKnown(input, ORDER_FIELDS);
    const id = { pattern: ID_PATTERN, patternHint: ID_HINT };
    const patientId = check.string(input, 'patient_id', '', id);
    const medicationRequestId = check.string(input, 'medication_request_id', '', id);
    const address = check.object(input, 'shipping_address');
    const shipping: Record<string, string> = {};
    if (address) {
      check.onlyKnown(address, ADDRESS_FIELDS, 'shipping_address');
      const rules = {
        name: { required: false },
        line1: {},
        line2: { required: false },
        city: {},
        state: { pattern: /^[A-Z]{2}$/, patternHint: 'a two-letter state code (IL)' },
        postal_code: {
          pattern: /^\d{5}(-\d{4})?$/,
          patternHint: 'a US ZIP code (12345 or 12345-6789)',
        },
      };
      for (const field of ADDRESS_FIELDS) {
        const value = check.string(address, field, 'shipping_address', rules[field]);
        if (value !== undefined) shipping[field] = value;
      }
    }
    check.throwIfInvalid();
    return {
      patient_id: patientId!,
      medication_request_id: medicationRequestId!,
      shipping_address: shipping,
    };
  }
}
