// Reassembler for one direction of one TCP stream: pure and push-based. Frames go in as they are
// read and are classified at once (frames command); rows come out when they are final (at the
// end, or when --max-buffer forces the earliest part out).

import { type Frame, TcpFlag } from '../frame.js';
import type { Nanos } from '../time.js';
import { AckMarks } from './ack-marks.js';
import { HeldSegments } from './held-segments.js';
import { IntervalSet } from './intervals.js';
import { buildRows } from './rows.js';
import type { HeldSegment, OverlapPolicy, SegmentRow } from './segment.js';
import { seqDelta, unwrapSeq } from './seq.js';

/** What a frame did to its direction's byte stream, in capture order (SPEC `frames` classes). */
export type FrameClass =
  | 'ok'
  | 'retransmission'
  | 'partial-retransmission'
  | 'out-of-order'
  | 'gap-before'
  | 'keep-alive'
  | 'capture-duplicate'
  | 'stale'
  | 'truncated'
  | 'conflict';

/** An earlier frame whose bytes this frame carried again: positions [start, end). */
export interface SegmentOverlap {
  frame: number;
  start: number;
  end: number;
}

/** The verdict on one frame, and any rows its arrival forced out. */
export interface FrameVerdict {
  class: FrameClass;
  /** Earlier frames (still held) that carried some of the same bytes. */
  overlaps: SegmentOverlap[];
  /** A retransmission of bytes the peer had already acknowledged when it was captured. */
  spurious: boolean;
  rows: SegmentRow[];
}

/** Tuning of one direction's reassembly. */
export interface DirectionOptions {
  policy: OverlapPolicy;
  /** Payload bytes held before the earliest part is written out (and its gaps declared lost). */
  maxBuffer: number;
  /** False: classify and count only, hold no bytes and write no rows (for `streams`). */
  holdData?: boolean;
  /** Acknowledged bytes are written once the ACK is this old in capture time (nanoseconds);
   *  undefined: hold until the end or --max-buffer. Copies captured later count as late. */
  settle?: Nanos;
}

/** Running counts about a direction, for summaries and `streams`. */
export interface DirectionStats {
  frames: number;
  dataFrames: number;
  /** Payload bytes captured, every copy counted. */
  payloadBytes: number;
  retransmittedFrames: number;
  /** Bytes carried again (every repeated byte of retransmissions and partial retransmissions). */
  retransmittedBytes: number;
  spuriousRetransmissions: number;
  partialOverlaps: number;
  conflicts: number;
  outOfOrder: number;
  keepAlives: number;
  captureDuplicates: number;
  /** Bytes on the wire that the snap length cut from the capture. */
  truncatedBytes: number;
  /** Bytes from before offset 0 (no SYN, retransmitted from before the capture began). */
  staleBytes: number;
  /** Bytes that arrived after their place had already been written out (see --max-buffer). */
  lateBytes: number;
  firstTime: Nanos | undefined;
  lastTime: Nanos | undefined;
}

/** Missing bytes of a direction: count of holes, bytes, and how many the peer acknowledged. */
export interface GapSummary {
  gaps: number;
  bytes: number;
  ackedBytes: number;
  unackedBytes: number;
}

// An acknowledgement more than this far (64 MiB) past the highest byte seen is ignored: no
// sender has that much in flight; such ACKs are stray or challenge ACKs of another connection.
const IMPLAUSIBLE_ACK_JUMP = 2 ** 26;

/** What a recent frame is compared on: a frame with the same IP ID, sequence number, wire length,
 *  flags and payload within CAPTURE_DUPLICATE_WINDOW is the same frame captured twice. */
interface RecentFrame {
  time: Nanos;
  bytes: Uint8Array;
  wireLength: number;
  flags: number;
  /** A recent frame with the same IP ID and seq but another wire length or flags. */
  other: RecentFrame | undefined;
}

// Frames with the same IP ID, sequence number and payload this close together are one frame captured twice.
const CAPTURE_DUPLICATE_WINDOW: Nanos = 10_000_000n;

function emptyStats(): DirectionStats {
  return {
    frames: 0,
    dataFrames: 0,
    payloadBytes: 0,
    retransmittedFrames: 0,
    retransmittedBytes: 0,
    spuriousRetransmissions: 0,
    partialOverlaps: 0,
    conflicts: 0,
    outOfOrder: 0,
    keepAlives: 0,
    captureDuplicates: 0,
    truncatedBytes: 0,
    staleBytes: 0,
    lateBytes: 0,
    firstTime: undefined,
    lastTime: undefined,
  };
}

