import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * A response an endpoint wants written; the server frames it as Rails and the web server of the
 * Doorkeeper profile would (`X-Request-Id`, `ETag`, `Cache-Control`, length or chunking, …).
 */
export interface EmulatorResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers (names as they should be sent). */
  readonly headers: Readonly<Record<string, string>>;
  /** Response body; absent for an empty body. */
  readonly body?: string | Buffer;
  /**
   * Who answers in Rails, which decides the headers around it:
   * - `render` (the default): a controller renders the body, Rails adds `Vary`;
   * - `direct`: a controller answers without rendering (`head`, or a body set directly, as
   *   Doorkeeper does for errors it raises), so no `Vary`;
   * - `middleware`: middleware answers before any controller runs (routing errors, bodies that
   *   do not parse), with none of the controller's headers.
   */
  readonly origin?: 'render' | 'direct' | 'middleware';
}

/** The `Content-Type` of every JSON body the emulator sends (Rails' spelling). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A JSON response. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return {
    status,
    headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * An answer Rails' middleware gives before any controller runs: an empty `text/html` body with
 * `Content-Length: 0` (a routing 404, or 400 for a body that does not parse).
 */
export function middlewareResponse(status: number): EmulatorResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=UTF-8' },
    body: '',
    origin: 'middleware',
  };
}

/** A response with an empty body, as a controller's `head` answers. */
export function emptyResponse(
  status: number,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return { status, headers, origin: 'direct' };
}

/** The same answer, set by the controller without rendering (so without `Vary`). */
export function unrendered(response: EmulatorResponse): EmulatorResponse {
  return { ...response, origin: 'direct' };
}

/** Outcome of {@link readBody}. */
export type BodyReadResult =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly aborted: boolean; readonly receivedBytes: number };

/**
 * Reads a request body, keeping at most `maxBytes`. A larger body is drained (so the client can
 * read the 413 that follows) but not kept; past `drainLimitBytes` the socket is destroyed.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
  drainLimitBytes = 64 * 1024 * 1024,
): Promise<BodyReadResult> {
  const chunks: Buffer[] = [];
  let received = 0;
  let tooLarge = false;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      received += buffer.length;
      if (received > drainLimitBytes) {
        req.socket.destroy();
        break;
      }
      if (received > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) {
        chunks.push(buffer);
      }
    }
  } catch {
    // The client went away mid-body: there is nobody left to answer.
    return { ok: false, aborted: true, receivedBytes: received };
  }
  if (received > drainLimitBytes) return { ok: false, aborted: true, receivedBytes: received };
  return tooLarge
    ? { ok: false, aborted: false, receivedBytes: received }
    : { ok: true, body: Buffer.concat(chunks) };
}

/** Request parameters, or why the body could not be read. */
export type ParamsResult =
  | {
      readonly ok: true;
      /** Query string and body merged, the body winning (Rails' `params`). */
      readonly params: Readonly<Record<string, string>>;
      /** The body's parameters alone (Rails' `request_parameters`). */
      readonly bodyParams: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads request parameters the way Rails does for Doorkeeper: the query string, then a
 * form-encoded body or a JSON body on top (Rails parses `application/json` into `params` too; a
 * JSON value that is not an object lands in `_json`, which nobody reads). For a repeated field
 * the last value wins, as in Rack. Other content types carry no body parameters. A JSON body
 * that does not parse is a failure: Rails answers it before any controller runs.
 */
export function parseParams(
  contentType: string | undefined,
  body: Buffer,
  query?: URLSearchParams,
): ParamsResult {
  const bodyParams: Record<string, string> = {};
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    let parsed: unknown = {};
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return { ok: false, reason: 'The request body is not valid JSON.' };
      }
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      for (const [key, value] of Object.entries(parsed)) {
        if (typeof value === 'string') bodyParams[key] = value;
        else if (typeof value === 'number' || typeof value === 'boolean') {
          bodyParams[key] = String(value);
        }
      }
    }
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) bodyParams[key] = value;
  }
  const params: Record<string, string> = {};
  for (const [key, value] of query ?? []) params[key] = value;
  return { ok: true, params: Object.assign(params, bodyParams), bodyParams };
}

