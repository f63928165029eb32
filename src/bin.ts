#!/usr/bin/env node
// The follow-tcp executable: run the CLI on this process's arguments and streams.

import { main } from './cli.js';
import { collectOnMainThread, noCoreIdle } from './collector-threads.js';
import { limitOldGenerationGrowth } from './old-generation.js';
import { capYoungGeneration } from './young-generation.js';

// An 8 MiB young generation instead of V8's 32 MiB (young-generation.ts), and an old generation
// held to twice its live size (old-generation.ts).
capYoungGeneration(8 * 1024 * 1024);
limitOldGenerationGrowth();

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // A closed pipe (e.g. `| head`) is the reader's choice, not a failure.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  // Beside tshark with no core to spare, V8 collects on the main thread (collector-threads.ts).
  tsharkStarted: (workers) => {
    if (noCoreIdle(workers)) collectOnMainThread();
  },
}).then((code) => {
  process.exitCode = code;
});
