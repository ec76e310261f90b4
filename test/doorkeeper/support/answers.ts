import { createHash } from 'node:crypto';
import { request } from 'node:http';

/** One raw HTTP exchange's answer: status, headers as sent (lower-case names), body text. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A request as the scenarios write it. */
export interface RawRequest {
  method?: string;
  /** Path and query, e.g. `/oauth/token?x=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Sends one request with `node:http` (no keep-alive, nothing added but `Host`), so what the
 * server sees is exactly what the scenario wrote, and what it answers is read unaltered —
 * `Transfer-Encoding` and `Content-Length` included.
 */
export function sendRaw(baseUrl: string, req: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${baseUrl}${req.path}`,
      { method: req.method ?? 'GET', agent: false, headers: req.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined)
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** A form body. */
export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** `Authorization: Basic` with the credentials as given (no percent-encoding). */
export function basicAuth(user: string, password: string, scheme = 'Basic'): string {
  return `${scheme} ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The headers a form POST carries. */
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Headers the comparison leaves out: connection management, and `X-Honeybee-Signature`, which
 * models Honeybee's Partners API rather than Doorkeeper (the Ruby app does not sign).
 */
const IGNORED_HEADERS = new Set(['connection', 'keep-alive', 'x-honeybee-signature']);

/** An answer reduced to what must be identical between two servers. */
export interface ComparableAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reduces an answer to its comparable form. Values that differ by nature between two servers
 * are replaced by what they must be: a generated `X-Request-Id` by `<uuid>`, an `ETag` by
 * whether it is Rack's (SHA-256 of the body), a token by `<token>`, times by their distance from
 * the server's now (rounded to 5 s, enough for a request's own latency), `exp` by its distance
 * from `iat`. Every other header is compared as sent.
 */
export function comparable(answer: RawAnswer, nowMs: number): ComparableAnswer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (IGNORED_HEADERS.has(name)) continue;
    headers[name] = headerShape(name, value, answer.text);
  }
  let body: unknown = answer.text;
  if (answer.text !== '') {
    try {
      body = normalizeJson(JSON.parse(answer.text), Math.floor(nowMs / 1000));
    } catch {
      body = answer.text;
    }
  }
  return { status: answer.status, headers, body };
}

function headerShape(name: string, value: string, body: string): string {
  switch (name) {
    case 'x-request-id':
      return UUID.test(value) ? '<uuid>' : value;
    case 'etag':
      return value === rackEtag(body) ? '<W/sha256(body)>' : value;
    case 'date':
      return Number.isNaN(Date.parse(value)) ? value : '<http-date>';
    case 'x-runtime':
      return /^\d+\.\d+$/.test(value) ? '<seconds>' : value;
    default:
      return value;
  }
}

/** Rack::ETag's value for a body: `W/"` + the first 32 hex digits of its SHA-256 + `"`. */
export function rackEtag(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

function normalizeJson(value: unknown, nowSeconds: number): unknown {
  if (Array.isArray(value)) return value.map((item) => normalizeJson(item, nowSeconds));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(source)) {
    out[key] = normalizeField(key, field, source, nowSeconds);
  }
  return out;
}

function normalizeField(
  key: string,
  field: unknown,
  parent: Record<string, unknown>,
  nowSeconds: number,
): unknown {
  if (key === 'access_token' && typeof field === 'string') {
    return OPAQUE_TOKEN.test(field) ? '<token>' : field;
  }
  if ((key === 'created_at' || key === 'iat') && typeof field === 'number') {
    return `<now${signed(roundTo5(field - nowSeconds))}>`;
  }
  if (key === 'created_at' && typeof field === 'string' && !Number.isNaN(Date.parse(field))) {
    return `<iso now${signed(roundTo5(Date.parse(field) / 1000 - nowSeconds))}>`;
  }
  if (key === 'exp' && typeof field === 'number' && typeof parent.iat === 'number') {
    return `<iat+${field - parent.iat}>`;
  }
  if (key === 'expires_in' && typeof field === 'number') return `<~${roundTo5(field)}>`;
  return normalizeJson(field, nowSeconds);
}

function roundTo5(n: number): number {
  return Math.round(n / 5) * 5;
}

function signed(n: number): string {
  return n === 0 ? '' : n > 0 ? `+${n}` : String(n);
}
