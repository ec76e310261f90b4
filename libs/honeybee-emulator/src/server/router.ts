import type { EmulatorContext, EmulatorRequest } from '../emulator.context.js';
import type { FaultEndpoint } from '../faults/faults.js';
import { API_PREFIX, handleApiRequest } from '../endpoints/partners-api.js';
import {
  JWKS_PATH,
  METADATA_PATH,
  handleJwksRequest,
  handleMetadataRequest,
} from '../endpoints/discovery.endpoint.js';
import { handleIntrospectionRequest } from '../endpoints/introspection.endpoint.js';
import { handleRevocationRequest } from '../endpoints/revocation.endpoint.js';
import { handleTokenInfoRequest } from '../endpoints/token-info.endpoint.js';
import { handleTokenRequest } from '../endpoints/token.endpoint.js';
import { middlewareResponse } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import type { RecordedEndpoint } from './request.recorder.js';

/** An endpoint handler. */
export type Handler = (
  ctx: EmulatorContext,
  req: EmulatorRequest,
) => EmulatorResponse | Promise<EmulatorResponse>;

/** Paths of the OAuth endpoints. */
export const OAUTH_PATHS = Object.freeze({
  token: '/oauth/token',
  tokenInfo: '/oauth/token/info',
  introspect: '/oauth/introspect',
  revoke: '/oauth/revoke',
  jwks: JWKS_PATH,
  metadata: METADATA_PATH,
});

const EXACT: ReadonlyMap<string, { endpoint: FaultEndpoint; method: string; handle: Handler }> =
  new Map([
    [OAUTH_PATHS.token, { endpoint: 'token', method: 'POST', handle: handleTokenRequest }],
    [
      OAUTH_PATHS.tokenInfo,
      { endpoint: 'tokenInfo', method: 'GET', handle: handleTokenInfoRequest },
    ],
    [
      OAUTH_PATHS.introspect,
      { endpoint: 'introspect', method: 'POST', handle: handleIntrospectionRequest },
    ],
    [OAUTH_PATHS.revoke, { endpoint: 'revoke', method: 'POST', handle: handleRevocationRequest }],
    [OAUTH_PATHS.jwks, { endpoint: 'jwks', method: 'GET', handle: handleJwksRequest }],
    [OAUTH_PATHS.metadata, { endpoint: 'metadata', method: 'GET', handle: handleMetadataRequest }],
  ]);

/**
 * The endpoint a request belongs to (what faults and recordings are keyed by) and its handler.
 * A known path with the wrong method gets Rails routing's empty 404.
 */
export function routeFor(
  method: string,
  path: string,
): { endpoint: RecordedEndpoint; handle: Handler } {
  const exact = EXACT.get(path);
  if (exact) {
    return { endpoint: exact.endpoint, handle: method === exact.method ? exact.handle : notFound };
  }
  if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) {
    return { endpoint: 'api', handle: handleApiRequest };
  }
  return { endpoint: 'other', handle: notFound };
}

/** Rails routing's answer to a path or method it has no route for: an empty `text/html` 404. */
function notFound(): EmulatorResponse {
  return middlewareResponse(404);
}
