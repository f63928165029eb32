// Options and checks shared by the commands: input (--pdml/--pcap), selection, sizes, output files.

import { createWriteStream, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type EndpointSelector, endpointMatches, parseEndpoint } from '../endpoint.js';
import { FollowTcpError } from '../errors.js';
import type { Frame } from '../frame.js';
import { openFrameBatches } from '../input.js';
import { DirectFileWriter, mayWriteDirect } from '../output/direct-file.js';
import { Progress } from '../output/progress.js';
import { ioError } from '../source/file.js';
import type { DirectionKey } from '../tcp/streams.js';
import type { Io } from './io.js';

/** Input options as commander hands them over. */
export interface InputFlags {
  pdml?: string;
  pcap?: string;
  tshark?: string;
  savePdml?: string;
  workers?: number;
}

/** Selection options as commander hands them over. */
export interface SelectionFlags {
  stream?: number;
  src?: string;
  dst?: string;
}

// Parse --stream: a non-negative integer.
export function streamNumber(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('expected a stream index (0, 1, 2, …)');
  return Number(text);
}

// Parse a size in bytes: 67108864, 64M, 512K, 1G.
export function byteCount(text: string): number {
  const match = /^(\d+)\s*([kmg]i?b?|b)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError('expected a size in bytes, e.g. 67108864, 64M or 512K');
  const unit = (match[2] ?? '').toLowerCase()[0];
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const bytes = Number(match[1]) * scale;
  if (bytes < 1) throw new InvalidArgumentError('must be at least 1 byte');
  return bytes;
}

// Parse a duration in seconds (decimals allowed) into nanoseconds, without going through a double.
export function secondsToNanos(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('expected seconds, e.g. 2 or 0.5');
  return BigInt(match[1]!) * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

// Parse a duration in seconds that must be more than zero (--idle).
export function positiveSecondsToNanos(text: string): bigint {
  const nanos = secondsToNanos(text);
  if (nanos === 0n) throw new InvalidArgumentError('must be more than 0 seconds');
  return nanos;
}

// Parse --workers: 0 (parse on the main thread) up to 64.
export function workerCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 64) throw new InvalidArgumentError('expected a number of threads from 0 to 64');
  return Number(text);
}

// Parse a positive whole number (--top).
export function positiveInteger(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(text);
}

// An option limited to a fixed set of values, with a default.
export function choice(flags: string, description: string, choices: string[], fallback?: string): Option {
  const option = new Option(flags, description).choices(choices);
  return fallback === undefined ? option : option.default(fallback);
}

// Worker threads parsing PDML when --workers is not given: only cores to spare pay for them. On
// 2 cores the pool cost CPU and memory for no gain (measured: bench (c) 8.0 s with none, 8.0 s
// with one; (b) 117 s with none, 144 s with one), so the main thread keeps one core, the pool's
// overhead another and, with --pcap, tshark a third; at most 8.
export function defaultWorkers(withTshark: boolean): number {
  return Math.max(0, Math.min(8, availableParallelism() - 2 - (withTshark ? 1 : 0)));
}

// Add --pdml, --pcap/-r, --tshark, --save-pdml and --workers to a command.
export function addInputOptions(command: Command): Command {
  return command
    .option('--pdml <file>', 'an existing PDML file ("-" reads stdin; .gz is decompressed)')
    .option('-r, --pcap <file>', 'a capture (pcap/pcapng): tshark is run and its PDML parsed as it streams')
    .option('--tshark <path>', 'the tshark binary (default: $FOLLOW_TCP_TSHARK or tshark on PATH)')
    .option('--save-pdml <file>', 'with --pcap: also keep the PDML tshark produced')
    .option('--workers <n>', `threads parsing the PDML, 0 = on the main thread (default: cores − 2, − 3 with --pcap: here ${defaultWorkers(false)} / ${defaultWorkers(true)})`, workerCount);
}

// Add --stream, --src and --dst to a command.
export function addSelectionOptions(command: Command): Command {
  return command
    .option('--stream <n>', "tshark's tcp.stream index", streamNumber)
    .option('--src <endpoint>', 'direction(s) sent from ip, ip:port, [ipv6]:port or :port')
    .option('--dst <endpoint>', 'direction(s) sent to ip, ip:port, [ipv6]:port or :port');
}

/** A parsed selection: the predicate and what it was made from. */
export interface Selection {
  stream: number | undefined;
  src: EndpointSelector | undefined;
  dst: EndpointSelector | undefined;
  /** True when any of --stream/--src/--dst was given. */
  given: boolean;
  matches: (key: DirectionKey) => boolean;
  /** The options as the user wrote them, for messages. */
  text: string;
}

// Parse --stream/--src/--dst into a selection (bad endpoints are usage errors).
export function parseSelection(flags: SelectionFlags): Selection {
  const src = flags.src === undefined ? undefined : parseEndpoint(flags.src);
  const dst = flags.dst === undefined ? undefined : parseEndpoint(flags.dst);
  const parts: string[] = [];
  if (flags.stream !== undefined) parts.push(`--stream ${flags.stream}`);
  if (flags.src !== undefined) parts.push(`--src ${flags.src}`);
  if (flags.dst !== undefined) parts.push(`--dst ${flags.dst}`);
  return {
    stream: flags.stream,
    src,
    dst,
    given: parts.length > 0,
    text: parts.join(' '),
    matches: (key) =>
      (flags.stream === undefined || key.stream === flags.stream) &&
      (src === undefined || endpointMatches(src, key.srcAddress, key.srcPort)) &&
      (dst === undefined || endpointMatches(dst, key.dstAddress, key.dstPort)),
  };
}

