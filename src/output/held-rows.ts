// Rows of a direction that must wait for its turn, as compact bytes for the spool file and back:
// the payload as it is (half the size of its hex), the other fields as numbers. The rows are
// turned into CSV, JSON lines or raw bytes only when their turn comes.

import type { Nanos } from '../time.js';
import type { RowKind, SegmentRow } from '../tcp/segment.js';

const KINDS: readonly RowKind[] = ['data', 'gap', 'truncated'];

// Which optional fields a row has (bit set = defined), and its two booleans.
const HAS_FRAME = 1;
const HAS_TIME = 2;
const HAS_FIRST_TIME = 4;
const HAS_DELIVERED_TIME = 8;
const HAS_GAP_ACKED = 16;
const HAS_BYTES = 32;
const CONFLICT = 64;
const GAP_ACKED = 128;

// kind, flags, offset, length, frame, time, firstTime, deliveredTime, copies, dupFrames count,
// bytes length; then the dupFrames and the bytes.
const ROW_HEAD = 1 + 1 + 8 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 4;
// A record begins with the direction's origin (the time relative times count from).
const RECORD_HEAD = 8;

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
    view.setUint8(at, KINDS.indexOf(row.kind));
    view.setUint8(at + 1, flags);
    view.setFloat64(at + 2, row.offset, true);
    view.setFloat64(at + 10, row.length, true);
    view.setFloat64(at + 18, row.frame ?? 0, true);
    view.setBigInt64(at + 26, row.time ?? 0n, true);
    view.setBigInt64(at + 34, row.firstTime ?? 0n, true);
    view.setBigInt64(at + 42, row.deliveredTime ?? 0n, true);
    view.setUint32(at + 50, row.copies, true);
    view.setUint32(at + 54, dupFrames.length, true);
    view.setUint32(at + 58, byteLength, true);
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

// Read a record back. With `copyBytes` false, each row's bytes are a view into `record`.
export function decodeHeldRows(record: Uint8Array, copyBytes: boolean): HeldRows {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const origin = view.getBigInt64(0, true);
  const rows: SegmentRow[] = [];
  for (let at = RECORD_HEAD; at < record.length; ) {
    const kind = KINDS[view.getUint8(at)];
    const flags = view.getUint8(at + 1);
    const dupCount = view.getUint32(at + 54, true);
    const byteLength = view.getUint32(at + 58, true);
    if (kind === undefined || at + ROW_HEAD + dupCount * 8 + byteLength > record.length) {
      throw new Error(`a held row at byte ${at} of a spool record of ${record.length} bytes does not decode`);
    }
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
      offset: view.getFloat64(at + 2, true),
      length: view.getFloat64(at + 10, true),
      frame: flags & HAS_FRAME ? view.getFloat64(at + 18, true) : undefined,
      time: flags & HAS_TIME ? view.getBigInt64(at + 26, true) : undefined,
      firstTime: flags & HAS_FIRST_TIME ? view.getBigInt64(at + 34, true) : undefined,
      deliveredTime: flags & HAS_DELIVERED_TIME ? view.getBigInt64(at + 42, true) : undefined,
      copies: view.getUint32(at + 50, true),
      dupFrames,
      conflict: (flags & CONFLICT) !== 0,
      gapAcked: flags & HAS_GAP_ACKED ? (flags & GAP_ACKED) !== 0 : undefined,
      bytes,
    });
    at = next + byteLength;
  }
  return { origin, rows };
}
