import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { OAUTH_ERROR_CODES, OTHER } from './telemetry.conventions.js';

/** A code or class name fit for `error.type`: an identifier, never free text. */
const IDENTIFIER = /^[A-Za-z][\w.-]{0,63}$/;

/** `error.type` of a failed token request: the {@link HoneybeeTokenError}'s `kind`. */
export function tokenErrorType(err: unknown): string {
  return err instanceof HoneybeeTokenError ? err.kind : OTHER;
}

/** `honeybee_auth.oauth.error`: an RFC 6749 error code, `_OTHER` for any other the server sent. */
export function oauthErrorLabel(err: unknown): string | undefined {
  if (!(err instanceof HoneybeeTokenError) || err.error === undefined) return undefined;
  return OAUTH_ERROR_CODES.has(err.error) ? err.error : OTHER;
}

/** `error.type` of a verification that could not decide: the error's `kind`. */
export function verifierErrorType(err: unknown): string {
  return err instanceof HoneybeeVerifierUnavailableError ? err.kind : 'verifier_error';
}

/**
 * `error.type` of a failed store operation: the error's `code` (`timeout`, `ECONNREFUSED`…),
 * else its class name when it has its own, else `_OTHER`; never its message.
 */
export function storeErrorType(err: unknown): string {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && IDENTIFIER.test(code)) return code;
  if (typeof name === 'string' && name !== 'Error' && IDENTIFIER.test(name)) return name;
  return OTHER;
}

/**
 * A request id worth recording next to `secret` (the token at stake): not when either holds
 * the other, as from a server that echoes what it was sent.
 */
export function quotableRequestId(
  requestId: string | undefined,
  secret: string | undefined,
): string | undefined {
  if (requestId === undefined) return undefined;
  if (secret && (secret.includes(requestId) || requestId.includes(secret))) return undefined;
  return requestId;
}
