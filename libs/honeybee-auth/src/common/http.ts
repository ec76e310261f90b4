import type { ClientCredentials } from './client-credentials.js';
import { printable } from './upstream-text.js';

/**
 * Headers and form of a form-encoded request to the authorization server, authenticated with the
 * module's client credentials by exactly one method (Doorkeeper ≥ 5.9.5 refuses a request that
 * uses two): HTTP Basic for `client_secret_basic` (encoded per `basicCredentialsEncoding`), body
 * fields for `client_secret_post`.
 */
export function clientAuthenticatedForm(
  options: ClientCredentials,
  fields: Record<string, string>,
): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams(fields);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
    accept: 'application/json',
  };
  if (options.clientAuthMethod === 'client_secret_basic') {
    // Doorkeeper reads Basic credentials as they are; RFC 6749 §2.3.1 form-urlencodes each part.
    const encode =
      options.basicCredentialsEncoding === 'rfc6749' ? formUrlEncode : (part: string) => part;
    const user = encode(options.clientId);
    const pass = encode(options.clientSecret.reveal());
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  } else {
    form.set('client_id', options.clientId);
    form.set('client_secret', options.clientSecret.reveal());
  }
  return { headers, body: form.toString() };
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B: space is `+`). */
function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The body as UTF-8, or `undefined` when it is larger than `max` bytes (declared or streamed;
 * reading stops there, so a huge body costs at most `max` bytes of memory).
 */
export async function readBoundedBody(res: Response, max: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A short reason for a failed `fetch` (`ECONNREFUSED`, `UND_ERR_SOCKET`, …), on one line: a
 * parser's message may quote what the server sent.
 */
export function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const reason =
    cause?.code ?? cause?.message ?? (err as Error)?.message ?? 'unknown network error';
  return printable(String(reason), 200);
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