/** {@link parseParams} of a request: its `Content-Type`, body and query string. */
export function requestParams(req: {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly url: URL;
}): ParamsResult {
  return parseParams(headerValue(req.headers, 'content-type'), req.body, req.url.searchParams);
}

/** Decoded HTTP Basic credentials. */
export interface BasicCredentials {
  /** The user part (a `client_id`). */
  readonly clientId: string;
  /** The password part (a `client_secret`); empty when there was no `:`. */
  readonly clientSecret: string;
}

/**
 * Decodes `Authorization: Basic …` like Doorkeeper: base64-decode, split at the first `:`, and do
 * **not** URL-decode the parts (a known Doorkeeper deviation from RFC 6749 §2.3.1). Returns
 * `undefined` when there is no Basic attempt or its user part is blank.
 *
 * @param caseInsensitive - Whether `basic` in any case is the scheme (Doorkeeper ≥ 5.9.0), or
 *   only `Basic` (before).
 */
export function parseBasicAuth(
  authorization: string | undefined,
  caseInsensitive = true,
): BasicCredentials | undefined {
  const scheme = caseInsensitive ? /^basic /i : /^Basic /;
  if (!authorization || !scheme.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const clientId = colon === -1 ? decoded : decoded.slice(0, colon);
  const clientSecret = colon === -1 ? '' : decoded.slice(colon + 1);
  if (clientId.trim() === '') return undefined;
  return { clientId, clientSecret };
}

/**
 * The access token a request presents, as Doorkeeper finds it: `Authorization: Bearer …` first,
 * then an `access_token` query parameter.
 */
export function presentedBearerToken(headers: IncomingHttpHeaders, url: URL): string | undefined {
  const authorization = headers.authorization;
  if (authorization && /^bearer /i.test(authorization)) {
    const token = authorization.slice(7).trim();
    return token === '' ? undefined : token;
  }
  const fromQuery = url.searchParams.get('access_token');
  return fromQuery ? fromQuery : undefined;
}

/** How strictly the Partners API reads `Accept`. */
export type AcceptPolicy = 'strict' | 'lenient';

/**
 * Whether an `Accept` header admits `application/json`. `strict` wants `application/json` named
 * (parameters and lists are fine, `q=0` is a refusal); `lenient` also takes a missing header,
 * `application/*` and `*\/*`.
 */
export function acceptsJson(accept: string | undefined, policy: AcceptPolicy): boolean {
  if (accept === undefined || accept.trim() === '') return policy === 'lenient';
  for (const range of accept.split(',')) {
    const [mediaRange = '', ...params] = range.split(';').map((part) => part.trim());
    const q = params.find((param) => /^q=/i.test(param));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    const type = mediaRange.toLowerCase();
    if (type === 'application/json') return true;
    if (policy === 'lenient' && (type === 'application/*' || type === '*/*')) return true;
  }
  return false;
}

/** A weak entity tag for a body, Rack-style (`W/"…"`). */
export function weakEtag(body: string | Buffer): string {
  return `W/"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

/** Whether `If-None-Match` matches an entity tag (weak comparison, lists and `*` included). */
export function ifNoneMatchMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string): string => tag.trim().replace(/^W\//i, '');
  return ifNoneMatch
    .split(',')
    .some((candidate) => candidate.trim() === '*' || opaque(candidate) === opaque(etag));
}

/**
 * The `X-Request-Id` for a response: the caller's own id when it looks like one (Rails'
 * `ActionDispatch::RequestId` keeps it after stripping odd characters, at most 255), otherwise a
 * fresh UUID.
 */
export function requestIdFor(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  const cleaned = (value ?? '').replace(/[^\w@-]/g, '').slice(0, 255);
  return cleaned === '' ? randomUUID() : cleaned;
}

/** Reads one header as a single string (the first when repeated). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