export class DirectionReassembler {
  readonly #options: DirectionOptions;
  readonly stats: DirectionStats = emptyStats();
  /** Raw sequence number that is position 0 of this direction's unwrapped space. */
  #anchor: number | undefined;
  /** Highest position seen so far: the reference for unwrapping the next number. */
  #high = 0;
  /** Position of the SYN's sequence number, and of the FIN's. */
  #syn: number | undefined;
  #fin: number | undefined;
  /** Start of the first data captured, in capture order (offset 0 when there is no SYN). */
  #firstData: number | undefined;
  /** Positions some frame carried (wire lengths), to classify frames and count gaps. */
  readonly #seen = new IntervalSet();
  /** Position of offset 0, fixed when rows are first written. */
  #base: number | undefined;
  /** Everything before this position has been written out. */
  #written: number | undefined;
  /** Segments waiting to be written, sorted by start (then capture order). */
  readonly #held = new HeldSegments();
  /** Highest acknowledgement number the peer sent (raw), and the delivered time carried across writes. */
  #ackRaw: number | undefined;
  #delivered: Nanos | undefined;
  #order = 0;
  /** Recent frames by IP ID and seq (the latest of each), to classify capture duplicates (oldest
   *  first); made at the first data frame with an IP ID, dropped when the direction is finished. */
  #recent: Map<number, RecentFrame> | undefined;
  /** The entry the frame being pushed got in #recent, if any: it is pointed at the held copy of
   *  the bytes once they are held, so #recent never keeps the input's payload buffers alive. */
  #recentEntry: RecentFrame | undefined;
  /** ACK numbers from the peer as they advanced, with their capture times, not yet settled
   *  (only with a settle time, and only until the direction is finished). */
  #ackMarks: AckMarks | undefined;

  constructor(options: DirectionOptions) {
    this.#options = options;
    if (options.settle !== undefined) this.#ackMarks = new AckMarks();
  }

