// The executable's young generation held at a set size. V8 doubles its new space (two
// semi-spaces) as a run keeps allocating, up to 32 MiB on 64-bit systems; the size can be capped
// on the command line only (--max-semi-space-size), which the `#!` line cannot carry everywhere.
// V8 reads its growth factor each time it grows the new space, so after each collection the
// factor is set to 1 (no growth) while the new space is at the size or above, and back to V8's
// 2 should V8 shrink it. In bench (b): peak RSS 170–171 MiB against 189–193 MiB, in 30.2–30.7 s
// against 31.1–31.8 s (a young generation that fits the processor's caches).

import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { nodeArguments } from './node-arguments.js';

// V8's own growth factor (its default).
const GROWTH = 2;

/** The new space's size now, in bytes (both semi-spaces). */
export function newSpaceSize(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

// True when node was started with a semi-space size of the user's own (on its command line or in
// NODE_OPTIONS): theirs is kept.
function hasOwnSemiSpace(): boolean {
  return nodeArguments().some((argument) => argument.includes('semi-space'));
}

/** Keep the new space from growing past `bytes` (from the next collection on), unless node was
 *  started with a semi-space size. */
export function capYoungGeneration(bytes: number): void {
  if (hasOwnSemiSpace()) return;
  let factor = GROWTH;
  new PerformanceObserver(() => {
    const wanted = newSpaceSize() >= bytes ? 1 : GROWTH;
    if (wanted === factor) return;
    setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
    factor = wanted;
  }).observe({ entryTypes: ['gc'] });
}
