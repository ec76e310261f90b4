import { isB64Token } from '../common/b64token.js';

/** Separator between `auth-scheme` and credentials (RFC 9110 §11.4 says 1*SP; tabs are tolerated). */
const SEPARATOR = /^[ \t]+/;

/** Where a token was found (RFC 6750 §2.1, §2.2, §2.3). */
export type BearerTokenMethod = 'header' | 'body' | 'query';

/** The outcome of {@link extractBearerToken}. */
export type BearerTokenExtraction =
  /** Exactly one well-formed token, sent by exactly one method. */
  | { kind: 'token'; token: string; method: BearerTokenMethod }
  /** No Bearer credentials at all (no header, or another scheme such as Basic): 401, bare challenge. */
  | { kind: 'none' }
  /** Malformed, duplicated or oversized credentials: 400 `invalid_request`. */
  | { kind: 'invalid_request'; description: string };

/** The options {@link extractBearerToken} obeys (a subset of the resolved inbound options). */
export interface BearerTokenExtractionOptions {
  /** Accept `?access_token=` (RFC 6750 §2.3). */
  allowTokenInQuery: boolean;
  /** Accept a form-encoded `access_token` body field (RFC 6750 §2.2). */
  allowTokenInBody: boolean;
  /** Longest accepted token, in characters. */
  maxTokenLength: number;
}

/** The parts of an Express or Fastify request the extractor reads. */
interface RequestLike {
  method?: string;
  url?: string;
  originalUrl?: string;
  headers?: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  body?: unknown;
  raw?: { rawHeaders?: string[]; url?: string };
}

/**
 * Finds the Bearer token of a request as RFC 6750 §2 describes, on Express and Fastify
 * request objects alike. Pure: it reads the request and never throws.
 *
 * - `Authorization: Bearer <b64token>`, scheme case-insensitive;
 * - `access_token` in the query string, only with `allowTokenInQuery`;
 * - `access_token` in an `application/x-www-form-urlencoded` body of a non-GET request, only
 *   with `allowTokenInBody`.
 *
 * Disabled methods are ignored, not refused. An `Authorization` header with another scheme
 * (Basic, …) counts as no Bearer credentials. Everything ambiguous is `invalid_request`:
 * an empty or malformed token, several tokens, several `Authorization` headers, a token sent
 * by more than one method, a token longer than `maxTokenLength`. Descriptions never quote the
 * token.
 */
export function extractBearerToken(
  request: unknown,
  options: BearerTokenExtractionOptions,
): BearerTokenExtraction {
  const found = findBearerToken(request, options);
  if (found.kind !== 'token') return found;
  const problem = bearerTokenProblem(found.token, options.maxTokenLength);
  return problem ? invalid(problem) : found;
}

/**
 * {@link extractBearerToken} without its last step: a `token` outcome is the one candidate,
 * sent by exactly one method, whose own syntax (length, b64token) is not checked yet
 * ({@link bearerTokenProblem}). `ScopesGuard` checks it only when no verdict on it is cached:
 * only checked tokens ever get a verdict. Pure, never throws.
 */
export function findBearerToken(
  request: unknown,
  options: BearerTokenExtractionOptions,
): BearerTokenExtraction {
  try {
    return find((request ?? {}) as RequestLike, options);
  } catch {
    // Only a request object that no Node HTTP server builds gets here (a middleware that put a
    // number or an object in `headers.authorization`, say): refuse it, never a 500.
    return invalid('The request credentials are malformed');
  }
}

