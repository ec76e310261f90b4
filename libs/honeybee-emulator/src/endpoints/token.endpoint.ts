import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import { jsonResponse, middlewareResponse, requestParams, unrendered } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import type { GrantType } from '../clients/client.registry.js';
import { authenticateClient, multipleClientAuthRefusal } from '../oauth/client-auth.js';
import { oauthErrorResponse } from '../oauth/oauth-errors.js';
import { missingParam, refusal } from '../emulator.errors.js';

/**
 * `POST /oauth/token`. Checks run in Doorkeeper's order: readable parameters (a body that does
 * not parse is Rails' 400 before Doorkeeper runs), `grant_type` present and enabled,
 * grant-specific parameters, client authentication, the client's grant types, the grant
 * itself, then scopes. A success carries `Cache-Control` as the profile's Doorkeeper sends it
 * (`no-store`, or `no-store, no-cache` from 5.6.6) and `Pragma: no-cache`.
 */
export async function handleTokenRequest(
  ctx: EmulatorContext,
  req: EmulatorRequest,
): Promise<EmulatorResponse> {
  const { profile } = ctx.settings;
  const parsed = requestParams(req);
  if (!parsed.ok) return middlewareResponse(400);
  const { params } = parsed;

  // Doorkeeper raises these two before any strategy runs and writes the error body itself.
  const grantType = params.grant_type;
  if (!grantType) return unrendered(oauthErrorResponse(missingParam('grant_type')));
  if (!ctx.settings.grantTypes.includes(grantType as GrantType)) {
    return unrendered(oauthErrorResponse(refusal('unsupported_grant_type')));
  }
  if (grantType === 'authorization_code') {
    if (!params.code) return oauthErrorResponse(missingParam('code'));
    if (!params.redirect_uri) return oauthErrorResponse(missingParam('redirect_uri'));
  }
  if (grantType === 'refresh_token' && !params.refresh_token) {
    return oauthErrorResponse(missingParam('refresh_token'));
  }

  const auth = authenticateClient(ctx.clients, profile, req.headers, parsed);
  if (auth.kind === 'both')
    return unrendered(oauthErrorResponse(multipleClientAuthRefusal(profile)));
  if (auth.kind !== 'authenticated') return oauthErrorResponse(refusal('invalid_client'));
  const { client } = auth;
  if (client.grantTypes && !client.grantTypes.includes(grantType as GrantType)) {
    return oauthErrorResponse(refusal('unauthorized_client'), profile.unauthorizedClientStatus);
  }
  // The emulator never issues authorization codes or refresh tokens: any presented one is unknown.
  if (grantType !== 'client_credentials') return oauthErrorResponse(refusal('invalid_grant'));

  const resolved = ctx.issuer.resolveScopes(client, params.scope);
  if (!resolved.ok) return oauthErrorResponse(resolved.refusal);
  const token = await ctx.issuer.issue(client, resolved.scopes);
  return jsonResponse(200, ctx.issuer.responseBody(token), {
    'Cache-Control': profile.tokenCacheControl,
    Pragma: 'no-cache',
  });
}
