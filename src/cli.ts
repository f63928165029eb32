// The follow-tcp command line: builds the commands, runs one, and alone decides exit codes.
// main() takes argv and io so tests run it in-process.

import { Command, CommanderError } from 'commander';
import { configureFollow } from './commands/follow.js';
import { registerCompare } from './commands/compare.js';
import { registerFrames } from './commands/frames.js';
import { registerStreams } from './commands/streams.js';
import type { Io } from './commands/io.js';
import { exitCodeFor, FollowTcpError } from './errors.js';

export type { Io } from './commands/io.js';

// One line for the user: `follow-tcp: …`; with --debug, the stack too.
function report(io: Io, error: unknown, debug: boolean): number {
  if (error instanceof FollowTcpError) {
    io.stderr.write(`follow-tcp: ${error.message}\n`);
    if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`follow-tcp: internal error: ${message} (run again with --debug for details)\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return 1;
}

// Build the program: the main job on the root command, the other jobs as subcommands.
function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('follow-tcp');
  program
    .description(
      'Rebuild TCP streams from a capture or PDML: every byte in order with its capture time, every gap, retransmission and overlap accounted for.',
    )
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`follow-tcp: ${text.replace(/^error: /, '').trimEnd()} (see follow-tcp --help)\n`),
    })
    .option('--debug', 'print stack traces with errors');
  configureFollow(program, io, setCode);
  registerCompare(program, io, setCode);
  registerStreams(program, io, setCode);
  registerFrames(program, io, setCode);
  return program;
}

// Run follow-tcp with these arguments (without node and script); resolves to the exit code.
export async function main(argv: string[], io: Io): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (value) => {
    code = value;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    return report(io, error, argv.includes('--debug'));
  }
}
