import { extractBearerFromAuthorization } from '../bearer-token.extractor.js';
import type { BearerTokenExtraction } from '../bearer-token.extractor.js';

/** No credentials at all: 401 with a bare challenge (or its equivalent outside HTTP). */
export const NO_CREDENTIALS: BearerTokenExtraction = Object.freeze({ kind: 'none' });

/** A non-null object (or function), so its properties can be read. */
export function isObject(value: unknown): value is Record<PropertyKey, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/** An `invalid_request` outcome (400) with a description that never quotes the token. */
export function malformed(description: string): BearerTokenExtraction {
  return { kind: 'invalid_request', description };
}

/**
 * The values of every `authorization` entry of a plain map (message metadata, GraphQL
 * `connectionParams`, broker headers), whatever the key's case. An array value counts as one
 * entry per element. Never throws: a hostile object yields a value the caller refuses.
 */
export function authorizationEntries(map: unknown): unknown[] {
  if (!isObject(map)) return [];
  try {
    const values: unknown[] = [];
    for (const key of Object.keys(map)) {
      if (key.toLowerCase() !== 'authorization') continue;
      const value = map[key];
      if (Array.isArray(value)) values.push(...(value as unknown[]));
      else if (value !== undefined) values.push(value);
    }
    return values;
  } catch {
    return [Symbol('unreadable')];
  }
}

/**
 * Reads the `Authorization` values found in one place (`where`, for the description) by the
 * header's rules: none → no credentials; several → `invalid_request`; one → `Bearer <token>`
 * checked like the HTTP header (another scheme counts as none). A `Buffer` (gRPC, Kafka) is
 * read as UTF-8; any other non-string value is `invalid_request`.
 */
export function fromAuthorizationValues(
  values: readonly unknown[],
  where: string,
  maxTokenLength: number,
): BearerTokenExtraction {
  if (values.length === 0) return NO_CREDENTIALS;
  if (values.length > 1) return malformed(`The ${where} carry several authorization entries`);
  const [value] = values;
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (typeof text !== 'string')
    return malformed(`The authorization entry of the ${where} is not a string`);
  return extractBearerFromAuthorization(text, maxTokenLength);
}

/**
 * The one credential among several places a transport may carry it: none found → no
 * credentials; found in more than one place → `invalid_request` (as RFC 6750 §2 requires of
 * HTTP); otherwise what that place held (a token, or why it is malformed).
 */
export function oneCredential(
  found: readonly (readonly [where: string, extraction: BearerTokenExtraction])[],
): BearerTokenExtraction {
  const present = found.filter(([, extraction]) => extraction.kind !== 'none');
  if (present.length === 0) return NO_CREDENTIALS;
  if (present.length > 1) {
    return malformed(
      `The access token was sent in more than one place (${present.map(([where]) => where).join(', ')})`,
    );
  }
  return present[0][1];
}
