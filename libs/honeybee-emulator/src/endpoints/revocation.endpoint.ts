import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import { jsonResponse } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import { readClientRequest } from '../oauth/client-auth.js';

/** Doorkeeper's description when a revocation is refused. */
export const REVOKE_UNAUTHORIZED_DESCRIPTION = 'You are not authorized to revoke this token';

/**
 * `POST /oauth/revoke` (RFC 7009) with Doorkeeper's rules: the client must authenticate (else
 * 403 `unauthorized_client`, Doorkeeper's answer, not 401); an unknown token — or no `token` at
 * all — gets 200 `{}`; a token of another client gets 403 `unauthorized_client`; otherwise the
 * token is revoked and the answer is 200 `{}`. Both client-auth mechanisms at once follow the
 * profile (Basic wins before 5.9.5, `400 invalid_request` from then).
 */
export function handleRevocationRequest(
  ctx: EmulatorContext,
  req: EmulatorRequest,
): EmulatorResponse {
  const read = readClientRequest(ctx.clients, ctx.settings.profile, req);
  if (!read.ok) return read.response;
  const { params, auth } = read;
  const forbidden = jsonResponse(403, {
    error: 'unauthorized_client',
    error_description: REVOKE_UNAUTHORIZED_DESCRIPTION,
  });
  if (auth.kind !== 'authenticated') return forbidden;
  const lookup = ctx.lookupToken(params.token);
  if (!lookup.token) return jsonResponse(200, {});
  if (lookup.token.clientId !== auth.client.clientId) return forbidden;
  ctx.tokens.revoke(lookup.token.accessToken, ctx.clock.now(), 'revocation_endpoint');
  return jsonResponse(200, {});
}
