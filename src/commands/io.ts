// The process streams a command talks to; tests pass their own.

import type { Readable, Writable } from 'node:stream';

/** Standard input, output and error of one CLI run. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Called once a run has started tshark, with the threads that will parse its PDML (0: the
   *  main thread alone). When that leaves no core idle, the executable moves V8's collector onto
   *  the main thread (collector-threads.ts); tests and library callers leave it out. */
  tsharkStarted?: (workers: number) => void;
}

/** What every command's action reports back: its exit code. */
export type SetExitCode = (code: number) => void;
