// `follow-tcp compare`: two captures of the same traffic at two points of the path → per-chunk
// (or per-packet) rows saying what got through, what was lost between the points, the one-way
// delay and reordering; a summary per direction on stderr and, with --summary-json, as JSON.

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { CHUNK_COLUMNS, chunkRecords, type CompareRecord, PACKET_COLUMNS, packetRecords } from '../compare/columns.js';
import { type CaptureComparison, compareCaptures } from '../compare/compare.js';
import { type CaptureDirection, DirectionCollector } from '../compare/directions.js';
import { formatComparisonSummary } from '../compare/format-summary.js';
import { type EndpointSelector, endpointMatches, parseEndpoint } from '../endpoint.js';
import { FollowTcpError } from '../errors.js';
import { openFrames } from '../input.js';
import { ioError } from '../source/file.js';
import { type InputKind, sniffInputKind } from '../source/sniff.js';
import type { DirectionKey } from '../tcp/streams.js';
import { formatSeconds } from '../time.js';
import type { Io, SetExitCode } from './io.js';
import { choice, isInputError, openOutput, streamNumber } from './options.js';

interface CompareFlags {
  a: string;
  b: string;
  streamA?: number;
  streamB?: number;
  src?: string;
  dst?: string;
  aSide?: string;
  packets?: boolean;
  format: 'csv' | 'jsonl';
  out?: string;
  summary: boolean;
  summaryJson?: string;
  tshark?: string;
}

/** One capture point's input, read into connection directions. */
interface PointInput {
  path: string;
  kind: InputKind;
  directions: CaptureDirection[];
  framesRead: number;
  /** A bad or truncated input: what was read is used, the error is reported at the end. */
  inputError: FollowTcpError | undefined;
}

// Read one point's frames (PDML or a capture run through tshark) into its selected directions.
async function readPoint(path: string, stream: number | undefined, endpoints: EndpointSelector[], flags: CompareFlags, io: Io): Promise<PointInput> {
  const kind = await sniffInputKind(path);
  const frames = openFrames({
    ...(kind === 'pdml' ? { pdml: path } : { pcap: path }),
    ...(flags.tshark !== undefined && { tshark: flags.tshark }),
    ...(stream !== undefined && { stream }),
    endpoints,
    stdin: io.stdin,
  });
  const src = parseOptional(flags.src);
  const dst = parseOptional(flags.dst);
  const select = (key: DirectionKey): boolean =>
    (stream === undefined || key.stream === stream) &&
    (src === undefined || endpointMatches(src, key.srcAddress, key.srcPort)) &&
    (dst === undefined || endpointMatches(dst, key.dstAddress, key.dstPort));
  const collector = new DirectionCollector();
  let inputError: FollowTcpError | undefined;
  try {
    for await (const frame of frames) collector.push(frame, select);
  } catch (error) {
    if (!isInputError(error)) throw error;
    inputError = error;
  }
  return { path, kind, directions: collector.directions(), framesRead: collector.framesRead, inputError };
}

function parseOptional(text: string | undefined): EndpointSelector | undefined {
  return text === undefined ? undefined : parseEndpoint(text);
}

