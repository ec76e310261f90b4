import type { EmulatorContext } from '../emulator.context.js';
import { jsonResponse } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';

/** Path of the JWKS (the one Doorkeeper's OpenID Connect extension uses). */
export const JWKS_PATH = '/oauth/discovery/keys';

/** Path of the RFC 8414 authorization server metadata. */
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** RFC 8414 authorization server metadata as the emulator publishes it. */
export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  introspection_endpoint: string;
  revocation_endpoint: string;
  grant_types_supported: string[];
  response_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  scopes_supported: string[];
}

/** `GET /.well-known/oauth-authorization-server`. */
export function handleMetadataRequest(ctx: EmulatorContext): EmulatorResponse {
  const { urls, settings, clients } = ctx;
  const authMethods = ['client_secret_basic', 'client_secret_post'];
  const metadata: AuthorizationServerMetadata = {
    issuer: urls.issuer,
    token_endpoint: urls.tokenUrl,
    jwks_uri: urls.jwksUri,
    introspection_endpoint: urls.introspectionUrl,
    revocation_endpoint: urls.revocationUrl,
    grant_types_supported: [...settings.grantTypes],
    response_types_supported: settings.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_methods_supported: authMethods,
    scopes_supported: [...(settings.serverScopes ?? clients.knownScopes())],
  };
  return jsonResponse(200, metadata);
}

/** `GET /oauth/discovery/keys`: the public signing keys (current first, then the previous). */
export async function handleJwksRequest(ctx: EmulatorContext): Promise<EmulatorResponse> {
  return jsonResponse(200, await ctx.keys.jwks());
}