function find(req: RequestLike, options: BearerTokenExtractionOptions): BearerTokenExtraction {
  const header = authorizationHeader(req, options);
  if (typeof header === 'object') return header;
  // The usual configuration, the header alone: nothing to collect.
  if (!options.allowTokenInQuery && !options.allowTokenInBody) {
    return header === undefined ? NONE : { kind: 'token', token: header, method: 'header' };
  }

  const found: { method: BearerTokenMethod; value: string }[] = [];
  if (header !== undefined) found.push({ method: 'header', value: header });

  if (options.allowTokenInQuery) {
    const values = queryTokens(req);
    if (values.length > 1) return invalid('The request has several access_token query parameters');
    if (values.length === 1) found.push({ method: 'query', value: values[0] });
  }
  if (options.allowTokenInBody) {
    const value = bodyToken(req);
    if (typeof value === 'object') return value;
    if (value !== undefined) found.push({ method: 'body', value });
  }

  if (found.length === 0) return NONE;
  if (found.length > 1) {
    return invalid(
      `The access token was sent by more than one method (${found.map((f) => f.method).join(', ')})`,
    );
  }
  const [{ method, value }] = found;
  return { kind: 'token', token: value, method };
}

/** No Bearer credentials: one shared answer. */
const NONE: BearerTokenExtraction = Object.freeze({ kind: 'none' });

/**
 * The Bearer credentials of the `Authorization` header: the raw token text (not yet
 * validated), `undefined` when there is no header or another scheme, or an
 * `invalid_request` outcome.
 */
function authorizationHeader(
  req: RequestLike,
  options: BearerTokenExtractionOptions,
): string | undefined | Extract<BearerTokenExtraction, { kind: 'invalid_request' }> {
  // Node keeps only the first of repeated Authorization headers in `headers`; the raw list
  // shows them all.
  const raw = req.rawHeaders ?? req.raw?.rawHeaders;
  let values: string[];
  if (Array.isArray(raw)) {
    values = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      // The length first: lower-casing every other header name would allocate a string each.
      const name = raw[i];
      if (name.length === 13 && name.toLowerCase() === 'authorization') values.push(raw[i + 1]);
    }
  } else {
    const h = req.headers?.authorization;
    values = h === undefined ? [] : Array.isArray(h) ? h : [h];
  }
  if (values.length === 0) return undefined;
  if (values.length > 1) return invalid('The request has several Authorization headers');
  return bearerCredentialsOf(values[0], options.maxTokenLength);
}

/**
 * The credentials of one `Authorization` value when its scheme is Bearer: the raw token text
 * (not yet validated), `undefined` for another scheme, or an `invalid_request` outcome.
 */
function bearerCredentialsOf(
  raw: string,
  maxTokenLength: number,
): string | undefined | Extract<BearerTokenExtraction, { kind: 'invalid_request' }> {
  // The usual value, `Bearer <b64token>` with nothing to trim, without the general path's
  // string copies; its answer is the same (see `isPlainBearer`).
  if (isPlainBearer(raw)) {
    if (raw.length > maxTokenLength + 64) {
      return invalid(`The Bearer token is longer than ${maxTokenLength} characters`);
    }
    return raw.slice(7);
  }
  const value = raw.trim();
  if (value.length === 0) return invalid('The Authorization header is empty');
  const schemeEnd = value.search(/[ \t]/);
  const scheme = schemeEnd === -1 ? value : value.slice(0, schemeEnd);
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  // Bound the work before any further parsing of an oversized header.
  if (value.length > maxTokenLength + 64) {
    return invalid(`The Bearer token is longer than ${maxTokenLength} characters`);
  }
  return schemeEnd === -1 ? '' : value.slice(schemeEnd).replace(SEPARATOR, '');
}

/**
 * True for `Bearer` (any case), one space, then a value that starts and ends with a b64token
 * character: `trim()` has nothing to remove, the scheme ends at index 6 and the separator is
 * that one space, so the general path would answer `raw.slice(7)` too.
 */
function isPlainBearer(raw: string): boolean {
  return (
    raw.length > 7 &&
    raw.charCodeAt(6) === SPACE &&
    B64TOKEN_CHAR[raw.charCodeAt(7)] === 1 &&
    (B64TOKEN_CHAR[raw.charCodeAt(raw.length - 1)] === 1 ||
      raw.charCodeAt(raw.length - 1) === EQUALS) &&
    (raw.charCodeAt(0) | 0x20) === 0x62 && // b
    (raw.charCodeAt(1) | 0x20) === 0x65 && // e
    (raw.charCodeAt(2) | 0x20) === 0x61 && // a
    (raw.charCodeAt(3) | 0x20) === 0x72 && // r
    (raw.charCodeAt(4) | 0x20) === 0x65 && // e
    (raw.charCodeAt(5) | 0x20) === 0x72 // r
  );
}

