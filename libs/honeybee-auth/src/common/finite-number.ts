/**
 * Whether `value` is a number other than `NaN` and `±Infinity`. A type guard, unlike
 * `Number.isFinite`, so a JSON field or an option read as `unknown` narrows to `number`.
 */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
