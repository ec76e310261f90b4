import { deadline } from '../common/deadline.js';
import {
  clientAuthenticatedForm,
  networkReason,
  parseRetryAfter,
  readBoundedBody,
} from '../common/http.js';
import { redact } from '../common/secret.js';
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
      const requestId = res.headers.get('x-request-id') ?? undefined;
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
    if (typeof b.token_type !== 'string' || b.token_type.toLowerCase() !== 'bearer') {
      throw invalid(`token_type is ${JSON.stringify(b.token_type ?? null)}, expected "Bearer"`);
    }
    const expiresIn = typeof b.expires_in === 'string' ? Number(b.expires_in) : b.expires_in;
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
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
    if (oauth && typeof oauth.error === 'string') {
      const description =
        typeof oauth.error_description === 'string'
          ? redact(oauth.error_description, [this.options.clientSecret.reveal()]).slice(0, 500)
          : undefined;
      return new HoneybeeTokenError(
        `Token endpoint refused the request: ${oauth.error}${description ? ` (${description})` : ''}`,
        {
          kind: 'oauth',
          error: oauth.error,
          errorDescription: description,
          status,
          requestId,
          retryable: transientStatus || TRANSIENT_OAUTH_ERRORS.has(oauth.error),
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
}
