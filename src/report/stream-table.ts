// The `streams` rows: one per TCP stream with its health figures, pure, from the follower's state.

import type { StreamInfo } from '../tcp/streams.js';
import { formatSeconds, type Nanos } from '../time.js';

/** Columns of the `streams` output, in order. */
export const STREAM_COLUMNS = [
  'stream',
  'client',
  'server',
  'client_guessed',
  'first_time',
  'last_time',
  'duration',
  'frames_c2s',
  'frames_s2c',
  'bytes_c2s',
  'bytes_s2c',
  'gap_bytes_c2s',
  'gap_bytes_s2c',
  'gap_unacked_c2s',
  'gap_unacked_s2c',
  'retrans_bytes_c2s',
  'retrans_bytes_s2c',
  'ooo_frames_c2s',
  'ooo_frames_s2c',
  'syn_synack_ms',
  'synack_ack_ms',
  'mss_client',
  'mss_server',
  'wscale_client',
  'wscale_server',
  'end',
  'ended_by',
] as const;

export type StreamColumn = (typeof STREAM_COLUMNS)[number];
/** One `streams` row: numbers stay numbers (for sorting), absent values are ''. */
export type StreamRecord = Record<StreamColumn, string | number>;

// Milliseconds with 3 decimals from a nanosecond duration, exactly (no double rounding of the input).
export function formatMilliseconds(nanos: Nanos): string {
  const negative = nanos < 0n;
  const micros = (negative ? -nanos : nanos) / 1000n;
  return `${negative ? '-' : ''}${micros / 1000n}.${(micros % 1000n).toString().padStart(3, '0')}`;
}

// How a stream ended: the first RST (by whom), else FINs (both ways, or half-closed), else open.
function ending(info: StreamInfo): { end: string; by: string } {
  const [client, server] = info.directions;
  const first = (a: Nanos | undefined, b: Nanos | undefined): string =>
    a !== undefined && (b === undefined || a <= b) ? 'client' : b !== undefined ? 'server' : '';
  if (client?.rstTime !== undefined || server?.rstTime !== undefined) return { end: 'rst', by: first(client?.rstTime, server?.rstTime) };
  const finBy = first(client?.finTime, server?.finTime);
  if (client?.finTime !== undefined && server?.finTime !== undefined) return { end: 'fin', by: finBy };
  if (finBy !== '') return { end: 'half-closed', by: finBy };
  return { end: 'open', by: '' };
}

// The `streams` record of one stream (its directions must have been tracked by a reassembler).
export function streamRecord(info: StreamInfo): StreamRecord {
  const [client, server] = info.directions;
  const gaps = [info.directions[0]?.reassembler?.gaps(), info.directions[1]?.reassembler?.gaps()];
  const gapsOf = (index: 0 | 1) => gaps[index];
  const statsOf = (index: 0 | 1) => info.directions[index]?.reassembler?.stats;
  const length = (index: 0 | 1): number => info.directions[index]?.reassembler?.streamLength ?? 0;
  const { end, by } = ending(info);
  const optional = (value: number | undefined): string | number => value ?? '';
  return {
    stream: info.stream,
    client: client?.key.src ?? '',
    server: client?.key.dst ?? '',
    client_guessed: info.clientGuessed ? 1 : 0,
    first_time: formatSeconds(info.firstTime),
    last_time: formatSeconds(info.lastTime),
    duration: formatSeconds(info.lastTime - info.firstTime),
    frames_c2s: client?.frames ?? 0,
    frames_s2c: server?.frames ?? 0,
    bytes_c2s: length(0),
    bytes_s2c: length(1),
    gap_bytes_c2s: gapsOf(0)?.bytes ?? 0,
    gap_bytes_s2c: gapsOf(1)?.bytes ?? 0,
    gap_unacked_c2s: gapsOf(0)?.unackedBytes ?? 0,
    gap_unacked_s2c: gapsOf(1)?.unackedBytes ?? 0,
    retrans_bytes_c2s: statsOf(0)?.retransmittedBytes ?? 0,
    retrans_bytes_s2c: statsOf(1)?.retransmittedBytes ?? 0,
    ooo_frames_c2s: statsOf(0)?.outOfOrder ?? 0,
    ooo_frames_s2c: statsOf(1)?.outOfOrder ?? 0,
    syn_synack_ms: info.synTime !== undefined && info.synAckTime !== undefined ? formatMilliseconds(info.synAckTime - info.synTime) : '',
    synack_ack_ms:
      info.synAckTime !== undefined && info.handshakeAckTime !== undefined ? formatMilliseconds(info.handshakeAckTime - info.synAckTime) : '',
    mss_client: optional(client?.mss),
    mss_server: optional(server?.mss),
    wscale_client: optional(client?.windowShift),
    wscale_server: optional(server?.windowShift),
    end,
    ended_by: by,
  };
}

// Sort records by a column: numbers (and numeric text) largest first, text A→Z, blanks last.
export function sortRecords(records: StreamRecord[], column: StreamColumn): StreamRecord[] {
  const numeric = (value: string | number): number | undefined =>
    typeof value === 'number' ? value : value !== '' && !Number.isNaN(Number(value)) ? Number(value) : undefined;
  return [...records].sort((a, b) => {
    const [x, y] = [a[column], b[column]];
    if (x === '' || y === '') return x === y ? 0 : x === '' ? 1 : -1;
    const [nx, ny] = [numeric(x), numeric(y)];
    if (nx !== undefined && ny !== undefined) return ny - nx || Number(a.stream) - Number(b.stream);
    return String(x).localeCompare(String(y)) || Number(a.stream) - Number(b.stream);
  });
}
