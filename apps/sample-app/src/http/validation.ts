import { BadRequestException } from '@nestjs/common';
import { InvalidJsonBody } from './configure-http.js';

/** A field rule for {@link readString}. */
export interface StringRule {
  /** @default true */
  required?: boolean;
  /** @default 200 */
  maxLength?: number;
  pattern?: RegExp;
  /** Says what `pattern` wants, e.g. "a US ZIP code (12345 or 12345-6789)". */
  patternHint?: string;
}

/**
 * Collects every problem with a request body, then throws one 400 in the shape of Nest's
 * `ValidationPipe` (`message` is the list of problems), so callers see all of them at once.
 */
export class BodyValidator {
  readonly problems: string[] = [];

  /** The body as a plain JSON object; throws a 400 at once when it is not one. */
  static object(body: unknown, what: string): Record<string, unknown> {
    if (body instanceof InvalidJsonBody) {
      throw new BadRequestException(`${what} is not valid JSON: ${body.reason}`);
    }
    if (!isPlainObject(body)) {
      throw new BadRequestException(
        `${what} must be a JSON object (send it with Content-Type: application/json)`,
      );
    }
    return body;
  }

  /** A trimmed string field, or undefined (a problem is recorded when it breaks `rule`). */
  string(object: Record<string, unknown>, key: string, path: string, rule: StringRule = {}) {
    const value = object[key];
    const name = path ? `${path}.${key}` : key;
    if (value === undefined || value === null) {
      if (rule.required ?? true) this.problems.push(`${name} is required`);
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.problems.push(`${name} must be a non-empty string`);
      return undefined;
    }
    const trimmed = value.trim();
    const max = rule.maxLength ?? 200;
    if (trimmed.length > max) this.problems.push(`${name} must be at most ${max} characters`);
    else if (rule.pattern && !rule.pattern.test(trimmed)) {
      this.problems.push(`${name} must be ${rule.patternHint ?? `like ${rule.pattern}`}`);
    } else return trimmed;
    return undefined;
  }

  /** A nested object field, or undefined (a problem is recorded). */
  object(object: Record<string, unknown>, key: string, path = '') {
    const value = object[key];
    const name = path ? `${path}.${key}` : key;
    if (value === undefined || value === null) this.problems.push(`${name} is required`);
    else if (!isPlainObject(value)) this.problems.push(`${name} must be an object`);
    else return value;
    return undefined;
  }

  /** Records a problem for every key of `object` not in `allowed`. */
  onlyKnown(object: Record<string, unknown>, allowed: readonly string[], path = '') {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) {
        this.problems.push(`${path ? `${path}.` : ''}${key} is not a known field`);
      }
    }
  }

  /** Throws the 400 when a problem was recorded. */
  throwIfInvalid(): void {
    if (this.problems.length) throw new BadRequestException(this.problems);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Ids as Honeybee uses them (`p_1`, `mr_p_1_1`): letters, digits, `_`, `-`, `.`; not `.`/`..`. */
export const ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$/;
export const ID_HINT = 'an id of 1-64 letters, digits, "_", "-" or "."';
