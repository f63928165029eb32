// The main job: follow the selected stream direction(s) and write their rows (CSV, JSONL or raw).

import type { Command } from 'commander';
import { FollowTcpError } from '../errors.js';
import { followFrames } from '../follow.js';
import { formatStreamList } from '../output/stream-list.js';
import { RowWriter, type WriterOptions } from '../output/writer.js';
import { type DirectionSummary, directionId, formatSummary, HolDelayCollector, summarizeDirection } from '../report/summary.js';
import { ioError } from '../source/file.js';
import { writeFile } from 'node:fs/promises';
import type { Io, SetExitCode } from './io.js';
import {
  addInputOptions,
  addSelectionOptions,
  byteCount,
  choice,
  type InputFlags,
  isInputError,
  openInput,
  openOutput,
  parseSelection,
  type SelectionFlags,
} from './options.js';

interface FollowFlags extends InputFlags, SelectionFlags, WriterOptions {
  all?: boolean;
  out?: string;
  overlap: 'first' | 'last';
  maxBuffer: number;
  summary?: boolean;
  summaryJson?: string;
}

// Run the main job with parsed options; resolves to the exit code.
export async function runFollow(flags: FollowFlags, io: Io): Promise<number> {
  const selection = parseSelection(flags);
  const selected = flags.all === true || selection.given;
  if (flags.format === 'raw' && selection.src === undefined && selection.dst === undefined) {
    throw new FollowTcpError('USAGE', '--format raw writes one direction: choose it with --src and/or --dst');
  }
  const input = openInput(flags, io, selection);
  const run = followFrames(input.frames, {
    policy: flags.overlap,
    maxBuffer: flags.maxBuffer,
    select: selection.matches,
    singleStream: !selected,
  });
  const output = openOutput(io, flags.out);
  const writer = new RowWriter(output.sink, flags);
  const directions = new Set<string>();
  const hol = new HolDelayCollector();
  let inputError: FollowTcpError | undefined;
  try {
    for await (const batch of run.batches) {
      if (run.follower.ambiguous) continue;
      directions.add(`${batch.direction.stream}|${batch.direction.src}|${batch.direction.dst}`);
      if (flags.format === 'raw' && directions.size > 1) {
        throw new FollowTcpError('USAGE', `--format raw writes one direction, but ${selection.text} matches several: narrow it with --src/--dst`);
      }
      hol.add(`${batch.direction.stream}|${batch.direction.src}|${batch.direction.dst}`, batch.rows);
      await writer.write(batch);
    }
  } catch (error) {
    if (!isInputError(error)) {
      await output.close().catch(() => {});
      throw error;
    }
    inputError = error;
  }
  await output.close();
  if ((flags.summary || flags.summaryJson !== undefined) && !run.follower.ambiguous) {
    const summaries: DirectionSummary[] = [];
    for (const stream of run.follower.streams()) {
      for (const direction of stream.directions) {
        if (direction.reassembler && directions.has(directionId(direction))) summaries.push(summarizeDirection(stream, direction, hol));
      }
    }
    if (flags.summary) io.stderr.write(formatSummary(summaries));
    if (flags.summaryJson !== undefined) {
      const path = flags.summaryJson;
      await writeFile(path, `${JSON.stringify(summaries, null, 2)}\n`).catch((error: unknown) => {
        throw ioError(path, error, 'write');
      });
    }
  }
  if (inputError) throw inputError;
  if (run.follower.ambiguous) {
    io.stderr.write(formatStreamList(run.follower.streams()));
    throw new FollowTcpError('USAGE', `${input.source} holds several TCP streams: select one with --stream N (or --all)`);
  }
  if (!writer.started) {
    if (run.follower.framesRead === 0) {
      const what = selected ? `nothing matches ${selection.text || '--all'}` : 'no TCP frames in it';
      throw new FollowTcpError('USAGE', `${input.source}: ${what} (list the streams with: ${input.listHint})`);
    }
    io.stderr.write(formatStreamList(run.follower.streams()));
    throw new FollowTcpError('USAGE', `${input.source}: no stream direction matches ${selection.text}; the streams are listed above`);
  }
  return 0;
}

// Give the (root) command the main job's options and action.
export function configureFollow(command: Command, io: Io, setCode: SetExitCode): Command {
  addSelectionOptions(addInputOptions(command));
  return command
    .option('--all', 'every stream and direction in one pass')
    .option('-o, --out <file>', 'write here instead of standard output')
    .addOption(choice('--format <format>', 'output format', ['csv', 'jsonl', 'raw'], 'csv'))
    .addOption(choice('--rows <rows>', 'one row per contiguous chunk, or per byte', ['segment', 'byte'], 'segment'))
    .addOption(choice('--data <data>', 'payload column', ['hex', 'text', 'none'], 'hex'))
    .addOption(choice('--time <time>', 'time columns', ['epoch', 'relative', 'iso'], 'epoch'))
    .addOption(choice('--overlap <policy>', 'which copy of overlapping bytes is kept', ['first', 'last'], 'first'))
    .addOption(choice('--gap-fill <fill>', 'raw output: what stands for missing bytes', ['none', 'zero', 'marker'], 'none'))
    .option('--summary', 'a human summary per direction on stderr after the run')
    .option('--summary-json <file>', 'the summary per direction as JSON, for machines')
    .option('--max-buffer <bytes>', 'bytes held per direction before the earliest gap is declared lost', byteCount, 64 * 1024 * 1024)
    .action(async (flags: FollowFlags) => {
      setCode(await runFollow(flags, io));
    });
}
