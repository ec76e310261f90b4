import type { IncomingHttpHeaders } from 'node:http';
import type { FaultEndpoint, FaultKind } from '../faults/faults.js';
import { parseBasicAuth } from '../http/http-utils.js';

/** Where a request was recorded: a {@link FaultEndpoint}, or `other` for unknown paths. */
export type RecordedEndpoint = FaultEndpoint | 'other';

/** A request the emulator received, with secrets masked to a short prefix. */
export interface RecordedRequest {
  /** Arrival order within the emulator, from 1. */
  readonly seq: number;
  /** The endpoint it was routed to. */
  readonly endpoint: RecordedEndpoint;
  /** HTTP method. */
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Query parameters (last value wins), sensitive ones masked. */
  readonly query: Readonly<Record<string, string>>;
  /** Headers, names lower-cased, credentials masked. */
  readonly headers: Readonly<Record<string, string>>;
  /** `Basic`, `Bearer` or another scheme, when an `Authorization` header was sent. */
  readonly authScheme?: string;
  /** The client id of HTTP Basic credentials (ids are not secret). */
  readonly basicClientId?: string;
  /**
   * The parsed body, sensitive fields masked: an object for form and JSON bodies, a
   * `<…>` placeholder for other or unparseable bodies, `undefined` when empty.
   */
  readonly body: unknown;
  /** Body size in bytes. */
  readonly bodyBytes: number;
  /** Arrival time, epoch milliseconds (emulator clock). */
  readonly receivedAt: number;
  /** The `X-Request-Id` the response carried. */
  readonly requestId: string;
  /** The fault that hit this request, if one did. */
  readonly fault?: FaultKind;
}

/** What the server hands the recorder for one request. */
export interface RequestRecordInput {
  readonly endpoint: RecordedEndpoint;
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The body, or `undefined` when it was too large to keep. */
  readonly body: Buffer | undefined;
  readonly bodyBytes: number;
  readonly receivedAt: number;
  readonly requestId: string;
  readonly fault?: FaultKind;
}

const SENSITIVE_FIELD =
  /secret|password|passwd|assertion|^(access_|refresh_|id_)?token$|^code(_verifier)?$/i;
const SENSITIVE_HEADERS = new Set([
  'cookie',
  'set-cookie',
  'proxy-authorization',
  'x-honeybee-secret',
  'x-api-key',
]);

/**
 * Masks a secret to a short prefix: at most 4 characters and never more than a quarter of it,
 * followed by `…`.
 *
 * @example maskSecret('app-secret') === 'ap…'
 */
export function maskSecret(value: string): string {
  return `${value.slice(0, Math.min(4, Math.floor(value.length / 4)))}…`;
}

/** The requests one emulator received, masked as they are recorded. */
export class RequestRecorder {
  readonly #requests: RecordedRequest[] = [];
  #seq = 0;
  #waiters: Array<{
    endpoint: RecordedEndpoint | undefined;
    count: number;
    resolve: (requests: RecordedRequest[]) => void;
    reject: (error: Error) => void;
  }> = [];

  /** Records one request and wakes the waiters it satisfies. */
  record(input: RequestRecordInput): RecordedRequest {
    this.#seq += 1;
    const authorization = input.headers.authorization;
    const basic = parseBasicAuth(authorization);
    const entry: RecordedRequest = {
      seq: this.#seq,
      endpoint: input.endpoint,
      method: input.method,
      path: input.url.pathname,
      query: maskFields(Object.fromEntries(input.url.searchParams)) as Record<string, string>,
      headers: maskHeaders(input.headers),
      ...(authorization ? { authScheme: authorization.split(' ', 1)[0] } : {}),
      ...(basic ? { basicClientId: basic.clientId } : {}),
      body: describeBody(input.headers['content-type'], input.body, input.bodyBytes),
      bodyBytes: input.bodyBytes,
      receivedAt: input.receivedAt,
      requestId: input.requestId,
      ...(input.fault ? { fault: input.fault } : {}),
    };
    this.#requests.push(Object.freeze(entry));
    this.#wake();
    return entry;
  }

  /** Recorded requests of one endpoint, or all, oldest first. */
  list(endpoint?: RecordedEndpoint): RecordedRequest[] {
    return this.#requests.filter(
      (request) => endpoint === undefined || request.endpoint === endpoint,
    );
  }

  /** Resolves once `count` requests of `endpoint` (or of any endpoint) have been recorded. */
  waitFor(endpoint: RecordedEndpoint | undefined, count: number): Promise<RecordedRequest[]> {
    const ready = this.list(endpoint);
    if (ready.length >= count) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ endpoint, count, resolve, reject });
    });
  }

  /** Forgets every recorded request (waiters keep waiting for new ones). */
  clear(): void {
    this.#requests.length = 0;
  }

  /** Rejects every waiter, e.g. when the emulator stops. */
  rejectWaiters(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      const matching = this.list(waiter.endpoint);
      if (matching.length < waiter.count) return true;
      waiter.resolve(matching);
      return false;
    });
  }
}

function maskHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (name === 'authorization') {
      const space = value.indexOf(' ');
      masked[name] =
        space === -1
          ? maskSecret(value)
          : `${value.slice(0, space)} ${maskSecret(value.slice(space + 1).trim())}`;
    } else if (SENSITIVE_HEADERS.has(name)) {
      masked[name] = maskSecret(value);
    } else {
      masked[name] = value;
    }
  }
  return masked;
}

function maskFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskFields);
  if (typeof value !== 'object' || value === null) return value;
  const masked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    masked[key] =
      SENSITIVE_FIELD.test(key) && typeof field === 'string'
        ? maskSecret(field)
        : SENSITIVE_FIELD.test(key) && field !== null && typeof field !== 'object'
          ? maskSecret(String(field))
          : maskFields(field);
  }
  return masked;
}

function describeBody(
  contentType: string | undefined,
  body: Buffer | undefined,
  bytes: number,
): unknown {
  if (bytes === 0) return undefined;
  if (body === undefined) return `<${bytes} bytes, too large to keep>`;
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) fields[key] = value;
    return maskFields(fields);
  }
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      return maskFields(JSON.parse(body.toString('utf8')));
    } catch {
      return `<${bytes} bytes of invalid JSON>`;
    }
  }
  return `<${bytes} bytes of ${mediaType || 'unknown type'}>`;
}
