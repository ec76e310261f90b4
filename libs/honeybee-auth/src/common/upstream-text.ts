/**
 * Rules for text that an upstream server chose (the token endpoint, a verifier, the Partners
 * API) before it may reach an error, a log line or a response of ours. Such text can carry
 * control characters that forge log lines (`\n`, ANSI and C1 escapes) and, from a server that
 * echoes the request, our own credentials: it is checked, bounded or dropped, never copied as is.
 */

/**
 * RFC 6749 §5.2 and Appendix A: `error` and `error_description` may hold only
 * `%x20-21 / %x23-5B / %x5D-7E` (printable ASCII without `"` and `\`).
 */
const RFC6749_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

/** Longest OAuth `error` code accepted; registered codes have at most 25 characters. */
export const MAX_OAUTH_ERROR_LENGTH = 64;

/** Longest `error_description` kept (longer ones are cut, after redaction). */
export const MAX_OAUTH_DESCRIPTION_LENGTH = 256;

/** An `X-Request-Id` worth quoting: visible ASCII, no spaces, at most 128 characters. */
const REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

/** True when `value` is an RFC 6749 `error` code of at most {@link MAX_OAUTH_ERROR_LENGTH} characters. */
export function isOAuthErrorCode(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= MAX_OAUTH_ERROR_LENGTH && RFC6749_TEXT.test(value)
  );
}

/** True when `value` is made only of RFC 6749's `error_description` characters (and not empty). */
export function isOAuthErrorText(value: string): boolean {
  return RFC6749_TEXT.test(value);
}

/**
 * An `X-Request-Id` value fit for a log line or an error, or `undefined` when it is missing or
 * is anything but 1 to 128 visible ASCII characters (a request id needs no more; anything else
 * is not quoted at all).
 */
export function safeRequestId(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}

/**
 * `text` made safe for one log line: every character outside printable ASCII (control
 * characters, DEL, C1, line separators, bidi overrides, anything non-ASCII) becomes a visible
 * `\xHH` / `\uHHHH` escape, and the result is cut to `max` characters.
 */
export function printable(text: string, max = 500): string {
  const escaped = text.replace(/[^\x20-\x7E]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}
