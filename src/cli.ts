// The follow-tcp command line: parses options, wires input → reassembly → output, and alone
// decides exit codes. main() takes argv and io so tests run it in-process.

import { createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type EndpointSelector, endpointMatches, parseEndpoint } from './endpoint.js';
import { exitCodeFor, FollowTcpError } from './errors.js';
import { followFrames } from './follow.js';
import { openFrames } from './input.js';
import { formatStreamList } from './output/stream-list.js';
import { RowWriter, type WriterOptions } from './output/writer.js';
import { ioError } from './source/file.js';
import type { DirectionKey } from './tcp/streams.js';

/** The process streams main() talks to; tests pass their own. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

interface FollowCommandOptions {
  pdml?: string;
  pcap?: string;
  tshark?: string;
  savePdml?: string;
  stream?: number;
  src?: string;
  dst?: string;
  all?: boolean;
  out?: string;
  format: WriterOptions['format'];
  rows: WriterOptions['rows'];
  data: WriterOptions['data'];
  time: WriterOptions['time'];
  overlap: 'first' | 'last';
  gapFill: WriterOptions['gapFill'];
  maxBuffer: number;
  debug?: boolean;
}

function streamNumber(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('expected a stream index (0, 1, 2, …)');
  return Number(text);
}

function byteCount(text: string): number {
  const match = /^(\d+)\s*([kmg]i?b?|b)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError('expected a size in bytes, e.g. 67108864, 64M or 512K');
  const unit = (match[2] ?? '').toLowerCase()[0];
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const bytes = Number(match[1]) * scale;
  if (bytes < 1) throw new InvalidArgumentError('must be at least 1 byte');
  return bytes;
}

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

function outputSink(io: Io, path: string | undefined): { sink: Writable; close: () => Promise<void> } {
  if (path === undefined || path === '-') {
    return { sink: io.stdout, close: async () => {} };
  }
  const sink = createWriteStream(path);
  let failure: Error | undefined;
  sink.on('error', (error) => {
    failure ??= error;
  });
  return {
    sink,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (failure) reject(ioError(path, failure, 'write'));
        sink.end(() => (failure ? reject(ioError(path, failure, 'write')) : resolve()));
      }),
  };
}

function describeSelection(options: FollowCommandOptions): string {
  const parts: string[] = [];
  if (options.stream !== undefined) parts.push(`--stream ${options.stream}`);
  if (options.src !== undefined) parts.push(`--src ${options.src}`);
  if (options.dst !== undefined) parts.push(`--dst ${options.dst}`);
  return parts.join(' ');
}

// The main job: follow the selected stream direction(s) and write them out.
async function runFollow(options: FollowCommandOptions, io: Io): Promise<number> {
  if (options.pdml !== undefined && options.pcap !== undefined) {
    throw new FollowTcpError('USAGE', 'give either --pdml FILE or --pcap FILE, not both');
  }
  if (options.pdml === undefined && options.pcap === undefined) {
    throw new FollowTcpError('USAGE', 'no input: give --pdml FILE (PDML, "-" for stdin, .gz ok) or --pcap FILE (run through tshark)');
  }
  if (options.savePdml !== undefined && options.pcap === undefined) {
    throw new FollowTcpError('USAGE', '--save-pdml goes with --pcap (it keeps the PDML tshark writes)');
  }
  const src: EndpointSelector | undefined = options.src === undefined ? undefined : parseEndpoint(options.src);
  const dst: EndpointSelector | undefined = options.dst === undefined ? undefined : parseEndpoint(options.dst);
  const selected = options.all === true || options.stream !== undefined || src !== undefined || dst !== undefined;
  if (options.format === 'raw' && src === undefined && dst === undefined) {
    throw new FollowTcpError('USAGE', '--format raw writes one direction: choose it with --src and/or --dst');
  }
  const select = (key: DirectionKey): boolean =>
    (options.stream === undefined || key.stream === options.stream) &&
    (src === undefined || endpointMatches(src, key.srcAddress, key.srcPort)) &&
    (dst === undefined || endpointMatches(dst, key.dstAddress, key.dstPort));

  const frames = openFrames({
    ...(options.pdml !== undefined && { pdml: options.pdml }),
    ...(options.pcap !== undefined && { pcap: options.pcap }),
    ...(options.tshark !== undefined && { tshark: options.tshark }),
    ...(options.savePdml !== undefined && { savePdml: options.savePdml }),
    ...(options.stream !== undefined && { stream: options.stream }),
    endpoints: [src, dst].filter((endpoint): endpoint is EndpointSelector => endpoint !== undefined),
    stdin: io.stdin,
  });
  const run = followFrames(frames, {
    policy: options.overlap,
    maxBuffer: options.maxBuffer,
    select,
    singleStream: !selected,
  });
  const { sink, close } = outputSink(io, options.out);
  const writer = new RowWriter(sink, options);
  const directions = new Set<string>();
  let inputError: unknown;
  try {
    for await (const batch of run.batches) {
      if (run.follower.ambiguous) continue;
      directions.add(`${batch.direction.stream}|${batch.direction.src}|${batch.direction.dst}`);
      if (options.format === 'raw' && directions.size > 1) {
        throw new FollowTcpError(
          'USAGE',
          `--format raw writes one direction, but ${describeSelection(options)} matches several: narrow it with --src/--dst`,
        );
      }
      await writer.write(batch);
    }
  } catch (error) {
    if (!(error instanceof FollowTcpError) || (error.code !== 'BAD_INPUT' && error.code !== 'TRUNCATED_INPUT')) {
      await close().catch(() => {});
      throw error;
    }
    inputError = error;
  }
  await close();
  if (inputError) throw inputError;
  const source = options.pdml ?? options.pcap ?? '';
  if (run.follower.ambiguous) {
    io.stderr.write(formatStreamList(run.follower.streams()));
    throw new FollowTcpError('USAGE', `${source} holds several TCP streams: select one with --stream N (or --all)`);
  }
  if (!writer.started) {
    if (run.follower.framesRead === 0) {
      const what = selected ? `nothing matches ${describeSelection(options) || '--all'}` : 'no TCP frames in it';
      throw new FollowTcpError('USAGE', `${source}: ${what} (list the streams with: follow-tcp streams ${options.pcap !== undefined ? '--pcap' : '--pdml'} ${source})`);
    }
    io.stderr.write(formatStreamList(run.follower.streams()));
    throw new FollowTcpError('USAGE', `${source}: no stream direction matches ${describeSelection(options)}; the streams are listed above`);
  }
  return 0;
}

function choice(flags: string, description: string, choices: string[], fallback: string): Option {
  return new Option(flags, description).choices(choices).default(fallback);
}

// Build the commander program; `exitOverride` makes commander throw instead of exiting.
function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('follow-tcp');
  program
    .description(
      'Rebuild TCP streams from a capture or PDML: every byte in order with its capture time, every gap, retransmission and overlap accounted for.',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`follow-tcp: ${text.replace(/^error: /, '').trimEnd()} (see follow-tcp --help)\n`),
    })
    .option('--pdml <file>', 'an existing PDML file ("-" reads stdin; .gz is decompressed)')
    .option('-r, --pcap <file>', 'a capture (pcap/pcapng): tshark is run and its PDML parsed as it streams')
    .option('--tshark <path>', 'the tshark binary (default: $FOLLOW_TCP_TSHARK or tshark on PATH)')
    .option('--save-pdml <file>', 'with --pcap: also keep the PDML tshark produced')
    .option('--stream <n>', "tshark's tcp.stream index", streamNumber)
    .option('--src <endpoint>', 'direction(s) sent from ip, ip:port, [ipv6]:port or :port')
    .option('--dst <endpoint>', 'direction(s) sent to ip, ip:port, [ipv6]:port or :port')
    .option('--all', 'every stream and direction in one pass')
    .option('-o, --out <file>', 'write here instead of standard output')
    .addOption(choice('--format <format>', 'output format', ['csv', 'jsonl', 'raw'], 'csv'))
    .addOption(choice('--rows <rows>', 'one row per contiguous chunk, or per byte', ['segment', 'byte'], 'segment'))
    .addOption(choice('--data <data>', 'payload column', ['hex', 'text', 'none'], 'hex'))
    .addOption(choice('--time <time>', 'time columns', ['epoch', 'relative', 'iso'], 'epoch'))
    .addOption(choice('--overlap <policy>', 'which copy of overlapping bytes is kept', ['first', 'last'], 'first'))
    .addOption(choice('--gap-fill <fill>', 'raw output: what stands for missing bytes', ['none', 'zero', 'marker'], 'none'))
    .option('--max-buffer <bytes>', 'bytes held per direction before the earliest gap is declared lost', byteCount, 64 * 1024 * 1024)
    .option('--debug', 'print stack traces with errors')
    .action(async (options: FollowCommandOptions) => {
      setCode(await runFollow(options, io));
    });
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
