// One-way delay figures of a direction from exact nanosecond delays: min, percentiles, max, mean.
// Percentiles are nearest-rank at ⌊f·n⌋ of the sorted delays (mkcap's truth.py rule).

import type { Nanos } from '../time.js';

/** One-way delay figures in nanoseconds (downstream time − upstream time). */
export interface DelayFigures {
  count: number;
  min: Nanos;
  p50: Nanos;
  p90: Nanos;
  p99: Nanos;
  max: Nanos;
  /** Mean, rounded to the nearest nanosecond. */
  mean: Nanos;
  /** How many delays are below zero (the two clocks disagree). */
  negative: number;
}

// Delays sorted ascending, as bigint nanoseconds.
export function sortedDelays(delays: readonly Nanos[]): Nanos[] {
  return [...delays].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

// The delay at fraction `fraction` of sorted delays: element ⌊fraction·n⌋ (capped at the last).
export function nearestRank(sorted: readonly Nanos[], fraction: number): Nanos {
  const index = Math.min(sorted.length - 1, Math.floor(fraction * sorted.length));
  return sorted[index]!;
}

// Figures of a set of delays; undefined when there are none.
export function delayFigures(delays: readonly Nanos[]): DelayFigures | undefined {
  if (delays.length === 0) return undefined;
  const sorted = sortedDelays(delays);
  const count = BigInt(sorted.length);
  const total = sorted.reduce((sum, delay) => sum + delay, 0n);
  // Round half away from zero: (2·total + sign·n) / 2n.
  const mean = (2n * total + (total < 0n ? -count : count)) / (2n * count);
  return {
    count: sorted.length,
    min: sorted[0]!,
    p50: nearestRank(sorted, 0.5),
    p90: nearestRank(sorted, 0.9),
    p99: nearestRank(sorted, 0.99),
    max: sorted[sorted.length - 1]!,
    mean,
    negative: sorted.filter((delay) => delay < 0n).length,
  };
}
