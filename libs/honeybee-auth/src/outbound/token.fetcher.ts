import type { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../common/clock.js';
import { maskToken } from '../common/secret.js';
import { HoneybeeTokenError } from '../errors/honeybee-token.error.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import type { TokenRequestTrace } from '../telemetry/token-request.trace.js';
import { cacheToken } from './cached-token.js';
import type { CachedToken } from './cached-token.js';
import { RefreshLockLostError } from './refresh-lock.js';
import { TokenEndpointClient } from './token-endpoint.client.js';

/**
 * Runs before every back-off or `Retry-After` sleep with its length in ms; resolving false
 * stops the retries with {@link RefreshLockLostError} (the refresh lock could not be kept).
 */
export type BeforeSleep = (sleepMs: number) => Promise<boolean>;

/** How far the token server's clock may differ from ours before a warning, in ms. */
const SKEW_WARNING_MS = 60_000;

/**
 * Gets a new token from the token endpoint: one {@link TokenEndpointClient} request per
 * attempt, transient failures retried with capped, jittered exponential back-off (or the
 * server's `Retry-After`, up to `retry.maxDelayMs`), OAuth errors such as `invalid_client`
 * thrown at once. Warns once when the server's clock differs from ours by over a minute.
 * Each request is reported to the fetch's trace (`honeybee_auth.token.requests`, its duration,
 * an event on the span).
 */
export class TokenFetcher {
  private readonly client: TokenEndpointClient;
  private skewWarned = false;

  /**
   * @param signal aborts requests and back-off sleeps (module shutdown); afterwards every
   *   fetch fails with kind `aborted`.
   */
  constructor(
    private readonly options: ResolvedHoneybeeAuthOptions,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    private readonly logger: Logger,
  ) {
    this.client = new TokenEndpointClient(options);
  }

  /**
   * A new token for the scope set `scopeKey` (space-joined, normalised; empty for none), each
   * request reported to `trace`.
   * @throws HoneybeeTokenError with `attempts` set, once retrying cannot help.
   * @throws RefreshLockLostError when `beforeSleep` resolves false.
   */
  async fetch(
    scopeKey: string,
    beforeSleep?: BeforeSleep,
    trace?: TokenRequestTrace,
  ): Promise<CachedToken> {
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.options.retry;
    const scopes = scopeKey ? scopeKey.split(' ') : [];
    for (let attempt = 1; ; attempt++) {
      if (this.signal.aborted) throw this.shutDown(attempt - 1);
      const sentAt = this.clock.now();
      const startedAt = performance.now();
      try {
        const res = await this.client.request(scopes, this.signal).catch((err: unknown) => {
          trace?.attempt(startedAt, { error: err });
          throw err;
        });
        trace?.attempt(startedAt, { accessToken: res.accessToken, requestId: res.requestId });
        this.checkSkew(res.createdAt, res.serverDate, sentAt);
        const token = cacheToken(
          { accessToken: res.accessToken, lifetimeMs: res.expiresIn * 1000, obtainedAt: sentAt },
          this.options,
        );
        this.logger.log(
          `Obtained access token ${maskToken(token.accessToken)} for scopes "${scopeKey}" (expires in ${res.expiresIn} s${res.requestId ? `, X-Request-Id ${res.requestId}` : ''})`,
        );
        return token;
      } catch (e) {
        const err = e as HoneybeeTokenError;
        err.attempts = attempt;
        if (!err.retryable || attempt >= maxAttempts) throw err;
        const backoff = Math.random() * Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
        const asked = (err.retryAfterSeconds ?? 0) * 1000;
        if (asked > maxDelayMs) throw err;
        const wait = Math.max(backoff, asked);
        this.logger.warn(
          `Token request attempt ${attempt}/${maxAttempts} failed (${err.message}); retrying in ${Math.round(wait)} ms`,
        );
        if (beforeSleep && !(await beforeSleep(wait))) throw new RefreshLockLostError();
        try {
          await this.clock.sleep(wait, this.signal);
        } catch {
          throw this.shutDown(attempt, err);
        }
      }
    }
  }

  private shutDown(attempts: number, cause?: HoneybeeTokenError): HoneybeeTokenError {
    return new HoneybeeTokenError('HoneybeeTokenService has been shut down', {
      kind: 'aborted',
      attempts,
      cause,
    });
  }

  private checkSkew(createdAt: number | undefined, serverDate: number | undefined, sentAt: number) {
    if (this.skewWarned) return;
    const local = this.clock.now();
    // created_at of a reused token is in the past by design, so only a future one is suspect.
    const skews = [
      serverDate !== undefined ? Math.abs(serverDate - local) : 0,
      createdAt !== undefined ? createdAt * 1000 - local : 0,
    ];
    const worst = Math.max(...skews);
    if (worst > SKEW_WARNING_MS) {
      this.skewWarned = true;
      this.logger.warn(
        `The token server's clock differs from ours by about ${Math.round(worst / 1000)} s; expiry is computed from our own clock (request sent at ${new Date(sentAt).toISOString()})`,
      );
    }
  }
}
