import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { deadline, unboundedAbortController } from '../common/deadline.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HoneybeeTelemetry } from '../telemetry/honeybee.telemetry.js';
import { countVerificationRefused, traceVerification } from '../telemetry/verification.trace.js';
import { allowedOrNull } from './allowed-clients.policy.js';
import { checkedPrincipal } from './principal.validator.js';
import type { HoneybeePrincipal, TokenVerifier } from './token-verifier.interface.js';
import { HONEYBEE_TOKEN_VERIFIER } from './token-verifier.provider.js';
import { VerificationLimiter } from './verification.limiter.js';

/**
 * The configured {@link TokenVerifier} (`HONEYBEE_TOKEN_VERIFIER`, built-in or custom) wrapped
 * so that the guard can rely on what it answers. `VerificationCache` sits in front of it: all of
 * this runs once per verification, never for a cached verdict.
 *
 * - At most `inbound.maxConcurrentVerifications` verifications run at once; beyond that a call
 *   is "unavailable" at once (503), so a flood of distinct junk tokens costs a bounded number of
 *   calls to the authorization server and bounded memory.
 * - Every verification is bounded by `inbound.verifyTimeoutMs`, even a custom verifier that
 *   ignores its `AbortSignal`; shutdown aborts the verifications in flight.
 * - Any other failure is "unavailable" too ({@link HoneybeeVerifierUnavailableError}): a custom
 *   verifier's unexpected error is a 503, never a 500 or a pass.
 * - Every answer is checked ({@link checkedPrincipal}): a malformed principal is "unavailable".
 * - Then the token's client is checked against `inbound.allowedClientIds`: a token of another
 *   client is an invalid token (`null`), which the cache keeps as such.
 *
 * These are the verifier's contract as the guard needs it, so they live with the verifier, not
 * in the cache (which only remembers verdicts) nor in the guard (which only decides). Each call
 * is timed, counted and traced here too (`HoneybeeTelemetry`), a refusal for overload counted.
 */
@Injectable()
export class CheckedVerifier implements TokenVerifier, OnModuleDestroy {
  private readonly limiter: VerificationLimiter;
  private readonly logger = new Logger('CheckedVerifier');
  /** Aborts work in flight on shutdown; one listener per in-flight call, so no listener cap. */
  private readonly shutdown = unboundedAbortController();

  constructor(
    @InjectHoneybeeOptions() private readonly options: ResolvedHoneybeeAuthOptions,
    @Inject(HONEYBEE_TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Optional() @Inject(HoneybeeTelemetry) private readonly telemetry?: HoneybeeTelemetry,
  ) {
    if (typeof verifier?.verify !== 'function') {
      const { verifier: configured } = options.inbound;
      const name = typeof configured === 'function' ? configured.name : configured;
      throw new TypeError(
        `inbound.verifier ${name} does not implement TokenVerifier (no verify method)`,
      );
    }
    this.limiter = new VerificationLimiter(options.inbound.maxConcurrentVerifications);
  }

  /**
   * The checked principal of a valid token of an allowed client, `null` for an invalid,
   * expired or revoked token or one of another client. Takes no signal: it brings its own
   * deadline.
   * @throws HoneybeeVerifierUnavailableError when the token cannot be checked now.
   */
  async verify(token: string): Promise<HoneybeePrincipal | null> {
    if (!this.limiter.tryAcquire()) {
      const refused = new HoneybeeVerifierUnavailableError(
        `${this.limiter.capacity} token verifications are in flight already ` +
          '(inbound.maxConcurrentVerifications)',
        { kind: 'overloaded' },
      );
      countVerificationRefused(this.telemetry, refused);
      throw refused;
    }
    const trace = traceVerification(this.telemetry, token);
    try {
      const verified = await trace.run(() => this.callVerifier(token));
      const principal =
        verified === null
          ? null
          : allowedOrNull(this.options.inbound, verified, token, this.logger);
      trace.decided(principal !== null);
      return principal;
    } catch (err) {
      trace.failed(err);
      throw err;
    } finally {
      this.limiter.release();
    }
  }

  onModuleDestroy(): void {
    this.shutdown.abort(new Error('HoneybeeAuthModule is shutting down'));
  }

  private async callVerifier(token: string): Promise<HoneybeePrincipal | null> {
    const { verifyTimeoutMs } = this.options.inbound;
    let fail!: (err: HoneybeeVerifierUnavailableError) => void;
    // A custom verifier may ignore the signal: the race still ends the wait.
    const aborted = new Promise<never>((_, reject) => (fail = reject));
    const limit = deadline(verifyTimeoutMs, this.shutdown.signal, (timedOut) =>
      fail(
        timedOut
          ? new HoneybeeVerifierUnavailableError(
              `Token verification timed out after ${verifyTimeoutMs} ms`,
              { kind: 'timeout' },
            )
          : new HoneybeeVerifierUnavailableError('Token verification was aborted', {
              kind: 'aborted',
            }),
      ),
    );
    let verification: Promise<HoneybeePrincipal | null>;
    try {
      verification = Promise.resolve(this.verifier.verify(token, limit.signal));
    } catch (err) {
      verification = Promise.reject(err as Error);
    }
    verification.catch(() => undefined); // it may settle after losing the race
    try {
      const result = await Promise.race([verification, aborted]);
      return result === null ? null : checkedPrincipal(result);
    } catch (err) {
      if (err instanceof HoneybeeVerifierUnavailableError) throw err;
      // A custom verifier's unexpected error: still "cannot decide", never a 500 or a pass.
      throw new HoneybeeVerifierUnavailableError('Token verifier failed', {
        cause: err,
        kind: 'verifier_error',
      });
    } finally {
      limit.dispose();
    }
  }
}
