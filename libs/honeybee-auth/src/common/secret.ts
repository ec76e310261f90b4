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

/**
 * Every form a client secret takes in a request to the authorization server, longest first
 * (so {@link redact} replaces a whole Basic credential before the secret inside it): the
 * `id:secret` pair and its Basic base64 (raw and with each part form-encoded, padded and not),
 * the secret percent-encoded (`encodeURIComponent`) and form-encoded (`application/
 * x-www-form-urlencoded`, space as `+`), each with upper- and lower-case hex, and the raw secret.
 * A server that echoes the request hands back one of these; all must be redacted.
 */
export function credentialForms(clientId: string, secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams([['', secret]]).toString().slice(1);
  const formId = new URLSearchParams([['', clientId]]).toString().slice(1);
  const pairs = [
    `${clientId}:${secret}`,
    `${encodeURIComponent(clientId)}:${percent}`,
    `${formId}:${form}`,
  ];
  const base64 = pairs.map((p) => Buffer.from(p).toString('base64'));
  const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  const forms = [
    ...base64,
    ...base64.map((b) => b.replace(/=+$/, '')),
    ...pairs,
    percent,
    lowerHex(percent),
    form,
    lowerHex(form),
    secret,
  ];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}
