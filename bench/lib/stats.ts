/** Small statistics and reporting helpers shared by the benchmark scenarios. */

/** The median of `xs` (mean of the two middle values for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/**
 * A paired comparison over interleaved rounds: the median of `compare(this round's sample, the
 * baseline's sample of the same round)`, e.g. a throughput ratio or a p99 difference.
 */
export function pairedMedian<T>(
  samples: readonly T[],
  baseline: readonly T[],
  compare: (sample: T, base: T) => number,
): number {
  return median(samples.map((x, r) => compare(x, baseline[r]!)));
}

/** The `p`-th percentile of `xs` by linear interpolation between closest ranks; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** Largest value of `xs`; NaN when empty (no spread: `Math.max(...xs)` overflows the stack). */
export function max(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return xs.length === 0 ? NaN : m;
}

/** Formats a number with `digits` decimals; `—` for NaN. */
export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `a / b` formatted as `0.93×`; `—` when either is missing. */
export function ratio(a: number, b: number, digits = 2): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(digits)}×`;
}

/** A GitHub-flavoured Markdown table; the first `left` columns are left-aligned, the rest right. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left = 1,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < left ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Microseconds → a readable string in ms with 3 decimals. */
export function ms(x: number): string {
  return fmt(x, 3);
}
