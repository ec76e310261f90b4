import { deadline } from '../common/deadline.js';
import {
  clientAuthenticatedForm,
  networkReason,
  parseRetryAfter,
  readBoundedBody,
} from '../common/http.js';
import { isB64Token } from '../common/b64token.js';
import { isFiniteNumber } from '../common/finite-number.js';
import { credentialForms, redact } from '../common/secret.js';
import {
  MAX_OAUTH_DESCRIPTION_LENGTH,
  isOAuthErrorCode,
  isOAuthErrorText,
  safeRequestId,
} from '../common/upstream-text.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';

/** A validated token-endpoint answer. */
export interface TokenEndpointResponse {
  accessToken: string;
  /** Remaining lifetime at the time of the answer, in seconds. */
  expiresIn: number;
  /** Granted scopes when the server says (`scope`), otherwise undefined. */
  scope?: string;
  /** Server's `created_at` (epoch seconds); only good for spotting clock skew. */
  createdAt?: number;
  /** Server's `Date` header in epoch ms, when present. */
  serverDate?: number;
  requestId?: string;
}

/** OAuth error codes that are definitive: retrying with the same request cannot help. */
const TRANSIENT_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error']);

/**
 * One client-credentials request to the token endpoint (RFC 6749 §4.4), with the server's
 * quirks handled: exactly one client-authentication method, a bounded body, no redirects
 * (a redirect would carry the credentials elsewhere), and every failure mapped to a
 * {@link HoneybeeTokenError} that says whether it is worth retrying.
 *
 * What the server says is checked before it is kept or repeated: `access_token` must be an
 * RFC 6750 `b64token`; an OAuth `error` must be an RFC 6749 error code of at most 64
 * characters; `error_description` is kept only in RFC 6749's character set, with every form
 * of the client secret redacted, and cut to 256 characters; `X-Request-Id` only as 1 to 128
 * visible ASCII characters without a credential. Anything else is an `invalid_response`, or
 * is left out: a server that echoes the request (a wrong `tokenUrl`, a proxy) never gets the
 * secret or a forged log line into an error.
 */
export class TokenEndpointClient {
  constructor(private readonly options: ResolvedHoneybeeAuthOptions) {}

  /** Requests a token for `scopes` (space-joined; none sends no `scope` field). */
  async request(scopes: readonly string[], signal: AbortSignal): Promise<TokenEndpointResponse> {
    const { tokenUrl, tokenRequestTimeoutMs } = this.options;
    const fields: Record<string, string> = { grant_type: 'client_credentials' };
    if (scopes.length > 0) fields.scope = scopes.join(' ');
    const request = clientAuthenticatedForm(this.options, fields);

    const limit = deadline(tokenRequestTimeoutMs, signal);
    try {
      const res = await fetch(tokenUrl, {
        method: 'POST',
        ...request,
        redirect: 'manual',
        signal: limit.signal,
      });
      const requestId = this.requestIdOf(res);
      const body = await this.readBody(res, requestId);
      if (res.status === 200) return this.parseSuccess(res, body, requestId);
      throw this.failure(res, body, requestId);
    } catch (err) {
      if (err instanceof HoneybeeTokenError) throw err;
      if (signal.aborted) {
        throw new HoneybeeTokenError('Token request aborted: the module is shutting down', {
          kind: 'aborted',
          cause: err,
        });
      }
      if (limit.timedOut()) {
        throw new HoneybeeTokenError(`Token request timed out after ${tokenRequestTimeoutMs} ms`, {
          kind: 'timeout',
          retryable: true,
          cause: err,
        });
      }
      throw new HoneybeeTokenError(`Token request failed: ${networkReason(err)}`, {
        kind: 'network',
        retryable: true,
        cause: err,
      });
    } finally {
      limit.dispose();
    }
  }

  private async readBody(res: Response, requestId: string | undefined): Promise<string> {
    const max = this.options.maxTokenResponseBytes;
    const body = await readBoundedBody(res, max);
    if (body !== undefined) return body;
    throw new HoneybeeTokenError(`Token response body exceeds ${max} bytes`, {
      kind: 'invalid_response',
      status: res.status,
      requestId,
      retryable: res.status >= 500,
    });
  }

