// tshark's stdout buffer: run it through coreutils' stdbuf, where there is one, so it writes its
// PDML into the pipe in large pieces instead of stdio's 4 KiB.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The stdout buffer tshark is given through stdbuf. stdio sizes a pipe's buffer from its
 *  st_blksize, 4 KiB: one write, and one wake-up of the reader, per 4 KiB of PDML. 128 KiB fits
 *  in a Unix socket's send buffer (what node's child pipes are), so a write seldom waits. */
export const TSHARK_STDOUT_BUFFER = '128K';

/** stdbuf's exit codes when it cannot find the command it was to run, or cannot run it. */
const STDBUF_EXIT: Record<'missing' | 'not runnable', number> = { missing: 127, 'not runnable': 126 };

/** A program and its arguments. */
export interface Command {
  file: string;
  args: string[];
}

// The command that runs `binary args`: through `stdbuf -o SIZE` when stdbuf is known, else as is.
export function bufferedCommand(binary: string, args: readonly string[], stdbuf: string | undefined): Command {
  if (stdbuf === undefined) return { file: binary, args: [...args] };
  return { file: stdbuf, args: ['-o', TSHARK_STDOUT_BUFFER, binary, ...args] };
}

// The first executable file called `name` in the directories of a PATH-like list, or undefined.
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const directory of (path ?? '').split(delimiter)) {
    if (directory === '') continue;
    const file = join(directory, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // Not here: try the next directory.
    }
  }
  return undefined;
}

// Whether a tshark run through stdbuf ended because stdbuf could not find tshark ('missing') or not
// run it ('not runnable'). Its message is translated in other locales; its name before it is not.
export function stdbufMissedCommand(exitCode: number | undefined, stderr: string, why: 'missing' | 'not runnable'): boolean {
  return exitCode === STDBUF_EXIT[why] && /^(?:\S*\/)?stdbuf: /m.test(stderr);
}
