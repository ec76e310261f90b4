import { isFiniteNumber } from '../common/finite-number.js';
import { isScopeToken, normalizeScopes } from '../common/scopes.js';
import { insecureUrlReason } from '../common/url.js';
import { HoneybeeConfigError } from '../errors/honeybee-config.error.js';

// The validators of single option fields, shared by `resolveOptions` and
// `resolveInboundOptions`: each returns the field's value (or its default) and throws a
// HoneybeeConfigError that names the field, never quoting its value.

/** Validates a URL field: see {@link urlField}. */
export type UrlField = (field: string, value: unknown, fallback?: string) => string;

/**
 * A validator of URL fields: a non-empty string that is `https:`, or `http:` on a loopback
 * host when `allowInsecureLoopback` is set.
 */
export function urlField(allowInsecureLoopback: boolean): UrlField {
  return (field, value, fallback) => {
    const v = value ?? fallback;
    if (typeof v !== 'string' || v.length === 0) {
      throw new HoneybeeConfigError(field, 'must be a non-empty URL string');
    }
    const reason = insecureUrlReason(v, allowInsecureLoopback);
    if (reason) throw new HoneybeeConfigError(field, reason);
    return v;
  };
}

/** `allowedClientIds` as a set: a non-empty array of non-empty strings without surrounding whitespace. */
export function clientIds(value: unknown, field: string): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw new HoneybeeConfigError(field, 'must be a non-empty array of client ids');
  }
  value.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.trim() !== id) {
      throw new HoneybeeConfigError(
        `${field}[${i}]`,
        'must be a non-empty string without leading or trailing whitespace',
      );
    }
  });
  return new Set(value as string[]);
}

/** A string with something besides whitespace. */
export function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new HoneybeeConfigError(field, 'is required and must be a non-empty string');
  }
  return value;
}

/** A non-empty string, or a non-empty array of them, as an array. */
export function stringList(value: unknown, field: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' || v.length === 0)) {
    throw new HoneybeeConfigError(field, 'must be a non-empty string or array of strings');
  }
  return list as string[];
}

/** OAuth scope tokens, normalised (sorted, without duplicates); none by default. */
export function scopes(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new HoneybeeConfigError(field, 'must be an array of strings');
  value.forEach((s, i) => {
    if (typeof s !== 'string' || !isScopeToken(s)) {
      throw new HoneybeeConfigError(
        `${field}[${i}]`,
        'is not a valid scope (printable ASCII, no spaces, quotes or backslashes)',
      );
    }
  });
  return normalizeScopes(value as string[]);
}

/** A finite number of at least `min`, or `fallback` when absent. */
export function number(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!isFiniteNumber(value) || value < min) {
    throw new HoneybeeConfigError(field, `must be a finite number >= ${min}`);
  }
  return value;
}

/** An integer of at least `min`, or `fallback` when absent. */
export function integer(value: unknown, field: string, fallback: number, min: number): number {
  const n = number(value, field, fallback, min);
  if (!Number.isInteger(n)) throw new HoneybeeConfigError(field, 'must be an integer');
  return n;
}

/** `obj[key]` as a boolean, or `fallback` when absent; the error names `prefix + key`. */
export function optionalBoolean<T extends object>(
  obj: T,
  key: keyof T & string,
  fallback: boolean,
  prefix = '',
): boolean {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new HoneybeeConfigError(prefix + key, 'must be a boolean');
  return value;
}
