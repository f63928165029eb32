// Rows of a direction that must wait for its turn, as compact bytes for the spool file and back:
// the payload as it is (half the size of its hex), the other fields as numbers. The rows are
// turned into CSV, JSON lines or raw bytes only when their turn comes.

import type { Nanos } from '../time.js';
import type { RowKind, SegmentRow } from '../tcp/segment.js';

// Row kinds by their code in a record.
const KINDS: readonly RowKind[] = ['data', 'gap', 'truncated'];

// Which optional fields a row has (bit set = defined), and its two booleans.
export const HAS_FRAME = 1;
export const HAS_TIME = 2;
export const HAS_FIRST_TIME = 4;
export const HAS_DELIVERED_TIME = 8;
export const HAS_GAP_ACKED = 16;
export const HAS_BYTES = 32;
export const CONFLICT = 64;
export const GAP_ACKED = 128;

/** Where a row's fields lie from its start (little-endian): kind, flags, offset, length, frame
 *  (float64), time, firstTime, deliveredTime (int64), copies, dupFrames count, bytes length
 *  (uint32); then the dupFrames (float64) and the bytes. */
const AT_KIND = 0;
export const AT_FLAGS = 1;
export const AT_OFFSET = 2;
export const AT_LENGTH = 10;
export const AT_FRAME = 18;
export const AT_TIME = 26;
export const AT_FIRST_TIME = 34;
export const AT_DELIVERED_TIME = 42;
export const AT_COPIES = 50;
export const AT_DUP_COUNT = 54;
export const AT_BYTE_LENGTH = 58;
/** Bytes of a row before its dupFrames. */
export const ROW_HEAD = 62;
/** A record begins with the direction's origin (the time relative times count from), as int64. */
export const RECORD_HEAD = 8;

/** Rows encoded into one reused buffer; take the record, write it, then encode the next. */
export class HeldRowsEncoder {
  #buffer = Buffer.allocUnsafe(1 << 18);
  #view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength);
  #size = 0;
  #rows = 0;

  /** Bytes of the record begun. */
  get size(): number {
    return this.#size;
  }

  /** Rows in the record begun. */
  get rows(): number {
    return this.#rows;
  }

  // Start a record of rows of a direction whose times count from `origin`.
  begin(origin: Nanos): void {
    this.#size = 0;
    this.#rows = 0;
    this.#room(RECORD_HEAD);
    this.#view.setBigInt64(0, origin, true);
    this.#size = RECORD_HEAD;
  }

  // Add one row to the record begun.
  add(row: SegmentRow): void {
    const dupFrames = row.dupFrames;
    const bytes = row.bytes;
    const byteLength = bytes?.length ?? 0;
    this.#room(ROW_HEAD + dupFrames.length * 8 + byteLength);
    const view = this.#view;
    let at = this.#size;
    let flags = row.conflict ? CONFLICT : 0;
    if (row.frame !== undefined) flags |= HAS_FRAME;
    if (row.time !== undefined) flags |= HAS_TIME;
    if (row.firstTime !== undefined) flags |= HAS_FIRST_TIME;
    if (row.deliveredTime !== undefined) flags |= HAS_DELIVERED_TIME;
    if (row.gapAcked !== undefined) flags |= HAS_GAP_ACKED | (row.gapAcked ? GAP_ACKED : 0);
    if (bytes) flags |= HAS_BYTES;
    view.setUint8(at + AT_KIND, KINDS.indexOf(row.kind));
    view.setUint8(at + AT_FLAGS, flags);
    view.setFloat64(at + AT_OFFSET, row.offset, true);
    view.setFloat64(at + AT_LENGTH, row.length, true);
    view.setFloat64(at + AT_FRAME, row.frame ?? 0, true);
    view.setBigInt64(at + AT_TIME, row.time ?? 0n, true);
    view.setBigInt64(at + AT_FIRST_TIME, row.firstTime ?? 0n, true);
    view.setBigInt64(at + AT_DELIVERED_TIME, row.deliveredTime ?? 0n, true);
    view.setUint32(at + AT_COPIES, row.copies, true);
    view.setUint32(at + AT_DUP_COUNT, dupFrames.length, true);
    view.setUint32(at + AT_BYTE_LENGTH, byteLength, true);
    at += ROW_HEAD;
    for (const frame of dupFrames) {
      view.setFloat64(at, frame, true);
      at += 8;
    }
    if (bytes) this.#buffer.set(bytes, at);
    this.#size = at + byteLength;
    this.#rows += 1;
  }

  // The record so far; valid until the next begin() or add().
  take(): Uint8Array {
    return this.#buffer.subarray(0, this.#size);
  }

  #room(more: number): void {
    const needed = this.#size + more;
    if (needed <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#size);
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }
}

/** Rows read back from a record, with the origin their relative times count from. */
export interface HeldRows {
  origin: Nanos;
  rows: SegmentRow[];
}

// The kind of the row at `at` of a record (viewed by `view`), once its kind's code and its length
// (head, dupFrames, bytes) are seen to fit the record; an error when they do not.
export function heldRowKind(view: DataView, at: number): RowKind {
  const kind = KINDS[view.getUint8(at + AT_KIND)];
  const end = at + ROW_HEAD + view.getUint32(at + AT_DUP_COUNT, true) * 8 + view.getUint32(at + AT_BYTE_LENGTH, true);
  if (kind === undefined || end > view.byteLength) {
    throw new Error(`a held row at byte ${at} of a spool record of ${view.byteLength} bytes does not decode`);
  }
  return kind;
}

// Read a record back. With `copyBytes` false, each row's bytes are a view into `record`.
export function decodeHeldRows(record: Uint8Array, copyBytes: boolean): HeldRows {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const origin = view.getBigInt64(0, true);
  const rows: SegmentRow[] = [];
  for (let at = RECORD_HEAD; at < record.length; ) {
    const kind = heldRowKind(view, at);
    const flags = view.getUint8(at + AT_FLAGS);
    const dupCount = view.getUint32(at + AT_DUP_COUNT, true);
    const byteLength = view.getUint32(at + AT_BYTE_LENGTH, true);
    const dupFrames: number[] = [];
    let next = at + ROW_HEAD;
    for (let index = 0; index < dupCount; index++, next += 8) dupFrames.push(view.getFloat64(next, true));
    let bytes: Uint8Array | undefined;
    if (flags & HAS_BYTES) {
      const held = record.subarray(next, next + byteLength);
      bytes = copyBytes ? new Uint8Array(held) : held;
    }
    rows.push({
      kind,
      offset: view.getFloat64(at + AT_OFFSET, true),
      length: view.getFloat64(at + AT_LENGTH, true),
      frame: flags & HAS_FRAME ? view.getFloat64(at + AT_FRAME, true) : undefined,
      time: flags & HAS_TIME ? view.getBigInt64(at + AT_TIME, true) : undefined,
      firstTime: flags & HAS_FIRST_TIME ? view.getBigInt64(at + AT_FIRST_TIME, true) : undefined,
      deliveredTime: flags & HAS_DELIVERED_TIME ? view.getBigInt64(at + AT_DELIVERED_TIME, true) : undefined,
      copies: view.getUint32(at + AT_COPIES, true),
      dupFrames,
      conflict: (flags & CONFLICT) !== 0,
      gapAcked: flags & HAS_GAP_ACKED ? (flags & GAP_ACKED) !== 0 : undefined,
      bytes,
    });
    at = next + byteLength;
  }
  return { origin, rows };
}
