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
  try {
    return extract((request ?? {}) as RequestLike, options);
  } catch {
    // Only a request object that no Node HTTP server builds gets here (a middleware that put a
    // number or an object in `headers.authorization`, say): refuse it, never a 500.
    return invalid('The request credentials are malformed');
  }
}

function extract(req: RequestLike, options: BearerTokenExtractionOptions): BearerTokenExtraction {
  const found: { method: BearerTokenMethod; value: string }[] = [];

  const header = authorizationHeader(req, options);
  if (typeof header === 'object') return header;
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

  if (found.length === 0) return { kind: 'none' };
  if (found.length > 1) {
    return invalid(
      `The access token was sent by more than one method (${found.map((f) => f.method).join(', ')})`,
    );
  }
  const [{ method, value }] = found;
  const problem = tokenProblem(value, options.maxTokenLength);
  return problem ? invalid(problem) : { kind: 'token', token: value, method };
}

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
      if (raw[i].toLowerCase() === 'authorization') values.push(raw[i + 1]);
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
  const problem = tokenProblem(token, maxTokenLength);
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

/** Why a token candidate is unacceptable, or `undefined` when it is a b64token. */
function tokenProblem(token: string, maxLength: number): string | undefined {
  if (token.length === 0) return 'The Bearer token is empty';
  if (token.length > maxLength) return `The Bearer token is longer than ${maxLength} characters`;
  if (/[ \t]/.test(token)) return 'The request carries more than one Bearer token';
  if (!isB64Token(token)) return 'The Bearer token is malformed';
  return undefined;
}

function invalid(description: string): Extract<BearerTokenExtraction, { kind: 'invalid_request' }> {
  return { kind: 'invalid_request', description };
}
