import type { IncomingHttpHeaders } from 'node:http';
import type { ClientRegistry, RegisteredClient } from '../clients/client.registry.js';
import { parseBasicAuth } from '../http/http-utils.js';

/** How a request tried to authenticate its client. */
export type ClientAuthMethod = 'basic' | 'body';

/** Outcome of client authentication. */
export type ClientAuthResult =
  | {
      readonly kind: 'authenticated';
      readonly client: RegisteredClient;
      readonly method: ClientAuthMethod;
    }
  | { readonly kind: 'invalid'; readonly method: ClientAuthMethod }
  | { readonly kind: 'both' }
  | { readonly kind: 'none' };

/**
 * Authenticates the client of a request as Doorkeeper does. A Basic attempt is an
 * `Authorization: Basic` header whose user part is not blank; a body attempt needs both
 * `client_id` and `client_secret` (`client_secret_post`). Both at once is refused (Doorkeeper ≥
 * 5.9.5: `invalid_request`); a lone `client_id` in the body is no authentication at all.
 */
export function authenticateClient(
  clients: ClientRegistry,
  headers: IncomingHttpHeaders,
  params: Readonly<Record<string, string>>,
): ClientAuthResult {
  const basic = parseBasicAuth(headers.authorization);
  const bodyId = params.client_id?.trim() ? params.client_id : undefined;
  const bodySecret = params.client_secret ? params.client_secret : undefined;
  const body = bodyId !== undefined && bodySecret !== undefined;
  if (basic && body) return { kind: 'both' };
  if (basic) {
    const client = clients.authenticate(basic.clientId, basic.clientSecret);
    return client
      ? { kind: 'authenticated', client, method: 'basic' }
      : { kind: 'invalid', method: 'basic' };
  }
  if (body) {
    const client = clients.authenticate(bodyId, bodySecret);
    return client
      ? { kind: 'authenticated', client, method: 'body' }
      : { kind: 'invalid', method: 'body' };
  }
  return { kind: 'none' };
}

/** The `invalid_request` description for a request that used both client-auth mechanisms. */
export const MULTIPLE_CLIENT_AUTH_DESCRIPTION =
  'The request uses more than one mechanism for authenticating the client (HTTP Basic and the request body); use exactly one.';
