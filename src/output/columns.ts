// The output columns, defined once: segment rows and byte rows, as ordered records of text.

import type { DirectionRows } from '../tcp/streams.js';
import type { SegmentRow } from '../tcp/segment.js';
import { formatSeconds, formatTime, type TimeFormat } from '../time.js';
import { csvRecord } from './csv-record.js';
import { type DataFormat, encodeData } from './data.js';

/** Columns of segment rows, in SPEC order. */
export const SEGMENT_COLUMNS = [
  'stream',
  'src',
  'dst',
  'kind',
  'offset',
  'length',
  'frame',
  'time',
  'rel_time',
  'delivered_time',
  'hol_delay',
  'copies',
  'dup_frames',
  'conflict',
  'gap_acked',
  'data',
] as const;

/** Columns of byte rows (--rows byte), in SPEC order. */
export const BYTE_COLUMNS = ['stream', 'src', 'dst', 'offset', 'frame', 'time', 'delivered_time', 'hol_delay', 'byte'] as const;

/** How cells are written: --time and --data. */
export interface CellFormat {
  time: TimeFormat;
  data: DataFormat;
}

type Cell = string | number;

/** What a row's cells need of its batch: the direction, and the origin of relative times. */
export type CellBatch = Pick<DirectionRows, 'direction' | 'origin'>;

function timeCell(time: bigint | undefined, batch: CellBatch, format: CellFormat): string {
  return time === undefined ? '' : formatTime(time, format.time, batch.origin);
}

// The rel_time cell: seconds since the direction's origin.
function relativeTimeCell(time: bigint | undefined, batch: CellBatch): string {
  return time === undefined ? '' : formatSeconds(time - batch.origin);
}

function holDelay(row: SegmentRow): string {
  return row.deliveredTime === undefined || row.firstTime === undefined ? '' : formatSeconds(row.deliveredTime - row.firstTime);
}

// One segment row as cells in SEGMENT_COLUMNS order.
export function segmentCells(batch: CellBatch, row: SegmentRow, format: CellFormat): Cell[] {
  const { direction } = batch;
  const isGap = row.kind === 'gap';
  return [
    direction.stream,
    direction.src,
    direction.dst,
    row.kind,
    row.offset,
    row.length,
    row.frame ?? '',
    timeCell(row.time, batch, format),
    relativeTimeCell(row.time, batch),
    timeCell(row.deliveredTime, batch, format),
    holDelay(row),
    row.copies,
    row.dupFrames.join(' '),
    isGap ? '' : row.conflict ? 1 : 0,
    isGap ? (row.gapAcked ? 1 : 0) : '',
    encodeData(row.bytes, format.data),
  ];
}

// A direction's stream, src and dst cells as CSV, each followed by its comma (quoted as a cell
// holding `,` `"` CR or LF would be: endpoints never do).
export function directionLineHead(batch: CellBatch): string {
  const { direction } = batch;
  return csvRecord([direction.stream, direction.src, direction.dst, ''], false, false);
}

/** A segment row as CSV up to its payload cell: `head` (directionLineHead), the cells after it,
 *  and the comma before the payload. The same text as csvRecord(segmentCells(…)) with the payload
 *  left out, made without an array of cells: the rows' hot path. None of these cells can hold a
 *  character that needs quotes (numbers, times, row kinds, frame numbers with spaces). */
export function segmentLineStart(head: string, batch: CellBatch, row: SegmentRow, format: CellFormat): string {
  const isGap = row.kind === 'gap';
  return `${head}${row.kind},${row.offset},${row.length},${row.frame ?? ''},${timeCell(row.time, batch, format)},${
    relativeTimeCell(row.time, batch)
  },${timeCell(row.deliveredTime, batch, format)},${holDelay(row)},${row.copies},${row.dupFrames.join(' ')},${
    isGap ? '' : row.conflict ? 1 : 0
  },${isGap ? (row.gapAcked ? 1 : 0) : ''},`;
}

// One row per byte of a data row, as cells in BYTE_COLUMNS order.
export function* byteCells(batch: CellBatch, row: SegmentRow, format: CellFormat): Generator<Cell[]> {
  if (row.kind !== 'data' || !row.bytes) return;
  const { direction } = batch;
  const time = timeCell(row.time, batch, format);
  const delivered = timeCell(row.deliveredTime, batch, format);
  const hol = holDelay(row);
  for (let index = 0; index < row.bytes.length; index += 1) {
    const value = row.bytes.subarray(index, index + 1);
    yield [direction.stream, direction.src, direction.dst, row.offset + index, row.frame ?? '', time, delivered, hol, encodeData(value, format.data)];
  }
}