const SPACE = 0x20;
const EQUALS = 0x3d;
/** 1 at the char codes of RFC 6750's b64token characters other than "=". */
const B64TOKEN_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/') {
  B64TOKEN_CHAR[c.charCodeAt(0)] = 1;
}

/**
 * Reads one `Authorization` value that did not come in an HTTP header (gRPC or TCP message
 * metadata, GraphQL `connectionParams`) by the header's rules: `Bearer <b64token>`, another
 * scheme counts as no credentials, anything malformed is `invalid_request`. Never throws.
 */
export function extractBearerFromAuthorization(
  value: string,
  maxTokenLength: number,
): BearerTokenExtraction {
  const found = bearerCredentialsOf(value, maxTokenLength);
  if (found === undefined) return { kind: 'none' };
  if (typeof found === 'object') return found;
  return checkedToken(found, maxTokenLength);
}

/**
 * Reads a token sent without a scheme (socket.io's `auth.token`): a `b64token`, or
 * `Bearer <b64token>`, which is accepted too. Never throws.
 */
export function extractBareBearerToken(
  value: string,
  maxTokenLength: number,
): BearerTokenExtraction {
  return /^bearer[ \t]/i.test(value)
    ? extractBearerFromAuthorization(value, maxTokenLength)
    : checkedToken(value, maxTokenLength);
}

/** A token found outside an HTTP request, checked like one (its `method` is `header`). */
function checkedToken(token: string, maxTokenLength: number): BearerTokenExtraction {
  const problem = bearerTokenProblem(token, maxTokenLength);
  return problem ? invalid(problem) : { kind: 'token', token, method: 'header' };
}

function queryTokens(req: RequestLike): string[] {
  // Parse the raw URL ourselves: Express's `req.query` (qs) turns `access_token[x]=` into
  // objects, and Fastify's parser differs again.
  const url = req.originalUrl ?? req.raw?.url ?? req.url ?? '';
  const q = url.indexOf('?');
  if (q === -1) return [];
  const hash = url.indexOf('#', q);
  return new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash)).getAll(
    'access_token',
  );
}

function bodyToken(
  req: RequestLike,
): string | undefined | Extract<BearerTokenExtraction, { kind: 'invalid_request' }> {
  const method = (req.method ?? 'GET').toUpperCase();
  // RFC 6750 §2.2: form-encoded, and never with GET (whose body has no defined meaning).
  if (method === 'GET' || method === 'HEAD') return undefined;
  const type = req.headers?.['content-type'];
  const contentType = (Array.isArray(type) ? type[0] : type)?.split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return undefined;
  const body = req.body;
  if (body === null || typeof body !== 'object' || !Object.hasOwn(body, 'access_token')) {
    return undefined;
  }
  const value = (body as Record<string, unknown>).access_token;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return invalid('The request body has several access_token fields');
  return invalid('The access_token body field is malformed');
}

/**
 * Why a token candidate is unacceptable (empty, longer than `maxLength`, several tokens, not a
 * b64token), or `undefined` when it is fine: the description of its `invalid_request`.
 */
export function bearerTokenProblem(token: string, maxLength: number): string | undefined {
  if (token.length === 0) return 'The Bearer token is empty';
  if (token.length > maxLength) return `The Bearer token is longer than ${maxLength} characters`;
  // One pass for a good token; a b64token has no blank, so the second only names the problem.
  if (isB64Token(token)) return undefined;
  if (/[ \t]/.test(token)) return 'The request carries more than one Bearer token';
  return 'The Bearer token is malformed';
}

function invalid(description: string): Extract<BearerTokenExtraction, { kind: 'invalid_request' }> {
  return { kind: 'invalid_request', description };
}
