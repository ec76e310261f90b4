import { epochSeconds } from '../clock.js';
import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import { jsonResponse, presentedBearerToken } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import { invalidTokenJsonResponse } from '../oauth/oauth-errors.js';

/** Body of a 200 from `GET /oauth/token/info` (note: `scope` is an array here). */
export interface TokenInfoBody {
  /** Always `null` for client-credentials tokens. */
  resource_owner_id: null;
  /** The token's scopes. */
  scope: string[];
  /** Seconds of lifetime remaining. */
  expires_in: number;
  /** The client the token was issued to. */
  application: { uid: string };
  /** Creation time, epoch seconds. */
  created_at: number;
}

/**
 * `GET /oauth/token/info`: describes the Bearer token the request presents. An unknown,
 * expired or revoked token (or none) gets 401 with Doorkeeper's JSON body, one description for
 * every reason: `{"error":"invalid_token","error_description":"The access token is invalid",
 * "state":"unauthorized"}` (token info builds its error without the token, in every version).
 */
export function handleTokenInfoRequest(
  ctx: EmulatorContext,
  req: EmulatorRequest,
): EmulatorResponse {
  const lookup = ctx.lookupToken(presentedBearerToken(req.headers, req.url));
  if (lookup.state !== 'active' || !lookup.token) return invalidTokenJsonResponse('unknown');
  const { token } = lookup;
  const body: TokenInfoBody = {
    resource_owner_id: null,
    scope: [...token.scopes],
    expires_in: ctx.issuer.remainingSeconds(token),
    application: { uid: token.clientId },
    created_at: epochSeconds(token.createdAt),
  };
  return jsonResponse(200, body);
}