  #position(seq: number): number {
    this.#anchor ??= seq;
    const position = unwrapSeq(seq, this.#anchor, this.#high);
    if (position > this.#high) this.#high = position;
    return position;
  }

  // A raw sequence (or acknowledgement) number of this direction relative to its ISN, as
  // Wireshark numbers them (SYN = 0, first data byte = 1); undefined before anything was seen.
  relative(seq: number): number | undefined {
    if (this.#anchor === undefined) return undefined;
    return this.relativePosition(unwrapSeq(seq, this.#anchor, this.#high));
  }

  // A position (as in SegmentOverlap) relative to the ISN, as `relative` numbers sequence numbers.
  relativePosition(position: number): number {
    const origin = this.#syn ?? (this.#firstData === undefined ? (this.#anchor ?? 0) - 1 : this.#firstData - 1);
    return position - origin;
  }

  // Take in one frame sent in this direction: classify it, hold its bytes, and return any rows it forced out.
  push(frame: Frame): FrameVerdict {
    const stats = this.stats;
    stats.frames += 1;
    if (stats.firstTime === undefined || frame.time < stats.firstTime) stats.firstTime = frame.time;
    if (stats.lastTime === undefined || frame.time > stats.lastTime) stats.lastTime = frame.time;
    // A bare RST takes no sequence space and may carry any number (a reply to a stray ACK): skip it.
    if ((frame.flags & TcpFlag.RST) !== 0 && frame.length === 0 && frame.payload.length === 0 && this.#anchor !== undefined) {
      return { class: 'ok', overlaps: [], spurious: false, rows: [] };
    }
    const seqPosition = this.#position(frame.seq);
    const syn = (frame.flags & TcpFlag.SYN) !== 0;
    const fin = (frame.flags & TcpFlag.FIN) !== 0;
    const rst = (frame.flags & TcpFlag.RST) !== 0;
    if (syn && this.#syn === undefined) this.#syn = seqPosition;
    const start = syn ? seqPosition + 1 : seqPosition;
    if (fin && (this.#fin === undefined || start + frame.length > this.#fin)) this.#fin = start + frame.length;
    const wireLength = Math.max(frame.length, frame.payload.length);
    const end = start + wireLength;
    const seenEnd = this.#seen.end;
    if (!syn && !fin && !rst && wireLength <= 1 && seenEnd !== undefined && start === seenEnd - 1) {
      stats.keepAlives += 1;
      return { class: 'keep-alive', overlaps: [], spurious: false, rows: [] };
    }
    if (wireLength === 0) return { class: 'ok', overlaps: [], spurious: false, rows: [] };
    const segment: HeldSegment = { start, bytes: frame.payload, wireLength, frame: frame.number, time: frame.time, order: this.#order++ };
    if (this.#isCaptureDuplicate(frame, segment)) {
      stats.captureDuplicates += 1;
      return { class: 'capture-duplicate', overlaps: [], spurious: false, rows: [] };
    }
    stats.dataFrames += 1;
    stats.payloadBytes += frame.payload.length;
    stats.truncatedBytes += wireLength - frame.payload.length;
    this.#firstData ??= start;
    if (end > this.#high) this.#high = end;
    const overlaps = this.#overlapping(segment);
    const conflict = overlaps.some((overlap) => overlap.conflict);
    const repeated = this.#seen.covered(start, end);
    const base = this.#offsetZero()!;
    // The next byte expected: after the highest byte seen, or after the SYN before any data.
    const expected = seenEnd ?? (this.#syn !== undefined ? this.#syn + 1 : undefined);
    let verdict: FrameClass;
    let spurious = false;
    if (end <= base) verdict = 'stale';
    else if (repeated > 0) {
      stats.retransmittedBytes += repeated;
      if (repeated === wireLength) {
        stats.retransmittedFrames += 1;
        const acked = this.#ackedTo();
        spurious = acked !== undefined && acked >= end;
        if (spurious) stats.spuriousRetransmissions += 1;
        verdict = 'retransmission';
      } else {
        stats.partialOverlaps += 1;
        verdict = 'partial-retransmission';
      }
      if (conflict) {
        stats.conflicts += 1;
        verdict = 'conflict';
      }
    } else if (frame.payload.length < frame.length) verdict = 'truncated';
    else if (expected !== undefined && start > expected) verdict = 'gap-before';
    else if (expected !== undefined && start < expected) {
      stats.outOfOrder += 1;
      verdict = 'out-of-order';
    } else verdict = 'ok';
    this.#seen.add(start, end);
    const placed = this.#trimBefore(segment, this.#written);
    let rows: SegmentRow[] = [];
    if (placed && this.#options.holdData !== false) {
      const index = this.#held.add(placed);
      if (placed === segment && this.#recentEntry) this.#recentEntry.bytes = this.#held.bytes(index);
      if (this.#held.wireBytes > this.#options.maxBuffer) rows = this.#writeEarliest();
    }
    return { class: verdict, overlaps: overlaps.map(({ frame: number, start: from, end: to }) => ({ frame: number, start: from, end: to })), spurious, rows };
  }

  // Note an acknowledgement number the peer sent (its ACK flag was set) at capture time `time`.
  acknowledge(ack: number, time: Nanos): void {
    if (this.#ackRaw !== undefined && seqDelta(ack, this.#ackRaw) <= 0) return;
    // An ACK far beyond anything this side sent is not about this data (a stray or challenge ACK).
    if (this.#anchor !== undefined && unwrapSeq(ack, this.#anchor, this.#high) - this.#high > IMPLAUSIBLE_ACK_JUMP) return;
    this.#ackRaw = ack;
    this.#ackMarks?.push(ack, time);
  }

  // Write out the bytes whose acknowledgement is older than the settle time at capture time `now`.
  settle(now: Nanos): SegmentRow[] {
    const settle = this.#options.settle;
    if (settle === undefined || this.#options.holdData === false || this.#anchor === undefined || !this.#ackMarks) return [];
    const settled = this.#ackMarks.takeUpTo(now - settle);
    if (settled === undefined) return [];
    if (this.#firstData === undefined && this.#syn === undefined) return [];
    let cut = unwrapSeq(settled, this.#anchor, this.#high);
    if (this.#fin !== undefined && cut > this.#fin) cut = this.#fin;
    return this.#writeUpTo(cut);
  }

  /** True once the stream direction has nothing held. */
  get idle(): boolean {
    return this.#held.length === 0;
  }

  // Write out everything held: the final rows of this direction (call once, at the end of the stream).
  finish(): SegmentRow[] {
    // Nothing more comes for a finished direction: let go of what only later frames would need.
    this.#ackMarks = undefined;
    this.#recent = undefined;
    this.#recentEntry = undefined; // it points into a held chunk: it would pin that chunk for good
    if (this.#firstData === undefined && this.#syn === undefined) return [];
    const base = this.#fixBase();
    const from = this.#written ?? base;
    const to = Math.max(from, this.#expectedEnd());
    const rows = this.#rows(from, to);
    this.#held.clear();
    this.#written = to;
    return rows;
  }

  // Missing ranges between offset 0 and the expected end (FIN, ACK or last byte seen).
  gaps(): GapSummary {
    const summary: GapSummary = { gaps: 0, bytes: 0, ackedBytes: 0, unackedBytes: 0 };
    const base = this.#offsetZero();
    if (base === undefined) return summary;
    const acked = this.#ackedTo() ?? base;
    for (const [start, end] of this.#seen.missing(base, Math.max(base, this.#expectedEnd()))) {
      summary.gaps += 1;
      summary.bytes += end - start;
      const ackedPart = Math.max(0, Math.min(end, acked) - start);
      summary.ackedBytes += ackedPart;
      summary.unackedBytes += end - start - ackedPart;
    }
    return summary;
  }

  /** Bytes of this direction from offset 0 to the last byte seen, ACKed or announced by the FIN. */
  get streamLength(): number {
    const base = this.#offsetZero();
    return base === undefined ? 0 : Math.max(0, this.#expectedEnd() - base);
  }

  // Position of offset 0: fixed once rows were written, else after the SYN, else the first data
  // captured; undefined before either was seen.
  #offsetZero(): number | undefined {
    return this.#base ?? (this.#syn !== undefined ? this.#syn + 1 : this.#firstData);
  }

  /** Payload bytes currently held. */
  get heldBytes(): number {
    return this.#held.wireBytes;
  }

  #expectedEnd(): number {
    let end = this.#seen.end ?? this.#high;
    if (this.#seen.end === undefined && this.#syn !== undefined) end = this.#syn + 1;
    if (this.#fin !== undefined) end = Math.max(end, this.#fin);
    const acked = this.#ackedTo();
    if (acked !== undefined) end = Math.max(end, acked);
    return end;
  }

  #isCaptureDuplicate(frame: Frame, segment: HeldSegment): boolean {
    this.#recentEntry = undefined;
    if (frame.ipId === undefined || frame.ipId === 0) return false;
    // IP ID and sequence number in one exact number (16 + 32 bits): no key string per frame.
    const key = frame.ipId * 2 ** 32 + frame.seq;
    const recent = (this.#recent ??= new Map());
    const head = recent.get(key);
    let earlier = head;
    while (earlier !== undefined && (earlier.wireLength !== segment.wireLength || earlier.flags !== frame.flags)) earlier = earlier.other;
    // Forget frames too old to be duplicated (the map is in arrival order).
    for (const [oldKey, old] of recent) {
      if (old.time >= segment.time - CAPTURE_DUPLICATE_WINDOW && recent.size < 4096) break;
      recent.delete(oldKey);
    }
    recent.delete(key);
    // Frames under the same key with another length or flags stay (rare: a sender reusing IP IDs).
    let other: RecentFrame | undefined;
    for (let entry = head; entry !== undefined; entry = entry.other) {
      if (entry !== earlier && entry.time >= segment.time - CAPTURE_DUPLICATE_WINDOW) other = { ...entry, other };
    }
    this.#recentEntry = { time: segment.time, bytes: segment.bytes, wireLength: segment.wireLength, flags: frame.flags, other };
    recent.set(key, this.#recentEntry);
    return (
      earlier !== undefined &&
      segment.time >= earlier.time &&
      segment.time - earlier.time <= CAPTURE_DUPLICATE_WINDOW &&
      Buffer.compare(earlier.bytes, segment.bytes) === 0
    );
  }

  // Held segments that share positions with `segment`, and whether their bytes differ there.
  #overlapping(segment: HeldSegment): (SegmentOverlap & { conflict: boolean })[] {
    const found: (SegmentOverlap & { conflict: boolean })[] = [];
    const end = segment.start + segment.wireLength;
    const held = this.#held;
    for (let index = this.#insertionIndex(segment) - 1; index >= 0; index -= 1) {
      const earlierStart = held.start(index);
      if (earlierStart + held.longest <= segment.start) break;
      const from = Math.max(earlierStart, segment.start);
      const to = Math.min(earlierStart + held.wireLength(index), end);
      if (from >= to) continue;
      const mine = segment.bytes.subarray(from - segment.start, to - segment.start);
      const theirs = held.bytes(index).subarray(from - earlierStart, to - earlierStart);
      const comparable = Math.min(mine.length, theirs.length);
      const conflict = Buffer.compare(mine.subarray(0, comparable), theirs.subarray(0, comparable)) !== 0;
      found.push({ frame: held.frame(index), start: from, end: to, conflict });
    }
    return found.sort((a, b) => a.frame - b.frame);
  }

  // Where a segment goes in the held list (sorted by start, then capture order).
  #insertionIndex(segment: HeldSegment): number {
    const held = this.#held;
    let low = 0;
    let high = held.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const start = held.start(middle);
      if (start < segment.start || (start === segment.start && held.order(middle) < segment.order)) low = middle + 1;
      else high = middle;
    }
    // Segments starting at the same place or later but before `end` overlap too: move past them.
    while (low < held.length && held.start(low) < segment.start + segment.wireLength) low += 1;
    return low;
  }

  #fixBase(): number {
    if (this.#base === undefined) {
      this.#base = this.#offsetZero()!;
      // Bytes before offset 0 cannot be placed: they were sent before the capture saw this direction begin.
      this.stats.staleBytes += this.#held.trimBefore(this.#base);
    }
    return this.#base;
  }

  // A frame that came after the direction was finished: its bytes count as late.
  lateFrame(frame: Frame): void {
    this.stats.lateBytes += Math.max(frame.length, frame.payload.length);
  }

  // Cut off the part of an arriving segment before `limit` (already written), counting the cut
  // bytes as late; undefined if nothing is left.
  #trimBefore(segment: HeldSegment, limit: number | undefined): HeldSegment | undefined {
    if (limit === undefined || segment.start >= limit) return segment;
    const cut = limit - segment.start;
    this.stats.lateBytes += Math.min(cut, segment.wireLength);
    if (cut >= segment.wireLength) return undefined;
    return {
      ...segment,
      start: limit,
      bytes: segment.bytes.subarray(Math.min(cut, segment.bytes.length)),
      wireLength: segment.wireLength - cut,
    };
  }

  #ackedTo(): number | undefined {
    if (this.#ackRaw === undefined || this.#anchor === undefined) return undefined;
    const ack = unwrapSeq(this.#ackRaw, this.#anchor, this.#high);
    // An ACK covers the FIN's sequence number too; data ends at the FIN.
    return this.#fin !== undefined && ack > this.#fin ? this.#fin : ack;
  }

  // Rows for [from, to), built from the held segments that can reach into it (those starting before `to`).
  #rows(from: number, to: number): SegmentRow[] {
    const count = this.#held.countStartingBefore(to);
    const segments: HeldSegment[] = new Array<HeldSegment>(count);
    for (let index = 0; index < count; index += 1) segments[index] = this.#held.segment(index);
    const { rows, deliveredAfter } = buildRows({
      segments,
      from,
      to,
      base: this.#base!,
      policy: this.#options.policy,
      ackedTo: this.#ackedTo(),
      deliveredBefore: this.#delivered,
    });
    this.#delivered = deliveredAfter;
    return rows;
  }

  // Over --max-buffer: write out the lowest held positions until half the budget is free; gaps
  // among them are declared lost, and bytes arriving later for that range count as late.
  #writeEarliest(): SegmentRow[] {
    const held = this.#held;
    const target = held.wireBytes - this.#options.maxBuffer / 2;
    let released = 0;
    let cut = this.#written ?? this.#fixBase();
    for (let index = 0; index < held.length; index += 1) {
      if (released >= target) break;
      released += held.wireLength(index);
      cut = Math.max(cut, held.start(index) + held.wireLength(index));
    }
    return this.#writeUpTo(cut);
  }

  // Write the rows of positions before `cut` and drop what was held for them.
  #writeUpTo(cut: number): SegmentRow[] {
    const from = this.#written ?? this.#fixBase();
    if (cut <= from) return [];
    const rows = this.#rows(from, cut);
    this.#held.trimBefore(cut);
    this.#written = cut;
    return rows;
  }
}
