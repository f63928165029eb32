// The process streams a command talks to; tests pass their own.

import type { Readable, Writable } from 'node:stream';

/** Standard input, output and error of one CLI run. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Called before a run starts tshark, with the threads that will parse its PDML (0: the main
   *  thread alone). The executable moves V8's collector onto the main thread when that leaves no
   *  core idle (collector-threads.ts); tests and library callers leave it out. */
  beforeTshark?: (workers: number) => void;
}

/** What every command's action reports back: its exit code. */
export type SetExitCode = (code: number) => void;
