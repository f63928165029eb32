// The executable's old generation held to twice what a collection leaves alive. V8 lets the old
// generation grow by a factor it picks from its own speed, up to 4 on a machine with memory to
// spare, and frees ArrayBuffers only when it collects their holders: the garbage of many short
// streams (their reassemblers, and payload chunks that lived past the settle time) piled up
// between two full collections (in bench (many), ArrayBuffers swung between 34 and 100 MiB).
// V8 reads its `--heap-growing-percent` each time it sets the next limit, so it can be set at
// run time. Bench (b) run directly, with collector-threads.ts too, in turn with the build
// before: peak RSS 152–158 MiB against 176–189 MiB in 29.0–29.4 s against 29.1–29.4 s; (many)
// 203–209 MiB against 246–249 MiB in 8.4–8.6 s against 8.3 s; (c) 122–125 MiB against 145 MiB in
// 3.8–3.9 s against 3.7–3.8 s.

import { setFlagsFromString } from 'node:v8';
import { nodeArguments } from './node-arguments.js';

/** The old generation may grow to this much more than the live size a full collection left
 *  (100: twice that size). */
export const OLD_GENERATION_GROWTH_PERCENT = 100;

// True when node was started with a growth setting of the user's own (command line or NODE_OPTIONS).
function hasOwnGrowth(): boolean {
  return nodeArguments().some((argument) => argument.includes('heap-growing-percent'));
}

/** Hold the old generation to `percent` % growth over its live size (from the next full
 *  collection on), unless node was started with a growth setting; true when it was set. */
export function limitOldGenerationGrowth(percent = OLD_GENERATION_GROWTH_PERCENT): boolean {
  if (hasOwnGrowth()) return false;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
