import { isFiniteNumber } from '../common/finite-number.js';
import { isScopeToken, normalizeScopes } from '../common/scopes.js';
import { HoneybeeVerifierUnavailableError } from '../errors/honeybee-verifier-unavailable.error.js';
import type { HoneybeePrincipal } from './token-verifier.interface.js';

/**
 * A verifier's answer checked against {@link HoneybeePrincipal}, normalised and deep-frozen
 * (it is shared by every request that carries the token). Every verifier's answer goes through
 * it, a custom one's above all: a principal of the wrong shape says nothing reliable about the
 * token, so it is "cannot verify" (503), never a pass with whatever fields happened to fit.
 *
 * - an object (not an array);
 * - `scopes`: an array of RFC 6749 scope tokens (de-duplicated and sorted here);
 * - `clientId`, `subject`: a non-empty string, or absent;
 * - `expiresAt`: a finite number (epoch ms), or absent;
 * - `claims`: an object, or absent.
 *
 * @throws HoneybeeVerifierUnavailableError naming the first field at fault.
 */
export function checkedPrincipal(value: unknown): HoneybeePrincipal {
  const bad = (why: string) =>
    new HoneybeeVerifierUnavailableError(`Token verifier returned a malformed principal: ${why}`, {
      kind: 'invalid_response',
    });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw bad('not an object or null');
  }
  const p = value as Partial<Record<keyof HoneybeePrincipal, unknown>>;
  if (
    !Array.isArray(p.scopes) ||
    !p.scopes.every((s) => typeof s === 'string' && isScopeToken(s))
  ) {
    throw bad('scopes is not an array of scope strings');
  }
  for (const field of ['clientId', 'subject'] as const) {
    const v = p[field];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) {
      throw bad(`${field} is not a non-empty string`);
    }
  }
  if (p.expiresAt !== undefined && !isFiniteNumber(p.expiresAt)) {
    throw bad('expiresAt is not a finite number');
  }
  if (p.claims !== undefined && (p.claims === null || typeof p.claims !== 'object')) {
    throw bad('claims is not an object');
  }
  return deepFreeze({
    clientId: p.clientId as string | undefined,
    subject: p.subject as string | undefined,
    scopes: normalizeScopes(p.scopes as string[]),
    expiresAt: p.expiresAt as number | undefined,
    claims: p.claims as HoneybeePrincipal['claims'],
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
