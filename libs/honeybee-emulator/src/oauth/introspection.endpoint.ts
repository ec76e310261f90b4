import { epochSeconds } from '../clock.js';
import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import {
  headerValue,
  jsonResponse,
  parseParams,
  presentedBearerToken,
} from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import type { IssuedToken } from '../tokens/token.store.js';
import { MULTIPLE_CLIENT_AUTH_DESCRIPTION, authenticateClient } from './client-auth.js';
import { invalidTokenJsonResponse, oauthErrorResponse, refusal } from './oauth-errors.js';

/** Body of an introspection response for an active token (`scope` is a string here). */
export interface ActiveIntrospectionBody {
  active: true;
  /** Space-separated scopes (empty string when none, as Doorkeeper sends it). */
  scope: string;
  /** The client the token was issued to. */
  client_id: string;
  /** Always `Bearer`. */
  token_type: 'Bearer';
  /** Issued at, epoch seconds. */
  iat: number;
  /** Expires at, epoch seconds. */
  exp: number;
}

/** Doorkeeper's description when introspection is called without any caller authentication. */
export const REQUEST_NOT_AUTHORIZED_DESCRIPTION =
  'Request need to be authorized. Required parameter for authorizing request is missing or invalid.';

/**
 * `POST /oauth/introspect` (RFC 7662) with Doorkeeper's rules:
 * - caller authenticated with client credentials (Basic or body): bad credentials → 401
 *   `invalid_client`; a token of another application is reported `{"active":false}` while
 *   `ownApplicationOnly` holds;
 * - otherwise with a Bearer token: that token must be active and not the one introspected, and
 *   while `ownApplicationOnly` holds it must belong to the same application as the introspected
 *   token — else 401 `invalid_token` (so an unknown introspected token also gets 401 here, a
 *   Doorkeeper quirk);
 * - no caller authentication → 400 `invalid_request`.
 */
export function handleIntrospectionRequest(
  ctx: EmulatorContext,
  req: EmulatorRequest,
): EmulatorResponse {
  const parsed = parseParams(headerValue(req.headers, 'content-type'), req.body);
  if (!parsed.ok) return oauthErrorResponse(refusal('invalid_request', parsed.reason));
  const { params } = parsed;
  const ownOnly = ctx.settings.introspectionOwnApplicationOnly;
  const introspected = ctx.lookupToken(params.token);

  const auth = authenticateClient(ctx.clients, req.headers, params);
  if (auth.kind === 'both') {
    return oauthErrorResponse(refusal('invalid_request', MULTIPLE_CLIENT_AUTH_DESCRIPTION));
  }
  if (auth.kind === 'invalid') return oauthErrorResponse(refusal('invalid_client'));
  if (auth.kind === 'authenticated') {
    const allowed = !ownOnly || introspected.token?.clientId === auth.client.clientId;
    return introspectionBody(
      introspected.state === 'active' && allowed ? introspected.token : undefined,
    );
  }

  const bearer = presentedBearerToken(req.headers, req.url);
  if (bearer === undefined) {
    return oauthErrorResponse(refusal('invalid_request', REQUEST_NOT_AUTHORIZED_DESCRIPTION));
  }
  const caller = ctx.lookupToken(bearer);
  if (caller.state !== 'active' || !caller.token) {
    return invalidTokenJsonResponse(caller.state === 'active' ? 'unknown' : caller.state);
  }
  if (bearer === params.token) return invalidTokenJsonResponse('unknown');
  if (ownOnly && introspected.token?.clientId !== caller.token.clientId) {
    return invalidTokenJsonResponse('unknown');
  }
  return introspectionBody(introspected.state === 'active' ? introspected.token : undefined);
}

function introspectionBody(token: IssuedToken | undefined): EmulatorResponse {
  if (!token) return jsonResponse(200, { active: false });
  const body: ActiveIntrospectionBody = {
    active: true,
    scope: token.scopes.join(' '),
    client_id: token.clientId,
    token_type: 'Bearer',
    iat: epochSeconds(token.createdAt),
    exp: epochSeconds(token.expiresAt),
  };
  return jsonResponse(200, body);
}
