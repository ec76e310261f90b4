import fc from 'fast-check';
import type { HoneybeeEmulator } from 'honeybee-emulator';
import type { FakeClock } from '../../../libs/honeybee-auth/src/testing/fake-clock.js';

/** RFC 6750 §2.1 `b64token`: what a Bearer token may be. */
export const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The characters of a `b64token` before its `=` padding. */
export const B64_CHARS = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  ...'-._~+/',
];

/** A well-formed `b64token`: 1 to `max` characters, then up to two `=`. */
export const b64token = (max: number) =>
  fc
    .tuple(
      fc.array(fc.constantFrom(...B64_CHARS), { minLength: 1, maxLength: max }),
      fc.constantFrom('', '=', '=='),
    )
    .map(([chars, pad]) => chars.join('') + pad);

/** Any casing of "bearer". */
export const bearerCasing = fc
  .array(fc.boolean(), { minLength: 6, maxLength: 6 })
  .map((upper) => [...'bearer'].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

/** The tokens a guard fuzz classifies its answers by: only `valid` opens an `rx:read` handler. */
export interface TokenClasses {
  /** Active, with `rx:read`. */
  valid: string;
  /** Active, with `other` only. */
  noScope: string;
  /** Had `rx:read`, revoked. */
  revoked: string;
  /** Had `rx:read`, expired. */
  expired: string;
}

/**
 * Issues the {@link TokenClasses} on `emu`: `expired` by `shortClient` (whose tokens live at most
 * 2 s), then 5 s later on `clock` the others by `partner` (which has `rx:read` and `other`).
 */
export async function issueTokenClasses(
  emu: HoneybeeEmulator,
  clock: FakeClock,
  partner: string,
  shortClient: string,
): Promise<TokenClasses> {
  const issue = async (clientId: string, scopes: string[]) =>
    (await emu.issueToken(clientId, scopes)).access_token;
  const expired = await issue(shortClient, ['rx:read']);
  clock.advance(5000);
  const classes = {
    expired,
    valid: await issue(partner, ['rx:read']),
    noScope: await issue(partner, ['other']),
    revoked: await issue(partner, ['rx:read']),
  };
  emu.revokeToken(classes.revoked);
  return classes;
}
