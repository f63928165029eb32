// The process streams a command talks to; tests pass their own.

import type { Readable, Writable } from 'node:stream';

/** Standard input, output and error of one CLI run. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** What every command's action reports back: its exit code. */
export type SetExitCode = (code: number) => void;
