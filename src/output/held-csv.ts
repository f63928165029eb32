// CSV lines of held rows made straight from a spool record's bytes (segment rows, hex payloads):
// the text segmentLineStart and the payload's hex make of decodeHeldRows(record), without a row
// object, a BigInt or a digit string of one per time. The tail of a large --all run writes
// gigabytes this way: in bench (b) its main-thread CPU (waits and the spool's closing aside) fell
// from 1.86 s to 1.30 s.
//
// A time is read as its two 32-bit halves. Within 2^52 ns (52 days) of the record's origin, its
// distance from the origin is a double exactly, and its text is made from plain numbers; any
// other time (and ISO 8601 text) goes the BigInt way, as formatTime writes it.

import { formatSeconds, formatTime, type Nanos, type TimeFormat } from '../time.js';
import {
  AT_BYTE_LENGTH,
  AT_COPIES,
  AT_DELIVERED_TIME,
  AT_DUP_COUNT,
  AT_FIRST_TIME,
  AT_FLAGS,
  AT_FRAME,
  AT_LENGTH,
  AT_OFFSET,
  AT_TIME,
  CONFLICT,
  GAP_ACKED,
  HAS_BYTES,
  HAS_DELIVERED_TIME,
  HAS_FIRST_TIME,
  HAS_FRAME,
  HAS_TIME,
  heldRowKind,
  RECORD_HEAD,
  ROW_HEAD,
} from './held-rows.js';
import type { OutputBytes } from './output-bytes.js';

const NEWLINE = 0x0a;
const NANOS = 1_000_000_000;
const TWO_32 = 4294967296;
// Two times whose high halves differ by less than this are less than 2^52 ns apart: their
// difference, (high − high) · 2^32 + (low − low), is a double exactly.
const NEAR = 1 << 20;

// `base` whole seconds plus a whole number of nanoseconds (|n| < 2^53) as seconds with 9
// decimals, when the sum is not negative (undefined when it is). The quotient n / 10^9 is never
// rounded onto a whole number it is not: it is at least 10^-9 from one, and below 2^24 a double's
// step is under 2 · 10^-9, so its floor is exact.
function secondsFrom(base: number, nanos: number): string | undefined {
  const seconds = Math.floor(nanos / NANOS);
  const whole = base + seconds;
  return whole >= 0 ? `${whole}.${String(NANOS + nanos - seconds * NANOS).slice(1)}` : undefined;
}

// A whole number of nanoseconds (|n| < 2^53) as formatSeconds writes it: a sign, then the magnitude.
function signedSecondsOf(nanos: number): string {
  return nanos < 0 ? `-${secondsFrom(0, -nanos)!}` : secondsFrom(0, nanos)!;
}

/** One held record being written out as CSV lines, a share at a time. */
export class HeldCsvRecord {
  readonly #record: Uint8Array;
  readonly #view: DataView;
  readonly #format: TimeFormat;
  /** The origin, as a BigInt and as its halves. */
  readonly #origin: Nanos;
  readonly #originLow: number;
  readonly #originHigh: number;
  /** The origin's whole seconds (toward zero) and the nanoseconds past them (negative for an
   *  origin before 1970), for epoch text: their sum with a time's distance is floored again. */
  readonly #originSeconds: number;
  readonly #originFraction: number;
  /** Where the next row starts. */
  #at = RECORD_HEAD;

  constructor(record: Uint8Array, format: TimeFormat) {
    this.#record = record;
    this.#view = new DataView(record.buffer, record.byteOffset, record.byteLength);
    this.#format = format;
    if (record.length < RECORD_HEAD) throw new Error(`a spool record of ${record.length} bytes is shorter than its head`);
    this.#origin = this.#view.getBigInt64(0, true);
    this.#originLow = this.#view.getUint32(0, true);
    this.#originHigh = this.#view.getInt32(4, true);
    const seconds = this.#origin / 1_000_000_000n;
    this.#originSeconds = Number(seconds);
    this.#originFraction = Number(this.#origin - seconds * 1_000_000_000n);
  }

  /** The time the record's relative times count from. */
  get origin(): Nanos {
    return this.#origin;
  }

