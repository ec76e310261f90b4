import { CheckedVerifier } from '../inbound/checked.verifier.js';
import type { HoneybeePrincipal, TokenVerifier } from '../inbound/token-verifier.interface.js';
import { VerificationCache } from '../inbound/verification.cache.js';
import type {
  HoneybeeInboundOptions,
  HoneybeeVerificationCacheOptions,
} from '../options/honeybee-auth-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import { FakeClock } from './fake-clock.js';

/** A verifier whose answers the test scripts, recording every call and its signal. */
export class ScriptedVerifier implements TokenVerifier {
  calls: string[] = [];
  signals: (AbortSignal | undefined)[] = [];
  answer: (token: string) => Promise<HoneybeePrincipal | null> = async () => null;

  verify(token: string, signal?: AbortSignal) {
    this.calls.push(token);
    this.signals.push(signal);
    return this.answer(token);
  }
}

/** A valid principal of client `client` with scopes `b a` (unsorted on purpose), and `over`. */
export const principal = (over: Partial<HoneybeePrincipal> = {}): HoneybeePrincipal => ({
  clientId: 'client',
  scopes: ['b', 'a'],
  ...over,
});

/**
 * The inbound verification chain as the module builds it, around a {@link ScriptedVerifier}:
 * `cache` (a {@link VerificationCache}) in front of `checked` (a {@link CheckedVerifier}) in
 * front of `verifier`, on a fake clock.
 */
export function verificationBed(
  cache: HoneybeeVerificationCacheOptions = {},
  verifyTimeoutMs = 5000,
  inbound: HoneybeeInboundOptions = {},
) {
  const options = resolveOptions({
    clientId: 'c',
    clientSecret: 's',
    inbound: { cache, verifyTimeoutMs, ...inbound },
  });
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const verifier = new ScriptedVerifier();
  const checked = new CheckedVerifier(options, verifier);
  return { clock, verifier, checked, cache: new VerificationCache(options, clock, checked) };
}
