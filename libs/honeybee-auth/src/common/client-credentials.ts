import type { Secret } from './secret.js';

/** How the client authenticates to the authorization server. Exactly one is used per request. */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

/**
 * This module's OAuth client: what a request to the authorization server (token endpoint,
 * introspection) is authenticated with.
 */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: Secret;
  readonly clientAuthMethod: ClientAuthMethod;
}