// Read both points at once (two tshark runs in parallel); the first failure is reported after both end.
async function readPoints(flags: CompareFlags, io: Io): Promise<[PointInput, PointInput]> {
  const endpoints = [parseOptional(flags.src), parseOptional(flags.dst)].filter((endpoint): endpoint is EndpointSelector => endpoint !== undefined);
  const results = await Promise.allSettled([readPoint(flags.a, flags.streamA, endpoints, flags, io), readPoint(flags.b, flags.streamB, endpoints, flags, io)]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  return [(results[0] as PromiseFulfilledResult<PointInput>).value, (results[1] as PromiseFulfilledResult<PointInput>).value];
}

// A few directions on one line: "2 (stream 0 10.0.0.1:5000 → 10.0.0.2:80, …)".
function briefList(directions: readonly CaptureDirection[]): string {
  const shown = directions.slice(0, 3).map((direction) => `stream ${direction.key.stream} ${direction.key.src} → ${direction.key.dst}`);
  const more = directions.length > shown.length ? `, and ${directions.length - shown.length} more` : '';
  return `${directions.length} (${shown.join(', ')}${more})`;
}

function selectionText(flags: CompareFlags): string {
  const parts: string[] = [];
  if (flags.streamA !== undefined) parts.push(`--stream-a ${flags.streamA}`);
  if (flags.streamB !== undefined) parts.push(`--stream-b ${flags.streamB}`);
  if (flags.src !== undefined) parts.push(`--src ${flags.src}`);
  if (flags.dst !== undefined) parts.push(`--dst ${flags.dst}`);
  return parts.join(' ');
}

// The --summary-json document.
function summaryDocument(comparison: CaptureComparison, flags: CompareFlags): unknown {
  const unpaired = (direction: CaptureDirection): unknown => ({
    stream: direction.key.stream,
    src: direction.key.src,
    dst: direction.key.dst,
    isn: direction.isn ?? null,
    packets: direction.packets.length,
  });
  return {
    a: flags.a,
    b: flags.b,
    clockOffset: comparison.clockOffset === undefined ? null : formatSeconds(comparison.clockOffset),
    directions: comparison.directions.map((direction) => direction.summary),
    onlyA: comparison.onlyA.map(unpaired),
    onlyB: comparison.onlyB.map(unpaired),
  };
}

// Compare the two captures and write rows and summary; resolves to the exit code.
export async function runCompare(flags: CompareFlags, io: Io): Promise<number> {
  if (flags.a === '-' && flags.b === '-') throw new FollowTcpError('USAGE', '--a and --b cannot both read standard input');
  const aSide = parseOptional(flags.aSide);
  const [a, b] = await readPoints(flags, io);
  const selection = selectionText(flags);
  for (const point of [a, b]) {
    if (point.directions.length > 0) continue;
    if (point.inputError) throw point.inputError;
    const what = point.framesRead === 0 ? 'no TCP frames in it' : 'no TCP connection in it';
    throw new FollowTcpError('USAGE', `${point.path}: ${selection ? `nothing matches ${selection}` : what} (list the streams with: follow-tcp streams ${point.kind === 'pdml' ? '--pdml' : '--pcap'} ${point.path})`);
  }
  const comparison = compareCaptures(a.directions, b.directions, { aSide });
  if (comparison.directions.length === 0) {
    throw new FollowTcpError(
      'USAGE',
      `${a.path} and ${b.path} share no TCP connection (same 4-tuple and ISN)${selection ? ` for ${selection}` : ''}: ` +
        `A has ${briefList(comparison.onlyA)}; B has ${briefList(comparison.onlyB)}`,
    );
  }
  const columns = flags.packets ? PACKET_COLUMNS : CHUNK_COLUMNS;
  const records: CompareRecord[] = comparison.directions.flatMap((direction) => (flags.packets ? packetRecords(direction) : chunkRecords(direction)));
  const output = openOutput(io, flags.out);
  const text =
    flags.format === 'csv'
      ? stringify([[...columns], ...records.map((record) => columns.map((column) => record[column] ?? ''))])
      : records.map((record) => `${JSON.stringify(record)}\n`).join('');
  output.sink.write(text);
  await output.close();
  if (flags.summary) io.stderr.write(formatComparisonSummary(comparison));
  if (flags.summaryJson !== undefined) {
    const path = flags.summaryJson;
    await writeFile(path, `${JSON.stringify(summaryDocument(comparison, flags), null, 2)}\n`).catch((error: unknown) => {
      throw ioError(path, error, 'write');
    });
  }
  const inputError = a.inputError ?? b.inputError;
  if (inputError) throw inputError;
  return 0;
}

// Add the `compare` subcommand.
export function registerCompare(program: Command, io: Io, setCode: SetExitCode): void {
  program
    .command('compare')
    .description('two captures of the same traffic at two points: per-byte and per-packet loss, one-way delay and reordering between them')
    .requiredOption('--a <file>', 'the capture at point A: pcap/pcapng (run through tshark) or PDML (.gz ok, "-" = stdin), told apart by content')
    .requiredOption('--b <file>', 'the capture at point B, likewise')
    .option('--stream-a <n>', "only this tcp.stream of capture A", streamNumber)
    .option('--stream-b <n>', "only this tcp.stream of capture B", streamNumber)
    .option('--src <endpoint>', 'direction(s) sent from ip, ip:port, [ipv6]:port or :port')
    .option('--dst <endpoint>', 'direction(s) sent to ip, ip:port, [ipv6]:port or :port')
    .option('--a-side <endpoint>', "the endpoint on A's side of the path: its data is upstream at A (default: the point with the higher TTL, else the one that saw packets first)")
    .option('--packets', 'one row per packet (data and pure ACKs) instead of per chunk of bytes')
    .addOption(choice('--format <format>', 'CSV or JSON lines', ['csv', 'jsonl'], 'csv'))
    .option('-o, --out <file>', 'write here instead of standard output')
    .option('--no-summary', 'no summary on stderr')
    .option('--summary-json <file>', 'the summary per direction as JSON, for machines')
    .option('--tshark <path>', 'the tshark binary (default: $FOLLOW_TCP_TSHARK or tshark on PATH)')
    .action(async (flags: CompareFlags) => {
      setCode(await runCompare(flags, io));
    });
}
