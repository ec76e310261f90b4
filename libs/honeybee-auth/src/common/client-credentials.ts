import type { Secret } from './secret.js';

/** How the client authenticates to the authorization server. Exactly one is used per request. */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

/**
 * How `client_secret_basic` puts the client id and secret into the `Authorization: Basic`
 * header.
 * - `'doorkeeper'`: as they are (`base64(id:secret)`). Doorkeeper, Honeybee's authorization
 *   server, never percent-decodes Basic credentials, so this is what works against it.
 * - `'rfc6749'`: each part form-urlencoded first (RFC 6749 §2.3.1, Appendix B), for servers
 *   that decode them. Against Doorkeeper, a secret with `+`, `/`, `=`, `%`, a space or any other
 *   character the encoding changes then fails with `invalid_client`.
 */
export type BasicCredentialsEncoding = 'doorkeeper' | 'rfc6749';

/**
 * This module's OAuth client: what a request to the authorization server (token endpoint,
 * introspection) is authenticated with.
 */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: Secret;
  readonly clientAuthMethod: ClientAuthMethod;
  readonly basicCredentialsEncoding: BasicCredentialsEncoding;
}
