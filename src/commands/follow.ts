// The main job: follow the selected stream direction(s) and write their rows (CSV, JSONL or raw),
// to one output or (--out-dir) one file per direction with an index.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { FollowTcpError } from '../errors.js';
import { followFrameBatches } from '../follow.js';
import { DirectionFiles } from '../output/direction-files.js';
import { formatStreamList } from '../output/stream-list.js';
import { StreamOrderedWriter } from '../output/stream-order.js';
import type { WriterOptions } from '../output/writer.js';
import { type DirectionSummary, directionId, formatSummary, HolDelayCollector, summarizeDirection } from '../report/summary.js';
import { ioError } from '../source/file.js';
import { FOLLOW_FIELDS } from '../source/tshark.js';
import type { DirectionInfo, DirectionRows } from '../tcp/streams.js';
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
  positiveSecondsToNanos,
  secondsToNanos,
  type SelectionFlags,
  startProgress,
} from './options.js';

interface FollowFlags extends InputFlags, SelectionFlags, WriterOptions {
  all?: boolean;
  out?: string;
  outDir?: string;
  overlap: 'first' | 'last';
  maxBuffer: number;
  ackSettle: bigint;
  idle?: bigint;
  summary?: boolean;
  summaryJson?: string;
  quiet?: boolean;
}

/** The columns of the --out-dir index: one row per direction file, with its summary figures. */
const INDEX_COLUMNS = [
  'file',
  'stream',
  'src',
  'dst',
  'bytes',
  'data_bytes',
  'data_frames',
  'gaps',
  'gap_bytes',
  'gap_unacked_bytes',
  'retrans_frames',
  'retrans_bytes',
  'ooo_frames',
  'conflicts',
  'first_time',
  'last_time',
  'hol_p50',
  'hol_p99',
  'hol_max',
];

function indexRow(file: string, summary: DirectionSummary): (string | number)[] {
  return [
    file,
    summary.stream,
    summary.src,
    summary.dst,
    summary.bytes,
    summary.dataBytes,
    summary.dataFrames,
    summary.gaps.count,
    summary.gaps.bytes,
    summary.gaps.unacked,
    summary.retransmissions.frames,
    summary.retransmissions.bytes,
    summary.outOfOrderFrames,
    summary.conflicts,
    summary.firstTime ?? '',
    summary.lastTime ?? '',
    summary.holDelay.p50 ?? '',
    summary.holDelay.p99 ?? '',
    summary.holDelay.max ?? '',
  ];
}

