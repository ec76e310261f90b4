import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * Holds a credential so that it cannot leak by accident: `JSON.stringify`, `util.inspect`,
 * string conversion and template literals all print `[REDACTED]`. Read it with {@link reveal}.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The raw value: call only where it goes on the wire. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * A short, safe label for a token in logs: its first 4 characters and its length,
 * e.g. `abcd…(43)`. Never more.
 */
export function maskToken(token: string | undefined): string {
  if (!token) return '<none>';
  return `${token.slice(0, 4)}…(${token.length})`;
}

/** Replaces every occurrence of the given secrets (of 4+ chars) in `text` by `[REDACTED]`. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join(REDACTED);
  }
  return out;
}
