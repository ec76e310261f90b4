const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** True for `127.0.0.1`, `::1` and `localhost` (the only hosts `allowInsecureLoopback` opens). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * The origin (`scheme://host[:port]`, lower-cased, default port omitted) of an absolute URL,
 * or `undefined` when the URL cannot be parsed or is not http(s).
 */
export function originOf(url: string | URL): string | undefined {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/**
 * Why a URL may not carry credentials, or `undefined` when it may: it must be absolute,
 * `https:`, without userinfo, or `http:` on a loopback host when `allowInsecureLoopback` is set.
 */
export function insecureUrlReason(url: string, allowInsecureLoopback: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  if (u.username || u.password) return 'must not contain credentials (userinfo)';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:') {
    if (allowInsecureLoopback && isLoopbackHost(u.hostname)) return undefined;
    return allowInsecureLoopback
      ? 'uses http:// on a non-loopback host (only 127.0.0.1, ::1 and localhost may use http://)'
      : 'uses http:// (HTTPS is required; set allowInsecureLoopback for a loopback test server)';
  }
  return `uses the unsupported scheme ${u.protocol}`;
}
