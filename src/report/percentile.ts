// Byte-weighted percentiles of durations (nanoseconds), for head-of-line delay figures.

/** A duration that applies to `weight` bytes. */
export interface WeightedSample {
  value: bigint;
  weight: number;
}

// The smallest value at or below which `fraction` of the total weight lies (nearest rank); undefined when empty.
export function weightedPercentile(samples: readonly WeightedSample[], fraction: number): bigint | undefined {
  const sorted = [...samples].filter((sample) => sample.weight > 0).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const total = sorted.reduce((sum, sample) => sum + sample.weight, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let cumulative = 0;
  for (const sample of sorted) {
    cumulative += sample.weight;
    if (cumulative >= rank) return sample.value;
  }
  return sorted[sorted.length - 1]!.value;
}