// Run the main job with parsed options; resolves to the exit code.
export async function runFollow(flags: FollowFlags, io: Io): Promise<number> {
  const selection = parseSelection(flags);
  const selected = flags.all === true || selection.given;
  if (flags.format === 'raw' && selection.src === undefined && selection.dst === undefined && flags.outDir === undefined) {
    throw new FollowTcpError('USAGE', '--format raw writes one direction: choose it with --src and/or --dst (or use --out-dir)');
  }
  if (flags.outDir !== undefined && flags.out !== undefined) {
    throw new FollowTcpError('USAGE', 'give either -o FILE or --out-dir DIR, not both');
  }
  const input = openInput(flags, io, selection, startProgress(io, flags), FOLLOW_FIELDS);
  const wantSummary = flags.summary === true || flags.summaryJson !== undefined || flags.outDir !== undefined;
  const run = followFrameBatches(input.frameBatches, {
    policy: flags.overlap,
    maxBuffer: flags.maxBuffer,
    settle: flags.ackSettle,
    select: selection.matches,
    singleStream: !selected,
    // Summaries read a direction's figures after its final rows (late bytes at the very end).
    releaseFinished: !wantSummary,
    // And with --all or a selection, only its number: memory stays flat over many streams.
    forgetFinished: !wantSummary && selected,
    ...(flags.idle !== undefined && { idle: flags.idle }),
  });
  const files = flags.outDir === undefined ? undefined : new DirectionFiles(flags.outDir, flags);
  const output = files ? undefined : openOutput(io, flags.out);
  // One output: grouped by direction (streams in order, client first), so the rows' order does
  // not move with other traffic and --all is the per-stream outputs one after the other.
  const writer = output ? new StreamOrderedWriter(output.sink, flags, run.follower.followedDirections) : undefined;
  // The first direction rows came for, and whether another came too (not a set of every
  // direction: a capture may hold hundreds of thousands).
  let firstDirection: string | undefined;
  let severalDirections = false;
  const hol = new HolDelayCollector();
  const finished: { summary: DirectionSummary; source: DirectionInfo; file: string }[] = [];
  const take = async (batch: DirectionRows): Promise<void> => {
    const id = directionId(batch.source);
    firstDirection ??= id;
    if (id !== firstDirection) severalDirections = true;
    if (flags.format === 'raw' && !files && severalDirections) {
      throw new FollowTcpError('USAGE', `--format raw writes one direction, but ${selection.text} matches several: narrow it with --src/--dst`);
    }
    if (wantSummary) hol.add(id, batch.rows);
    const file = files ? await files.write(batch) : (await writer!.write(batch), '');
    if (batch.final && wantSummary) {
      const summary = summarizeDirection(batch.info, batch.source, hol);
      hol.drop(id);
      finished.push({ summary, source: batch.source, file });
    }
  };
  let inputError: FollowTcpError | undefined;
  try {
    try {
      for await (const batch of run.batches) {
        if (!run.follower.ambiguous) await take(batch);
      }
    } catch (error) {
      if (!isInputError(error)) throw error;
      inputError = error;
    }
    // Rows held back for their stream's turn: every complete packet's rows, after an input error too.
    if (!run.follower.ambiguous) await writer?.finish();
  } catch (error) {
    writer?.close();
    const reported = output ? await output.abandon(error) : error;
    await files?.close().catch(() => {});
    throw reported;
  }
  writer?.close();
  await output?.close();
  await files?.close();
  if (!run.follower.ambiguous) {
    // Frames of a stream that came after it was finished count as late: take them in now.
    for (const { summary, source } of finished) summary.lateBytes = source.reassembler?.stats.lateBytes ?? summary.lateBytes;
    // In output order (streams as they first appeared, the client's direction first), not in the
    // order the directions finished.
    const places = new Map([...run.follower.followedDirections.entries()].map(([place, key]) => [key, place]));
    finished.sort((a, b) => (places.get(a.source.key) ?? places.size) - (places.get(b.source.key) ?? places.size));
    const summaries = finished.map(({ summary }) => summary);
    if (flags.summary) io.stderr.write(formatSummary(summaries));
    if (flags.summaryJson !== undefined) {
      const path = flags.summaryJson;
      await writeFile(path, `${JSON.stringify(summaries, null, 2)}\n`).catch((error: unknown) => {
        throw ioError(path, error, 'write');
      });
    }
    if (flags.outDir !== undefined && firstDirection !== undefined) {
      const path = join(flags.outDir, 'index.csv');
      const index = finished.map(({ summary, file }) => indexRow(file, summary));
      await writeFile(path, stringify([INDEX_COLUMNS, ...index])).catch((error: unknown) => {
        throw ioError(path, error, 'write');
      });
    }
  }
  if (inputError) throw inputError;
  if (run.follower.ambiguous) {
    io.stderr.write(formatStreamList(run.follower.streams()));
    throw new FollowTcpError('USAGE', `${input.source} holds several TCP streams: select one with --stream N (or --all)`);
  }
  if (firstDirection === undefined) {
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
    .option('--out-dir <dir>', 'one file per stream direction, plus index.csv with their summary figures')
    .addOption(choice('--format <format>', 'output format', ['csv', 'jsonl', 'raw'], 'csv'))
    .addOption(choice('--rows <rows>', 'one row per contiguous chunk, or per byte', ['segment', 'byte'], 'segment'))
    .addOption(choice('--data <data>', 'payload column', ['hex', 'text', 'none'], 'hex'))
    .addOption(choice('--time <time>', 'time columns', ['epoch', 'relative', 'iso'], 'epoch'))
    .addOption(choice('--overlap <policy>', 'which copy of overlapping bytes is kept', ['first', 'last'], 'first'))
    .addOption(choice('--gap-fill <fill>', 'raw output: what stands for missing bytes', ['none', 'zero', 'marker'], 'none'))
    .option('--summary', 'a human summary per direction on stderr after the run')
    .option('--summary-json <file>', 'the summary per direction as JSON, for machines')
    .option('--max-buffer <bytes>', 'bytes held per direction before the earliest gap is declared lost', byteCount, 64 * 1024 * 1024)
    .addOption(
      new Option(
        '--ack-settle <seconds>',
        "acknowledged bytes are written once the ACK is this old in the stream's capture time; copies captured later count as late",
      )
        .argParser(secondsToNanos)
        .default(500_000_000n, '0.5'),
    )
    .addOption(
      new Option(
        '--idle <seconds>',
        "a stream with no frame for this long (capture time) is finished: rows written, memory released; its later frames count as late",
      ).argParser(positiveSecondsToNanos),
    )
    .option('--quiet', 'no progress line on stderr (it is shown only when stderr is a terminal)')
    .action(async (flags: FollowFlags) => {
      setCode(await runFollow(flags, io));
    });
}