  private parseSuccess(
    res: Response,
    text: string,
    requestId: string | undefined,
  ): TokenEndpointResponse {
    const invalid = (why: string) =>
      new HoneybeeTokenError(`Invalid token response: ${why}`, {
        kind: 'invalid_response',
        status: res.status,
        requestId,
      });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw invalid('the body is not JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid('the body is not a JSON object');
    }
    const b = body as Record<string, unknown>;
    if (typeof b.access_token !== 'string' || b.access_token.length === 0) {
      throw invalid('access_token is missing or empty');
    }
    // Anything else would be rewritten by the HTTP client on the way out (axios drops CR/LF),
    // so the token sent would not be the token masked, cached and checked.
    if (
      !isB64Token(b.access_token) ||
      Buffer.byteLength(b.access_token) > this.options.maxTokenResponseBytes
    ) {
      throw invalid('access_token is not an RFC 6750 b64token');
    }
    if (typeof b.token_type !== 'string' || b.token_type.toLowerCase() !== 'bearer') {
      throw invalid(`token_type is ${JSON.stringify(b.token_type ?? null)}, expected "Bearer"`);
    }
    const expiresIn = typeof b.expires_in === 'string' ? Number(b.expires_in) : b.expires_in;
    if (!isFiniteNumber(expiresIn) || expiresIn <= 0) {
      throw invalid('expires_in is missing, not a number or not positive');
    }
    const date = Date.parse(res.headers.get('date') ?? '');
    return {
      accessToken: b.access_token,
      expiresIn,
      scope: typeof b.scope === 'string' ? b.scope : undefined,
      createdAt: typeof b.created_at === 'number' ? b.created_at : undefined,
      serverDate: Number.isNaN(date) ? undefined : date,
      requestId,
    };
  }

  private failure(res: Response, text: string, requestId: string | undefined): HoneybeeTokenError {
    const status = res.status;
    const retryAfterSeconds = parseRetryAfter(res.headers.get('retry-after'));
    let oauth: { error?: unknown; error_description?: unknown } | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') oauth = parsed as typeof oauth;
    } catch {
      // Not JSON: a proxy's HTML page or an empty body. Status alone decides.
    }
    const transientStatus = status >= 500 || status === 429 || status === 408;
    if (status >= 300 && status < 400) {
      return new HoneybeeTokenError(
        `Token endpoint answered with a redirect (${status}); redirects are not followed so the credentials stay with the configured tokenUrl`,
        { kind: 'http', status, requestId },
      );
    }
    if (oauth && oauth.error !== undefined) {
      const credentials = this.credentialForms();
      const code = oauth.error;
      if (!isOAuthErrorCode(code) || redact(code, credentials) !== code) {
        return new HoneybeeTokenError(
          `Token endpoint answered HTTP ${status} with an "error" that is not an RFC 6749 error code`,
          {
            kind: 'invalid_response',
            status,
            requestId,
            retryable: transientStatus,
            retryAfterSeconds,
          },
        );
      }
      const description = this.safeDescription(oauth.error_description, credentials);
      return new HoneybeeTokenError(
        `Token endpoint refused the request: ${code}${description ? ` (${description})` : ''}`,
        {
          kind: 'oauth',
          error: code,
          errorDescription: description,
          status,
          requestId,
          retryable: transientStatus || TRANSIENT_OAUTH_ERRORS.has(code),
          retryAfterSeconds,
        },
      );
    }
    return new HoneybeeTokenError(`Token endpoint answered HTTP ${status}`, {
      kind: 'http',
      status,
      requestId,
      retryable: transientStatus,
      retryAfterSeconds,
    });
  }

  /** The answer's `X-Request-Id` when it is fit to quote and holds no credential. */
  private requestIdOf(res: Response): string | undefined {
    const id = safeRequestId(res.headers.get('x-request-id'));
    return id !== undefined && redact(id, this.credentialForms()) === id ? id : undefined;
  }

  /**
   * `error_description` fit for an error message: redacted of every form of the client secret
   * (before anything else, so that no cut can leave part of one), then kept only when it is
   * RFC 6749 text, and cut to {@link MAX_OAUTH_DESCRIPTION_LENGTH} characters.
   */
  private safeDescription(value: unknown, credentials: readonly string[]): string | undefined {
    if (typeof value !== 'string') return undefined;
    const redacted = redact(value, credentials);
    if (!isOAuthErrorText(redacted)) return undefined;
    return redacted.length > MAX_OAUTH_DESCRIPTION_LENGTH
      ? `${redacted.slice(0, MAX_OAUTH_DESCRIPTION_LENGTH - 1)}…`
      : redacted;
  }

  /** Computed on demand, so no copy of the secret sits on this object for `inspect` to print. */
  private credentialForms(): string[] {
    return credentialForms(this.options.clientId, this.options.clientSecret.reveal());
  }
}
