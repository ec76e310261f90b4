import type { AxiosRequestConfig } from 'axios';

/** axios's `isAbsoluteURL`: a scheme followed by `//`, or a protocol-relative `//`. */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;
/** `http:` / `https:` without `//` (after WHATWG's stripping), which axios refuses to send. */
const MALFORMED_HTTP = /^https?:(?!\/\/)/i;

/**
 * The URL a request will be sent to, resolved exactly as axios's Node adapter resolves it
 * (`buildFullPath` then WHATWG `new URL` without a base), or `undefined` when axios could not
 * send it either or when the target is not a plain http(s) host (`socketPath`).
 *
 * - a relative `url` is appended to `baseURL` (string concatenation, not RFC 3986 resolution);
 * - an absolute `url` (`https://…` or protocol-relative `//…`) replaces `baseURL`, unless
 *   `allowAbsoluteUrls` is `false`;
 * - `params` only ever change the query, so they are ignored here.
 *
 * Everything a browser would normalise (case, default port, userinfo, backslashes, tabs) is
 * normalised by `URL`, so the result's `origin` is the host that actually receives the request.
 */
export function requestUrlOf(
  config: Pick<AxiosRequestConfig, 'baseURL' | 'url' | 'allowAbsoluteUrls' | 'socketPath'>,
): URL | undefined {
  // A Unix socket is reached whatever the URL's host says: never the allowed origin.
  if (config.socketPath) return undefined;
  const { baseURL, url, allowAbsoluteUrls } = config;
  if (url != null && typeof url !== 'string') return undefined;
  if (isMalformed(url)) return undefined;
  const relative = url == null || !ABSOLUTE_URL.test(url);
  const usesBase = !!baseURL && (relative || allowAbsoluteUrls === false);
  if (usesBase && isMalformed(baseURL)) return undefined;
  const fullPath = usesBase && baseURL ? combine(baseURL, url) : url;
  if (!fullPath) return undefined;
  try {
    const parsed = new URL(fullPath);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The origin (`scheme://host[:port]`, as WHATWG `URL#origin` spells it) a request will be sent
 * to, or `undefined` (see {@link requestUrlOf}).
 */
export function requestOriginOf(
  config: Pick<AxiosRequestConfig, 'baseURL' | 'url' | 'allowAbsoluteUrls' | 'socketPath'>,
): string | undefined {
  return requestUrlOf(config)?.origin;
}

function isMalformed(url: string | null | undefined): boolean {
  // eslint-disable-next-line no-control-regex
  return !!url && MALFORMED_HTTP.test(url.replace(/^[\x00-\x20]+/, '').replace(/[\t\n\r]/g, ''));
}

/** axios's `combineURLs`: trailing slashes of the base and leading slashes of the path collapse to one. */
function combine(baseURL: string, relativeURL: string | null | undefined): string {
  if (!relativeURL) return baseURL;
  return `${baseURL.replace(/\/+$/, '')}/${relativeURL.replace(/^\/+/, '')}`;
}
