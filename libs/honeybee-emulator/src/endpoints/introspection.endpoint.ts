import { epochSeconds } from '../clock.js';
import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import { jsonResponse, presentedBearerToken } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import type { IssuedToken } from '../tokens/token.store.js';
import { readClientRequest } from '../oauth/client-auth.js';
import { invalidTokenJsonResponse, oauthErrorResponse } from '../oauth/oauth-errors.js';
import { refusal } from '../emulator.errors.js';

/** Body of an introspection response for an active token (`scope` is a string here). */
export interface ActiveIntrospectionBody {
  active: true;
  /** Space-separated scopes (empty string when none, as Doorkeeper sends it). */
  scope: string;
  /** The client the token was issued to. */
  client_id: string;
  /** Always `Bearer`. */
  token_type: 'Bearer';
  /** Expires at, epoch seconds. */
  exp: number;
  /** Issued at, epoch seconds. */
  iat: number;
}

/**
 * `POST /oauth/introspect` (RFC 7662) with Doorkeeper's rules:
 * - caller authenticated with client credentials (by the profile's rules, see
 *   `authenticateClient`): bad credentials → 401 `invalid_client`; a token of another
 *   application is reported `{"active":false}` while `ownApplicationOnly` holds;
 * - otherwise with a Bearer token that the server knows: it must be active and not the one
 *   introspected, and while `ownApplicationOnly` holds it must belong to the same application as
 *   the introspected token — else 401 `invalid_token` with a JSON body (so an unknown
 *   introspected token also gets 401 here, a Doorkeeper quirk);
 * - no caller authentication, or a Bearer token the server does not know → 400
 *   `invalid_request`.
 */
export function handleIntrospectionRequest(
  ctx: EmulatorContext,
  req: EmulatorRequest,
): EmulatorResponse {
  const { profile } = ctx.settings;
  const read = readClientRequest(ctx.clients, profile, req);
  if (!read.ok) return read.response;
  const { params, auth } = read;
  const ownOnly = ctx.settings.introspectionOwnApplicationOnly;
  const introspected = ctx.lookupToken(params.token);

  if (auth.kind === 'invalid') return oauthErrorResponse(refusal('invalid_client'));
  if (auth.kind === 'authenticated') {
    const allowed = !ownOnly || introspected.token?.clientId === auth.client.clientId;
    return introspectionBody(
      introspected.state === 'active' && allowed ? introspected.token : undefined,
    );
  }

  const caller = ctx.lookupToken(presentedBearerToken(req.headers, req.url));
  if (!caller.token) {
    return oauthErrorResponse(refusal('invalid_request', profile.requestNotAuthorizedDescription));
  }
  if (caller.state !== 'active') return invalidTokenJsonResponse(caller.state);
  if (caller.token.accessToken === params.token) return invalidTokenJsonResponse('unknown');
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
    exp: epochSeconds(token.expiresAt),
    iat: epochSeconds(token.createdAt),
  };
  return jsonResponse(200, body);
}
