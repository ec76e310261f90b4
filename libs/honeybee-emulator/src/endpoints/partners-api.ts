import { createHmac } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import {
  acceptsJson,
  emptyResponse,
  headerValue,
  ifNoneMatchMatches,
  jsonResponse,
  middlewareResponse,
  presentedBearerToken,
  weakEtag,
} from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import { INVALID_TOKEN_DESCRIPTIONS, bearerChallenge } from '../oauth/oauth-errors.js';
import type { IssuedToken } from '../tokens/token.store.js';
import type { ApiRoute } from '../api/api.options.js';

interface RouteMatch {
  readonly route: ApiRoute;
  readonly id?: string;
}

/**
 * Headers of `doorkeeper_authorize!`'s refusals: Doorkeeper's error headers, answered with
 * `head`, so an empty `text/html` body.
 */
const DOORKEEPER_REFUSAL_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Content-Type': 'text/html',
});

/** Path prefix of the Partners API. */
export const API_PREFIX = '/v1';

/**
 * Requests under `/v1`. Order of checks: route (an unknown one is Rails routing's empty 404,
 * before any auth), token (401), scope (403, with an `insufficient_scope` challenge from
 * Doorkeeper 5.9.1, none before), `Accept` (406, empty body), then the route itself. The 401 and
 * 403 are `doorkeeper_authorize!`'s: empty `text/html` bodies with `Cache-Control: no-store` and
 * `Pragma: no-cache`. GET 200s carry a weak `ETag`; a matching `If-None-Match` gets 304.
 * Responses with a body carry `X-Honeybee-Signature`.
 */
export function handleApiRequest(ctx: EmulatorContext, req: EmulatorRequest): EmulatorResponse {
  const match = matchRoute(ctx, req.method, req.url.pathname);
  if (!match) return middlewareResponse(404);
  const lookup = ctx.lookupToken(presentedBearerToken(req.headers, req.url));
  if (lookup.state !== 'active' || !lookup.token) {
    const state = lookup.state === 'active' ? 'unknown' : lookup.state;
    return emptyResponse(401, {
      ...DOORKEEPER_REFUSAL_HEADERS,
      'WWW-Authenticate': bearerChallenge('invalid_token', INVALID_TOKEN_DESCRIPTIONS[state]),
    });
  }
  const required = ctx.settings.api.scopes[match.route];
  if (!hasScopes(lookup.token, required, ctx.settings.api.scopeMatch)) {
    const challenge = bearerChallenge(
      'insufficient_scope',
      `Access to this resource requires scope "${required.join(' ')}".`,
    );
    return emptyResponse(403, {
      ...DOORKEEPER_REFUSAL_HEADERS,
      ...(ctx.settings.profile.forbiddenChallenge ? { 'WWW-Authenticate': challenge } : {}),
    });
  }
  if (!acceptsJson(headerValue(req.headers, 'accept'), ctx.settings.api.accept)) {
    return emptyResponse(406);
  }
  const response = dispatch(ctx, req, match);
  return req.method === 'GET' ? withEtag(ctx, req, response) : signed(ctx, response);
}

/** Adds `X-Honeybee-Signature` (HMAC-SHA1 of the body) to a response that has a body. */
function signed(ctx: EmulatorContext, res: EmulatorResponse): EmulatorResponse {
  if (res.body === undefined) return res;
  const signature = createHmac('sha1', ctx.settings.api.signatureSecret)
    .update(res.body)
    .digest('hex');
  return { ...res, headers: { ...res.headers, 'X-Honeybee-Signature': signature } };
}

/** Adds a weak ETag to a GET 200, or answers 304 when `If-None-Match` matches it. */
function withEtag(
  ctx: EmulatorContext,
  req: EmulatorRequest,
  res: EmulatorResponse,
): EmulatorResponse {
  if (res.status !== 200 || res.body === undefined) return signed(ctx, res);
  const etag = weakEtag(res.body);
  const caching = { ETag: etag, 'Cache-Control': 'max-age=0, private, must-revalidate' };
  if (ifNoneMatchMatches(headerValue(req.headers, 'if-none-match'), etag)) {
    // Rack turns the rendered 200 into the 304: it keeps the rendered answer's headers.
    return { status: 304, headers: caching };
  }
  return signed(ctx, { ...res, headers: { ...res.headers, ...caching } });
}

