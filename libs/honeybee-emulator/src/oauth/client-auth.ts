import type { IncomingHttpHeaders } from 'node:http';
import type { ClientRegistry, RegisteredClient } from '../clients/client.registry.js';
import type { DoorkeeperProfile } from '../doorkeeper.profile.js';
import { middlewareResponse, parseBasicAuth, requestParams } from '../http/http-utils.js';
import type { EmulatorResponse } from '../http/http-utils.js';
import { oauthErrorResponse } from './oauth-errors.js';
import { refusal } from '../emulator.errors.js';
import type { OAuthRefusal } from '../emulator.errors.js';

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

/** The parameters client authentication reads. */
export interface ClientAuthParams {
  /** Query string and body merged (Rails' `params`). */
  readonly params: Readonly<Record<string, string>>;
  /** The body alone (Rails' `request_parameters`). */
  readonly bodyParams: Readonly<Record<string, string>>;
}

/**
 * Authenticates the client of a request as the profile's Doorkeeper does.
 *
 * - A Basic attempt is an `Authorization: Basic` header (`basic` too when the profile's scheme
 *   is case-insensitive) whose user part is not blank.
 * - Doorkeeper before 5.9.5 takes the first of Basic and parameters that names a client: Basic
 *   wins over any body credentials, and a `client_id` without a secret is a (failing) attempt.
 *   Parameters come from the query string too before 6.0.
 * - From 5.9.5 a body attempt needs both `client_id` and `client_secret` (`client_secret_post`),
 *   a lone `client_id` is no authentication at all, and both mechanisms at once is `'both'`
 *   (the caller answers `invalid_request`).
 */
export function authenticateClient(
  clients: ClientRegistry,
  profile: DoorkeeperProfile,
  headers: IncomingHttpHeaders,
  input: ClientAuthParams,
): ClientAuthResult {
  const basic = parseBasicAuth(headers.authorization, profile.basicSchemeCaseInsensitive);
  const params = profile.credentialsFromQuery ? input.params : input.bodyParams;
  const bodyId = params.client_id?.trim() ? params.client_id : undefined;
  const bodySecret = params.client_secret ? params.client_secret : undefined;

  if (profile.multipleClientAuth === 'basicWins') {
    if (basic) return check(clients, basic.clientId, basic.clientSecret, 'basic');
    if (bodyId !== undefined) return check(clients, bodyId, bodySecret ?? '', 'body');
    return { kind: 'none' };
  }
  const body = bodyId !== undefined && bodySecret !== undefined;
  if (basic && body) return { kind: 'both' };
  if (basic) return check(clients, basic.clientId, basic.clientSecret, 'basic');
  if (body) return check(clients, bodyId, bodySecret, 'body');
  return { kind: 'none' };
}

function check(
  clients: ClientRegistry,
  clientId: string,
  clientSecret: string,
  method: ClientAuthMethod,
): ClientAuthResult {
  const client = clients.authenticate(clientId, clientSecret);
  return client ? { kind: 'authenticated', client, method } : { kind: 'invalid', method };
}

/** The `invalid_request` for a request that used both client-auth mechanisms. */
export function multipleClientAuthRefusal(profile: DoorkeeperProfile): OAuthRefusal {
  return refusal('invalid_request', profile.multipleClientAuthDescription);
}

/** A client-authenticated form request read, or the answer it gets before any endpoint logic. */
export type ClientRequestResult =
  | {
      readonly ok: true;
      readonly params: Readonly<Record<string, string>>;
      readonly auth: ClientAuthResult;
    }
  | { readonly ok: false; readonly response: EmulatorResponse };

/**
 * Reads the parameters and the client authentication of an introspection or revocation
 * request, as Doorkeeper does before either endpoint's own rules: a body that does not parse is
 * Rails' 400, and both client-auth mechanisms at once get the profile's refusal.
 */
export function readClientRequest(
  clients: ClientRegistry,
  profile: DoorkeeperProfile,
  req: { readonly headers: IncomingHttpHeaders; readonly body: Buffer; readonly url: URL },
): ClientRequestResult {
  const parsed = requestParams(req);
  if (!parsed.ok) return { ok: false, response: middlewareResponse(400) };
  const auth = authenticateClient(clients, profile, req.headers, parsed);
  if (auth.kind === 'both') {
    return { ok: false, response: oauthErrorResponse(multipleClientAuthRefusal(profile)) };
  }
  return { ok: true, params: parsed.params, auth };
}
