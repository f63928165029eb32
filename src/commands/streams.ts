// `follow-tcp streams`: one row per TCP stream with its health, to find the sick connection.

import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { FollowTcpError } from '../errors.js';
import { formatTable } from '../output/table.js';
import { sortRecords, STREAM_COLUMNS, type StreamColumn, type StreamRecord, streamRecord } from '../report/stream-table.js';
import { StreamFollower } from '../tcp/streams.js';
import type { Io, SetExitCode } from './io.js';
import { addInputOptions, choice, type InputFlags, isInputError, openInput, openOutput, positiveInteger } from './options.js';

/** The terminal table's columns: each direction pair shown as `client→server/server→client`. */
const TABLE_COLUMNS = ['stream', 'client', 'server', 'duration', 'frames', 'bytes', 'gaps', 'unacked', 'retrans', 'ooo', 'hs ms', 'mss', 'wscale', 'end'];

function tableRow(record: StreamRecord): (string | number)[] {
  const pair = (a: string | number, b: string | number): string => (a === '' && b === '' ? '' : `${a}/${b}`);
  return [
    record.stream,
    `${record.client}${record.client_guessed ? '?' : ''}`,
    record.server,
    record.duration,
    pair(record.frames_c2s, record.frames_s2c),
    pair(record.bytes_c2s, record.bytes_s2c),
    pair(record.gap_bytes_c2s, record.gap_bytes_s2c),
    pair(record.gap_unacked_c2s, record.gap_unacked_s2c),
    pair(record.retrans_bytes_c2s, record.retrans_bytes_s2c),
    pair(record.ooo_frames_c2s, record.ooo_frames_s2c),
    pair(record.syn_synack_ms, record.synack_ack_ms),
    pair(record.mss_client, record.mss_server),
    pair(record.wscale_client, record.wscale_server),
    record.ended_by === '' ? record.end : `${record.end} by ${record.ended_by}`,
  ];
}

interface StreamsFlags extends InputFlags {
  format: 'table' | 'csv' | 'jsonl';
  sort?: string;
  top?: number;
  out?: string;
}

// List the streams of the input with their figures; resolves to the exit code.
export async function runStreams(flags: StreamsFlags, io: Io): Promise<number> {
  if (flags.sort !== undefined && !(STREAM_COLUMNS as readonly string[]).includes(flags.sort)) {
    throw new FollowTcpError('USAGE', `--sort ${flags.sort}: no such column; choose one of ${STREAM_COLUMNS.join(', ')}`);
  }
  const input = openInput(flags, io);
  const follower = new StreamFollower({ policy: 'first', maxBuffer: Number.MAX_SAFE_INTEGER, holdData: false });
  let inputError: FollowTcpError | undefined;
  try {
    for await (const frames of input.frameBatches) for (const frame of frames) follower.push(frame);
  } catch (error) {
    if (!isInputError(error)) throw error;
    inputError = error;
  }
  let records = follower.streams().map(streamRecord);
  if (flags.sort !== undefined) records = sortRecords(records, flags.sort as StreamColumn);
  if (flags.top !== undefined) records = records.slice(0, flags.top);
  const output = openOutput(io, flags.out);
  const rows = records.map((record) => STREAM_COLUMNS.map((column) => record[column]));
  if (flags.format === 'csv') output.sink.write(stringify([[...STREAM_COLUMNS], ...rows]));
  else if (flags.format === 'jsonl') output.sink.write(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  else output.sink.write(formatTable(TABLE_COLUMNS, records.map(tableRow)));
  await output.close();
  if (inputError) throw inputError;
  return 0;
}

// Add the `streams` subcommand.
export function registerStreams(program: Command, io: Io, setCode: SetExitCode): void {
  const command = program.command('streams').description('list TCP streams with their health: bytes, gaps, retransmissions, handshake RTT, ending');
  addInputOptions(command)
    .addOption(choice('--format <format>', 'aligned table, CSV or JSON lines', ['table', 'csv', 'jsonl'], 'table'))
    .option('--sort <column>', 'sort by this column (numbers largest first)')
    .option('--top <n>', 'only the first N rows (after sorting)', positiveInteger)
    .option('-o, --out <file>', 'write here instead of standard output')
    .action(async (flags: StreamsFlags) => {
      setCode(await runStreams(flags, io));
    });
}