function matchRoute(ctx: EmulatorContext, method: string, path: string): RouteMatch | undefined {
  const segments = path.slice(API_PREFIX.length).split('/').slice(1);
  let id: string;
  try {
    id = decodeURIComponent(segments[1] ?? '');
  } catch {
    return undefined;
  }
  if (
    method === 'GET' &&
    segments.length === 3 &&
    segments[0] === 'patients' &&
    segments[2] === 'rx' &&
    id
  ) {
    return { route: 'getPatientRx', id };
  }
  if (segments[0] === 'orders') {
    if (method === 'POST' && segments.length === 1) return { route: 'createOrder' };
    if (method === 'GET' && segments.length === 2 && id) return { route: 'getOrder', id };
  }
  if (
    method === 'POST' &&
    segments.length === 1 &&
    segments[0] === 'simulate' &&
    ctx.settings.api.sandbox
  ) {
    return { route: 'simulate' };
  }
  return undefined;
}

function hasScopes(token: IssuedToken, required: readonly string[], match: 'any' | 'all'): boolean {
  if (required.length === 0) return true;
  return match === 'any'
    ? required.some((scope) => token.scopes.includes(scope))
    : required.every((scope) => token.scopes.includes(scope));
}

function dispatch(ctx: EmulatorContext, req: EmulatorRequest, match: RouteMatch): EmulatorResponse {
  switch (match.route) {
    case 'getPatientRx': {
      const patient = ctx.patients.get(match.id!);
      if (!patient) return notFound(`Patient ${match.id} not found`);
      return jsonResponse(200, {
        medication_request: { ...patient.medicationRequest, patient_id: patient.id },
      });
    }
    case 'getOrder': {
      const order = ctx.orders.get(match.id!);
      return order ? jsonResponse(200, order) : notFound(`Order ${match.id} not found`);
    }
    case 'createOrder':
      return createOrder(ctx, req);
    case 'simulate':
      return simulate(ctx, req);
  }
}

function createOrder(ctx: EmulatorContext, req: EmulatorRequest): EmulatorResponse {
  const parsed = parseJsonObject(req.body);
  if (!parsed.ok) return parsed.response;
  const input = parsed.value;
  const errors: Record<string, string[]> = {};
  for (const field of ['patient_id', 'medication_request_id'] as const) {
    if (typeof input[field] !== 'string' || (input[field] as string).trim() === '') {
      errors[field] = ["can't be blank"];
    }
  }
  const address = input.shipping_address;
  if (address === undefined || address === null) errors.shipping_address = ["can't be blank"];
  else if (typeof address !== 'object' || Array.isArray(address)) {
    errors.shipping_address = ['must be an object'];
  }
  if (!errors.patient_id && !ctx.patients.get(input.patient_id as string)) {
    errors.patient_id = ['not found'];
  }
  if (Object.keys(errors).length > 0) return jsonResponse(422, { errors });
  const order = ctx.orders.create(
    input as Record<string, unknown> & {
      patient_id: string;
      medication_request_id: string;
      shipping_address: Record<string, unknown>;
    },
    ctx.clock.now(),
  );
  return jsonResponse(201, order, {
    Location: `${API_PREFIX}/orders/${encodeURIComponent(order.id)}`,
  });
}

function simulate(ctx: EmulatorContext, req: EmulatorRequest): EmulatorResponse {
  const parsed = parseJsonObject(req.body);
  if (!parsed.ok) return parsed.response;
  const input = parsed.value;
  const eventType = input.event_type ?? 'RX_RECEIVED';
  const errors: Record<string, string[]> = {};
  if (typeof eventType !== 'string' || eventType === '') errors.event_type = ['must be a string'];
  if (typeof input.patient_id !== 'string' || !ctx.patients.get(input.patient_id)) {
    errors.patient_id = input.patient_id === undefined ? ["can't be blank"] : ['not found'];
  }
  if (Object.keys(errors).length > 0) return jsonResponse(422, { errors });
  ctx.simulateWebhook({ event_type: eventType as string, patient_id: input.patient_id as string });
  return jsonResponse(202, {
    simulation: { status: 'accepted', event_type: eventType, patient_id: input.patient_id },
  });
}

function parseJsonObject(
  body: Buffer,
): { ok: true; value: Record<string, unknown> } | { ok: false; response: EmulatorResponse } {
  if (body.length === 0) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return {
      ok: false,
      response: jsonResponse(400, {
        error: 'invalid_json',
        message: `The request body is not valid JSON: ${(error as Error).message}`,
      }),
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      response: jsonResponse(422, { errors: { base: ['must be a JSON object'] } }),
    };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function notFound(message: string): EmulatorResponse {
  return jsonResponse(404, { error: 'not_found', message });
}
