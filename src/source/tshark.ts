// Run tshark on a capture and stream its lean PDML (flat `-T pdml -e …` form) as byte (or text) chunks.

import { createWriteStream, type WriteStream } from 'node:fs';
import { execa } from 'execa';
import { FollowTcpError } from '../errors.js';
import { put } from '../output/writer.js';
import { ioError, utf8Text } from './file.js';
import { eagerChunks } from './eager-chunks.js';
import { bufferedCommand, findOnPath, stdbufMissedCommand } from './stdout-buffer.js';

/** The fields follow-tcp asks tshark for (research/tshark.md §2.4 without frame.len/cap_len, which
 *  nothing reads; plus IP ID, TTL, RST data, SYN and timestamp options, the expert flags). */
export const TSHARK_FIELDS: readonly string[] = [
  'frame.number',
  'frame.time_epoch',
  'ip.src',
  'ip.dst',
  'ip.id',
  'ip.ttl',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.flow',
  'ipv6.hlim',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.stream',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.len',
  'tcp.flags',
  'tcp.window_size_value',
  'tcp.window_size',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.payload',
  'tcp.reset_cause',
  'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission',
  'tcp.analysis.spurious_retransmission',
  'tcp.analysis.out_of_order',
  'tcp.analysis.lost_segment',
  'tcp.analysis.ack_lost_segment',
  'tcp.analysis.duplicate_ack',
  'tcp.analysis.zero_window',
  'tcp.analysis.zero_window_probe',
  'tcp.analysis.zero_window_probe_ack',
  'tcp.analysis.keep_alive',
  'tcp.analysis.keep_alive_ack',
  'tcp.analysis.window_full',
  'tcp.analysis.window_update',
  'tcp.analysis.reused_ports',
];

// Fields only the frames and compare reports read (TTL and flow label, windows, TCP timestamps).
const REPORT_FIELDS: ReadonlySet<string> = new Set([
  'ip.ttl',
  'ipv6.flow',
  'ipv6.hlim',
  'tcp.window_size_value',
  'tcp.window_size',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
]);

/** The fields the main job (follow) reads: TSHARK_FIELDS without those only the reports read.
 *  Three fewer tags per packet for tshark to write and follow-tcp to parse. */
export const FOLLOW_FIELDS: readonly string[] = TSHARK_FIELDS.filter((field) => !REPORT_FIELDS.has(field));

/** How to run tshark: which binary, which capture, which packets (a display filter). */
export interface TsharkOptions {
  capture: string;
  tshark?: string;
  displayFilter?: string;
  /** The fields to ask for (default TSHARK_FIELDS, what every command reads). */
  fields?: readonly string[];
  /** Also write the PDML tshark produced to this file. */
  savePdml?: string;
  /** Called once tshark's process is started. */
  onStarted?: () => void;
}

// The tshark command line for a capture: lean flat PDML, no TCP desegmentation, no name lookups.
export function tsharkArguments(options: TsharkOptions): string[] {
  const args = ['-r', options.capture, '-n', '-T', 'pdml', '-o', 'tcp.desegment_tcp_streams:FALSE'];
  args.push('-Y', options.displayFilter ?? 'tcp');
  for (const field of options.fields ?? TSHARK_FIELDS) args.push('-e', field);
  return args;
}

// The first meaningful line of what tshark wrote on stderr.
function tsharkMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Running as user'));
  return lines[0] ?? 'no message';
}

// Stream tshark's PDML for a capture as text chunks, as tshark writes it (no temporary file).
export function tsharkPdml(options: TsharkOptions): AsyncGenerator<string> {
  return utf8Text(tsharkPdmlBytes(options));
}

// Where stdbuf is on PATH (undefined where there is none), looked up again only when PATH changes.
let stdbufLookup: { path: string | undefined; file: string | undefined } | undefined;
function stdbuf(): string | undefined {
  const path = process.env.PATH;
  if (stdbufLookup === undefined || stdbufLookup.path !== path) stdbufLookup = { path, file: findOnPath('stdbuf', path) };
  return stdbufLookup.file;
}

// Stream tshark's PDML for a capture as byte chunks, as tshark writes it (no temporary file).
export async function* tsharkPdmlBytes(options: TsharkOptions): AsyncGenerator<Uint8Array> {
  const binary = options.tshark ?? process.env.FOLLOW_TCP_TSHARK ?? 'tshark';
  const command = bufferedCommand(binary, tsharkArguments(options), stdbuf());
  const subprocess = execa(command.file, command.args, {
    buffer: { stdout: false, stderr: true },
    stdin: 'ignore',
    reject: false,
    encoding: 'buffer',
  });
  options.onStarted?.();
  let save: WriteStream | undefined;
  if (options.savePdml) {
    const path = options.savePdml;
    save = createWriteStream(path);
    save.on('error', () => {});
  }
  let finished = false;
  try {
    try {
      for await (const chunk of eagerChunks(subprocess.stdout)) {
        if (save) await put(save, chunk);
        yield chunk;
      }
    } catch {
      // stdout failed: the result below says why.
    }
    const result = await subprocess;
    if (result.failed) {
      const code = (result as { code?: string }).code ?? (result as { cause?: NodeJS.ErrnoException }).cause?.code;
      const stderr = result.stderr instanceof Uint8Array ? Buffer.from(result.stderr).toString('utf8') : String(result.stderr ?? '');
      const viaStdbuf = command.file !== binary;
      if (code === 'ENOENT' || (viaStdbuf && stdbufMissedCommand(result.exitCode, stderr, 'missing'))) {
        throw new FollowTcpError(
          'TSHARK_NOT_FOUND',
          `${binary}: tshark not found: install it (Debian: apt-get install tshark) or pass --tshark PATH`,
        );
      }
      if (code === 'EACCES' || (viaStdbuf && stdbufMissedCommand(result.exitCode, stderr, 'not runnable'))) {
        throw new FollowTcpError('TSHARK_FAILED', `${binary}: cannot run tshark: permission denied (not an executable file); pass --tshark PATH`);
      }
      const how = result.exitCode !== undefined ? `exit code ${result.exitCode}` : (result.signal ?? 'failed');
      throw new FollowTcpError('TSHARK_FAILED', `${options.capture}: tshark failed (${how}): ${tsharkMessage(stderr)}`);
    }
    finished = true;
  } finally {
    if (!finished) subprocess.kill();
    if (save) {
      const file = save;
      await new Promise<void>((resolve, reject) => {
        file.end(() => resolve());
        file.once('error', (error) => reject(ioError(options.savePdml!, error, 'write')));
      });
    }
  }
}