/** The opened input: its frames and the name to use in messages. */
export interface OpenedInput {
  /** The input's TCP frames, in file order, in arrays as they are parsed. */
  frameBatches: AsyncGenerator<Frame[]>;
  source: string;
  /** How to list its streams, for hints in messages. */
  listHint: string;
}

// A progress line for this run when stderr is a terminal and --quiet was not given.
export function startProgress(io: Io, flags: InputFlags & { quiet?: boolean }): Progress | undefined {
  if (flags.quiet || !(io.stderr as { isTTY?: boolean }).isTTY) return undefined;
  let total: number | undefined;
  if (flags.pdml !== undefined && flags.pdml !== '-' && !flags.pdml.endsWith('.gz')) {
    try {
      total = statSync(flags.pdml).size;
    } catch {
      total = undefined;
    }
  }
  return new Progress(io.stderr, total);
}

async function* framesWithProgress(frameBatches: AsyncGenerator<Frame[]>, progress: Progress): AsyncGenerator<Frame[]> {
  try {
    for await (const frames of frameBatches) {
      progress.frames(frames.length);
      yield frames;
    }
  } finally {
    progress.done();
  }
}

// Check and open --pdml/--pcap, pushing the selection down into tshark when there is one.
export function openInput(flags: InputFlags, io: Io, selection?: Selection, progress?: Progress, tsharkFields?: readonly string[]): OpenedInput {
  if (flags.pdml !== undefined && flags.pcap !== undefined) {
    throw new FollowTcpError('USAGE', 'give either --pdml FILE or --pcap FILE, not both');
  }
  if (flags.pdml === undefined && flags.pcap === undefined) {
    throw new FollowTcpError('USAGE', 'no input: give --pdml FILE (PDML, "-" for stdin, .gz ok) or --pcap FILE (run through tshark)');
  }
  if (flags.savePdml !== undefined && flags.pcap === undefined) {
    throw new FollowTcpError('USAGE', '--save-pdml goes with --pcap (it keeps the PDML tshark writes)');
  }
  const workers = flags.workers ?? defaultWorkers(flags.pcap !== undefined);
  const tsharkStarted = io.tsharkStarted;
  const frameBatches = openFrameBatches({
    ...(flags.pdml !== undefined && { pdml: flags.pdml }),
    ...(flags.pcap !== undefined && { pcap: flags.pcap }),
    ...(flags.tshark !== undefined && { tshark: flags.tshark }),
    ...(flags.savePdml !== undefined && { savePdml: flags.savePdml }),
    // PDML kept for later runs has every field any command reads.
    ...(tsharkFields !== undefined && flags.savePdml === undefined && { tsharkFields }),
    ...(selection?.stream !== undefined && { stream: selection.stream }),
    endpoints: [selection?.src, selection?.dst].filter((endpoint): endpoint is EndpointSelector => endpoint !== undefined),
    stdin: io.stdin,
    workers,
    ...(progress && { onText: (length: number) => progress.read(length) }),
    ...(tsharkStarted && { onTsharkStarted: () => tsharkStarted(workers) }),
  });
  const source = flags.pcap ?? (flags.pdml === '-' ? 'stdin' : (flags.pdml ?? ''));
  const listHint = `follow-tcp streams ${flags.pcap !== undefined ? '--pcap' : '--pdml'} ${flags.pcap ?? flags.pdml}`;
  return { frameBatches: progress ? framesWithProgress(frameBatches, progress) : frameBatches, source, listHint };
}

/** Where output goes, and how to finish writing it. */
export interface OutputTarget {
  sink: Writable;
  /** Finish writing; rejects with one IO error naming the file when it could not be written. */
  close: () => Promise<void>;
  /** After `error` stopped the writing: close, and resolve to the error to report (the file's
   *  own IO error when writing it failed, since that is what the user must mend first). */
  abandon: (error: unknown) => Promise<unknown>;
}

// Text buffered for an output file before a writer waits for it to be written: with the default
// 16 KiB, follow-tcp waited on the disk for each group of rows instead of working meanwhile.
const OUTPUT_FILE_BUFFER = 1 << 20;

// Standard output, or a file (`-o FILE`) whose write errors become one-line I/O errors.
export function openOutput(io: Io, path: string | undefined): OutputTarget {
  if (path === undefined || path === '-') return { sink: io.stdout, close: async () => {}, abandon: async (error) => error };
  // A regular file past the page cache where the system allows it (see DirectFileWriter).
  const sink: Writable = mayWriteDirect(path) ? new DirectFileWriter(path) : createWriteStream(path, { highWaterMark: OUTPUT_FILE_BUFFER });
  let failure: Error | undefined;
  sink.on('error', (error) => {
    failure ??= error;
  });
  const close = async (): Promise<void> => {
    try {
      // Resolves once every byte is written; rejects on a write error, or when the file could
      // not even be opened (a stream destroyed before it ends never calls end's callback).
      if (!failure) await finished(sink.end());
    } catch (error) {
      failure ??= error as Error;
    }
    if (failure) throw ioError(path, failure, 'write');
  };
  return {
    sink,
    close,
    abandon: (error) =>
      close().then(
        () => error,
        (closeError: unknown) => closeError,
      ),
  };
}

// True for the errors after which the rows of every complete packet are still written.
export function isInputError(error: unknown): error is FollowTcpError {
  return error instanceof FollowTcpError && (error.code === 'BAD_INPUT' || error.code === 'TRUNCATED_INPUT');
}