  // Put rows' lines in `out`, each `head` (directionLineHead) and then its cells, until `out`
  // holds `room` bytes or more; true once the record's last row is in.
  render(out: OutputBytes, head: string, room: number): boolean {
    const record = this.#record;
    const view = this.#view;
    let at = this.#at;
    while (at < record.length && out.length < room) {
      const kind = heldRowKind(view, at);
      const flags = view.getUint8(at + AT_FLAGS);
      const dupCount = view.getUint32(at + AT_DUP_COUNT, true);
      const byteLength = view.getUint32(at + AT_BYTE_LENGTH, true);
      const hasTime = (flags & HAS_TIME) !== 0;
      const time = hasTime ? this.#timeText(at + AT_TIME) : '';
      let delivered = '';
      if (flags & HAS_DELIVERED_TIME) {
        delivered = hasTime && this.#sameTime(at + AT_DELIVERED_TIME, at + AT_TIME) ? time : this.#timeText(at + AT_DELIVERED_TIME);
      }
      const hol = flags & HAS_DELIVERED_TIME && flags & HAS_FIRST_TIME ? this.#between(at + AT_DELIVERED_TIME, at + AT_FIRST_TIME) : '';
      let dupFrames = '';
      let next = at + ROW_HEAD;
      for (let index = 0; index < dupCount; index++, next += 8) dupFrames += index === 0 ? `${view.getFloat64(next, true)}` : ` ${view.getFloat64(next, true)}`;
      const isGap = kind === 'gap';
      out.text(
        `${head}${kind},${view.getFloat64(at + AT_OFFSET, true)},${view.getFloat64(at + AT_LENGTH, true)},${
          flags & HAS_FRAME ? view.getFloat64(at + AT_FRAME, true) : ''
        },${time},${hasTime ? (this.#format === 'relative' ? time : this.#sinceOrigin(at + AT_TIME)) : ''},${delivered},${hol},${view.getUint32(at + AT_COPIES, true)},${dupFrames},${
          isGap ? '' : flags & CONFLICT ? 1 : 0
        },${isGap ? (flags & GAP_ACKED ? 1 : 0) : ''},`,
      );
      if (flags & HAS_BYTES) out.hex(record.subarray(next, next + byteLength));
      out.byte(NEWLINE);
      at = next + byteLength;
    }
    this.#at = at;
    return at >= record.length;
  }

  #sameTime(a: number, b: number): boolean {
    const view = this.#view;
    return view.getUint32(a, true) === view.getUint32(b, true) && view.getInt32(a + 4, true) === view.getInt32(b + 4, true);
  }

  // Nanoseconds from a time with halves (`low`, `high`) to the time at `at`, when that is exact
  // as a double (the two are less than 2^52 ns apart); undefined when it may not be.
  #nearDifference(at: number, low: number, high: number): number | undefined {
    const view = this.#view;
    const highs = view.getInt32(at + 4, true) - high;
    return highs > -NEAR && highs < NEAR ? highs * TWO_32 + (view.getUint32(at, true) - low) : undefined;
  }

  // Nanoseconds from the time at `b` to the time at `a`, as text (formatSeconds(a − b)).
  #between(a: number, b: number): string {
    const view = this.#view;
    const nanos = this.#nearDifference(a, view.getUint32(b, true), view.getInt32(b + 4, true));
    return nanos !== undefined ? signedSecondsOf(nanos) : formatSeconds(view.getBigInt64(a, true) - view.getBigInt64(b, true));
  }

  // The time at `at` as the rel_time cell: seconds since the origin.
  #sinceOrigin(at: number): string {
    const nanos = this.#nearDifference(at, this.#originLow, this.#originHigh);
    return nanos !== undefined ? signedSecondsOf(nanos) : formatSeconds(this.#view.getBigInt64(at, true) - this.#origin);
  }

  // The time at `at` as a time cell in the chosen format (formatTime).
  #timeText(at: number): string {
    if (this.#format === 'relative') return this.#sinceOrigin(at);
    if (this.#format === 'epoch') {
      // The origin's whole seconds, and the nanoseconds from them to this time.
      const nanos = this.#nearDifference(at, this.#originLow, this.#originHigh);
      const text = nanos === undefined ? undefined : secondsFrom(this.#originSeconds, this.#originFraction + nanos);
      if (text !== undefined) return text;
    }
    return formatTime(this.#view.getBigInt64(at, true), this.#format, this.#origin);
  }
}
