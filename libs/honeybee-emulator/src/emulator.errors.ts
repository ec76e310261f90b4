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
