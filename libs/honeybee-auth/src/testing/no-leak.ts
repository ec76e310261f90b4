import { inspect } from 'node:util';

/**
 * Every form in which `value` can end up in a log or an error report: `String()`,
 * `util.inspect` (as a logger prints it, and deep with hidden properties), `JSON.stringify` and
 * the stack. A string is its own rendering (a log line).
 */
export function renderingsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return [
    // An object without a prototype (axios's header maps) has no toString().
    typeof value === 'object' && value !== null && !Object.getPrototypeOf(value)
      ? ''
      : String(value),
    inspect(value),
    inspect(value, { depth: 10, showHidden: true }),
    JSON.stringify(value) ?? '',
    (value as Error | undefined)?.stack ?? '',
  ];
}

/**
 * Fails when any rendering of `things` (see {@link renderingsOf}) contains one of `secrets`.
 *
 * @example expectNoLeak([SECRET, token], ...logs.lines, error)
 */
export function expectNoLeak(secrets: readonly string[], ...things: unknown[]): void {
  for (const text of things.flatMap(renderingsOf)) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}
