import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/** A response read in full by {@link send}. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  readonly json: unknown;
}

/** `fetch`, reading the whole body. JSON is parsed lazily so non-JSON bodies can be checked. */
export async function send(url: string, init: RequestInit = {}): Promise<TestResponse> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    get json(): unknown {
      return JSON.parse(text);
    },
  };
}

/** An `Authorization: Basic …` value, credentials not URL-encoded (as most clients send them). */
export function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}

/** POSTs a form-encoded body. */
export function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return send(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** GETs a Partners API URL with a Bearer token and `Accept: application/json`. */
export function apiGet(
  url: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return send(url, {
    headers: {
      Accept: 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
}

/**
 * POSTs `body` (sent as it is: a test may send malformed JSON) to a Partners API URL with a
 * Bearer token, `Accept` and `Content-Type` `application/json`.
 */
export function apiPost(
  url: string,
  token: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return send(url, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: `Bearer ${token}`,
      ...headers,
    },
    body,
  });
}

/** What happened to a request sent with {@link rawRequest}. */
export type RawOutcome =
  | {
      readonly kind: 'complete';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: Buffer;
    }
  | {
      readonly kind: 'cut-mid-response';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly received: Buffer;
      readonly error: NodeJS.ErrnoException;
    }
  | { readonly kind: 'no-response'; readonly error: NodeJS.ErrnoException };

/**
 * A request over a fresh `node:http` connection that tells apart a complete response, one cut
 * after its headers, and no response at all.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const req = httpRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false,
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'no-response', error }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          kind: 'complete',
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', (error: NodeJS.ErrnoException) =>
        resolve({
          kind: 'cut-mid-response',
          status: res.statusCode!,
          headers: res.headers,
          received: Buffer.concat(chunks),
          error,
        }),
      );
    });
    req.end(options.body);
  });
}
