import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import { headerValue, jsonResponse, parseParams } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import type { GrantType } from '../clients/client.registry.js';
import { MULTIPLE_CLIENT_AUTH_DESCRIPTION, authenticateClient } from './client-auth.js';
import { missingParam, oauthErrorResponse, refusal } from './oauth-errors.js';

/** Headers of a successful token response (Doorkeeper `TokenResponse#headers`). */
export const TOKEN_SUCCESS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store, no-cache',
  Pragma: 'no-cache',
});

/**
 * `POST /oauth/token`. Checks run in Doorkeeper's order: readable parameters, `grant_type`
 * present and enabled, grant-specific parameters, client authentication (exactly one mechanism),
 * the client's grant types, the grant itself, then scopes.
 */
export async function handleTokenRequest(
  ctx: EmulatorContext,
  req: EmulatorRequest,
): Promise<EmulatorResponse> {
  const parsed = parseParams(headerValue(req.headers, 'content-type'), req.body);
  if (!parsed.ok) return oauthErrorResponse(refusal('invalid_request', parsed.reason));
  const { params } = parsed;

  const grantType = params.grant_type;
  if (!grantType) return oauthErrorResponse(missingParam('grant_type'));
  if (!ctx.settings.grantTypes.includes(grantType as GrantType)) {
    return oauthErrorResponse(refusal('unsupported_grant_type'));
  }
  if (grantType === 'authorization_code') {
    if (!params.code) return oauthErrorResponse(missingParam('code'));
    if (!params.redirect_uri) return oauthErrorResponse(missingParam('redirect_uri'));
  }
  if (grantType === 'refresh_token' && !params.refresh_token) {
    return oauthErrorResponse(missingParam('refresh_token'));
  }

  const auth = authenticateClient(ctx.clients, req.headers, params);
  if (auth.kind === 'both') {
    return oauthErrorResponse(refusal('invalid_request', MULTIPLE_CLIENT_AUTH_DESCRIPTION));
  }
  if (auth.kind !== 'authenticated') return oauthErrorResponse(refusal('invalid_client'));
  const { client } = auth;
  if (client.grantTypes && !client.grantTypes.includes(grantType as GrantType)) {
    return oauthErrorResponse(refusal('unauthorized_client'));
  }
  // The emulator never issues authorization codes or refresh tokens: any presented one is unknown.
  if (grantType !== 'client_credentials') return oauthErrorResponse(refusal('invalid_grant'));

  const resolved = ctx.issuer.resolveScopes(client, params.scope);
  if (!resolved.ok) return oauthErrorResponse(resolved.refusal);
  const token = await ctx.issuer.issue(client, resolved.scopes);
  return jsonResponse(200, ctx.issuer.responseBody(token), { ...TOKEN_SUCCESS_HEADERS });
}
