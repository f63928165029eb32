#!/usr/bin/env -S node --max-semi-space-size=8
// The follow-tcp executable: run the CLI on this process's arguments and streams. V8's young
// generation is capped at 2 × 8 MiB instead of 2 × 16 MiB: on the bench's 1 M-frame capture this
// takes ~30 MiB off the peak RSS of `--pcap --all` (203 → 171 MiB) for a few % more GC time.

import { main } from './cli.js';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // A closed pipe (e.g. `| head`) is the reader's choice, not a failure.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
