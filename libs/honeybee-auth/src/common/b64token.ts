/** RFC 6750 §2.1 `b64token`: the only characters a Bearer token may have. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * True when `value` is an RFC 6750 `b64token` (`1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"="`): no spaces, control characters or non-ASCII, so it goes into an
 * `Authorization` header, a log mask and an origin check unchanged.
 */
export function isB64Token(value: string): boolean {
  return B64TOKEN.test(value);
}
