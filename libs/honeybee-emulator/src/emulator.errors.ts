/** OAuth 2.0 error codes the emulated token endpoint can answer with (RFC 6749 §5.2 and friends). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable';

/** Doorkeeper's English error descriptions (`config/locales/en.yml`). */
export const OAUTH_ERROR_DESCRIPTIONS: Readonly<Record<OAuthErrorCode, string>> = Object.freeze({
  invalid_request:
    'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unauthorized_client: 'The client is not authorized to perform this request using this method.',
  unsupported_grant_type:
    'The authorization grant type is not supported by the authorization server.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  server_error:
    'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
  temporarily_unavailable:
    'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.',
});

/** An OAuth refusal: the error code and its description. */
export interface OAuthRefusal {
  /** The OAuth error code. */
  readonly error: OAuthErrorCode;
  /** The `error_description`. */
  readonly description: string;
}

/** A refusal with Doorkeeper's stock description, or a specific one. */
export function refusal(error: OAuthErrorCode, description?: string): OAuthRefusal {
  return { error, description: description ?? OAUTH_ERROR_DESCRIPTIONS[error] };
}

/** `invalid_request` for a missing parameter, worded as Doorkeeper words it. */
export function missingParam(name: string): OAuthRefusal {
  return refusal('invalid_request', `Missing required parameter: ${name}.`);
}

/**
 * Thrown by the programmatic API (for example {@link HoneybeeEmulator.issueToken}) when the
 * emulator refuses, with the same OAuth error code the HTTP endpoint would have answered.
 */
export class HoneybeeEmulatorError extends Error {
  override readonly name = 'HoneybeeEmulatorError';

  /**
   * @param message - Human-readable reason.
   * @param oauthError - The OAuth error code, when the refusal is an OAuth one.
   */
  constructor(
    message: string,
    readonly oauthError?: OAuthErrorCode,
  ) {
    super(message);
  }
}
