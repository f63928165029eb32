// V8's collector kept on the main thread while every core is busy. By default V8 marks, sweeps and
// scavenges on helper threads too; beside tshark on 2 cores those threads take their time from
// tshark, which sets the pace, while follow-tcp's main thread is idle half of the run. In bench
// (b), with the old generation held to twice its live size (old-generation.ts): 29.1 s against
// 30.1–30.8 s with the helpers. With a core to spare they cost nothing: (c), which reads a file,
// took 4.1 s against 3.8 s with them, so the executable asks for this only beside tshark.

import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { nodeArguments } from './node-arguments.js';

/** The helper-thread flags turned off, each of which V8 reads at the start of its work. V8's
 *  `--single-threaded-gc` and `--no-parallel-marking` cannot be set once it runs: its concurrent
 *  marker is set up at start, and a check fails at the next full collection. */
export const MAIN_THREAD_COLLECTOR_FLAGS = [
  '--no-concurrent-marking',
  '--no-concurrent-sweeping',
  '--no-concurrent-array-buffer-sweeping',
  '--no-parallel-compaction',
  '--no-parallel-pointer-update',
  '--no-parallel-scavenge',
] as const;

// The flag's name without `--` and `no-` (so a user's `--concurrent-marking` matches).
function flagName(flag: string): string {
  return flag.replace(/^--(no-)?/, '').replace(/=.*$/, '').replaceAll('_', '-');
}

/** The flags of MAIN_THREAD_COLLECTOR_FLAGS node was not started with (either way), given its
 *  arguments and NODE_OPTIONS: the user's own choices are kept. */
export function collectorFlagsToSet(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set(nodeArguments(execArgv, nodeOptions).filter((argument) => argument.startsWith('--')).map(flagName));
  if (given.has('single-threaded-gc')) return [];
  return MAIN_THREAD_COLLECTOR_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/** Keep V8's collector on the main thread from now on (call it before the heavy work starts, while
 *  no full collection is under way); returns the flags set. */
export function collectOnMainThread(): string[] {
  const flags = collectorFlagsToSet(process.execArgv, process.env.NODE_OPTIONS);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

/** True when tshark, the main thread and `workers` parsing threads leave no core idle for V8's
 *  helpers (2 cores and no workers, as follow-tcp chooses by default there). */
export function noCoreIdle(workers: number, cores = availableParallelism()): boolean {
  return workers + 2 >= cores;
}
