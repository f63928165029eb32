// Reassembler for one direction of one TCP stream: pure and push-based. Frames go in as they are
// read; rows come out when they are final (at the end, or when --max-buffer forces the earliest out).

import { type Frame, TcpFlag } from '../frame.js';
import type { Nanos } from '../time.js';
import { buildRows } from './rows.js';
import type { HeldSegment, OverlapPolicy, SegmentRow } from './segment.js';
import { seqDelta, unwrapSeq } from './seq.js';

/** How a frame was taken in by its direction's reassembler. */
export type SegmentVerdict = 'control' | 'data' | 'keep-alive' | 'capture-duplicate' | 'late';

/** Tuning of one direction's reassembly. */
export interface DirectionOptions {
  policy: OverlapPolicy;
  /** Payload bytes held before the earliest part is written out (and its gaps declared lost). */
  maxBuffer: number;
}

/** Counts a direction keeps about frames it did not place in the stream. */
export interface DirectionCounters {
  keepAlives: number;
  captureDuplicates: number;
  /** Bytes from before offset 0 (no SYN, retransmitted from before the capture began). */
  staleBytes: number;
  /** Bytes that arrived after their place had already been written out (see --max-buffer). */
  lateBytes: number;
}

// Frames with the same IP ID, sequence number and payload this close together are one frame captured twice.
const CAPTURE_DUPLICATE_WINDOW: Nanos = 10_000_000n;

export class DirectionReassembler {
  readonly #options: DirectionOptions;
  readonly counters: DirectionCounters = { keepAlives: 0, captureDuplicates: 0, staleBytes: 0, lateBytes: 0 };
  /** Raw sequence number that is position 0 of this direction's unwrapped space. */
  #anchor: number | undefined;
  /** Highest position seen so far: the reference for unwrapping the next number. */
  #high = 0;
  /** Position of the SYN's sequence number, and of the FIN's. */
  #syn: number | undefined;
  #fin: number | undefined;
  /** Start of the first data captured, in capture order (offset 0 when there is no SYN). */
  #firstData: number | undefined;
  /** End of the highest data seen so far, to recognise keep-alive probes (one byte at next−1). */
  #dataEnd: number | undefined;
  /** Position of offset 0, fixed when rows are first written. */
  #base: number | undefined;
  /** Everything before this position has been written out. */
  #written: number | undefined;
  /** Segments waiting to be written, and their payload bytes. */
  #held: HeldSegment[] = [];
  #heldBytes = 0;
  /** Highest acknowledgement number the peer sent (raw), and the delivered time carried across writes. */
  #ackRaw: number | undefined;
  #delivered: Nanos | undefined;
  #order = 0;
  /** Recent frames by IP ID + seq + length, to classify capture duplicates. */
  #recent = new Map<string, HeldSegment>();

  constructor(options: DirectionOptions) {
    this.#options = options;
  }

  #position(seq: number): number {
    this.#anchor ??= seq;
    const position = unwrapSeq(seq, this.#anchor, this.#high);
    if (position > this.#high) this.#high = position;
    return position;
  }

  // Take in one frame sent in this direction; returns how it was classified and any rows it forced out.
  push(frame: Frame): { verdict: SegmentVerdict; rows: SegmentRow[] } {
    const seqPosition = this.#position(frame.seq);
    const syn = (frame.flags & TcpFlag.SYN) !== 0;
    const fin = (frame.flags & TcpFlag.FIN) !== 0;
    const rst = (frame.flags & TcpFlag.RST) !== 0;
    if (syn && this.#syn === undefined) this.#syn = seqPosition;
    const start = syn ? seqPosition + 1 : seqPosition;
    if (fin) {
      const finPosition = start + frame.length;
      if (this.#fin === undefined || finPosition > this.#fin) this.#fin = finPosition;
    }
    const wireLength = Math.max(frame.length, frame.payload.length);
    if (this.#isKeepAlive(start, wireLength, syn || fin || rst)) {
      this.counters.keepAlives += 1;
      return { verdict: 'keep-alive', rows: [] };
    }
    if (wireLength === 0) return { verdict: 'control', rows: [] };
    const segment: HeldSegment = {
      start,
      bytes: frame.payload,
      wireLength,
      frame: frame.number,
      time: frame.time,
      order: this.#order++,
    };
    if (this.#isCaptureDuplicate(frame, segment)) {
      this.counters.captureDuplicates += 1;
      return { verdict: 'capture-duplicate', rows: [] };
    }
    this.#firstData ??= start;
    if (this.#dataEnd === undefined || start + wireLength > this.#dataEnd) this.#dataEnd = start + wireLength;
    if (start + wireLength > this.#high) this.#high = start + wireLength;
    const placed = this.#trimWritten(segment);
    if (!placed) return { verdict: 'late', rows: [] };
    this.#held.push(placed);
    this.#heldBytes += placed.wireLength;
    const rows = this.#heldBytes > this.#options.maxBuffer ? this.#writeEarliest() : [];
    return { verdict: 'data', rows };
  }

  // Note an acknowledgement number the peer sent (its ACK flag was set).
  acknowledge(ack: number): void {
    if (this.#ackRaw === undefined || seqDelta(ack, this.#ackRaw) > 0) this.#ackRaw = ack;
  }

  // Write out everything held: the final rows of this direction (call once, at the end of the stream).
  finish(): SegmentRow[] {
    if (this.#firstData === undefined && this.#syn === undefined) return [];
    const base = this.#fixBase();
    const from = this.#written ?? base;
    const ackedTo = this.#ackedTo();
    let to = from;
    for (const segment of this.#held) to = Math.max(to, segment.start + segment.wireLength);
    if (this.#fin !== undefined) to = Math.max(to, this.#fin);
    if (ackedTo !== undefined) to = Math.max(to, ackedTo);
    const rows = this.#rows(from, to);
    this.#held = [];
    this.#heldBytes = 0;
    this.#written = to;
    return rows;
  }

  /** Payload bytes currently held. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  #isKeepAlive(start: number, length: number, control: boolean): boolean {
    return !control && length <= 1 && this.#dataEnd !== undefined && start === this.#dataEnd - 1;
  }

  #isCaptureDuplicate(frame: Frame, segment: HeldSegment): boolean {
    if (frame.ipId === undefined || frame.ipId === 0) return false;
    const key = `${frame.ipId}:${frame.seq}:${segment.wireLength}:${frame.flags}`;
    const earlier = this.#recent.get(key);
    if (this.#recent.size > 4096) this.#recent.clear();
    this.#recent.set(key, segment);
    return (
      earlier !== undefined &&
      segment.time - earlier.time <= CAPTURE_DUPLICATE_WINDOW &&
      segment.time >= earlier.time &&
      Buffer.compare(earlier.bytes, segment.bytes) === 0
    );
  }

  #fixBase(): number {
    if (this.#base === undefined) {
      this.#base = this.#syn !== undefined ? this.#syn + 1 : this.#firstData!;
      // Bytes before offset 0 cannot be placed: they were sent before the capture saw this direction begin.
      const kept: HeldSegment[] = [];
      for (const segment of this.#held) {
        const trimmed = this.#trimBefore(segment, this.#base, 'staleBytes');
        if (trimmed) kept.push(trimmed);
      }
      this.#held = kept;
      this.#heldBytes = kept.reduce((sum, segment) => sum + segment.wireLength, 0);
    }
    return this.#base;
  }

  // Cut off the part of a segment before `limit`, counting the cut bytes; undefined if nothing is left.
  #trimBefore(segment: HeldSegment, limit: number, counter: 'staleBytes' | 'lateBytes'): HeldSegment | undefined {
    if (segment.start >= limit) return segment;
    const cut = limit - segment.start;
    this.counters[counter] += Math.min(cut, segment.wireLength);
    if (cut >= segment.wireLength) return undefined;
    return {
      ...segment,
      start: limit,
      bytes: segment.bytes.subarray(Math.min(cut, segment.bytes.length)),
      wireLength: segment.wireLength - cut,
    };
  }

  #trimWritten(segment: HeldSegment): HeldSegment | undefined {
    if (this.#written === undefined) return segment;
    return this.#trimBefore(segment, this.#written, 'lateBytes');
  }

  #ackedTo(): number | undefined {
    if (this.#ackRaw === undefined || this.#anchor === undefined) return undefined;
    const ack = unwrapSeq(this.#ackRaw, this.#anchor, this.#high);
    // An ACK covers the FIN's sequence number too; data ends at the FIN.
    return this.#fin !== undefined && ack > this.#fin ? this.#fin : ack;
  }

  #rows(from: number, to: number): SegmentRow[] {
    const { rows, deliveredAfter } = buildRows({
      segments: this.#held,
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
    const base = this.#fixBase();
    const from = this.#written ?? base;
    const sorted = [...this.#held].sort((a, b) => a.start - b.start);
    const target = this.#heldBytes - this.#options.maxBuffer / 2;
    let released = 0;
    let cut = from;
    for (const segment of sorted) {
      if (released >= target) break;
      released += segment.wireLength;
      cut = Math.max(cut, segment.start + segment.wireLength);
    }
    if (cut <= from) return [];
    const rows = this.#rows(from, cut);
    const kept: HeldSegment[] = [];
    let heldBytes = 0;
    for (const segment of this.#held) {
      if (segment.start + segment.wireLength <= cut) continue;
      const rest: HeldSegment =
        segment.start >= cut
          ? segment
          : {
              ...segment,
              start: cut,
              bytes: segment.bytes.subarray(Math.min(cut - segment.start, segment.bytes.length)),
              wireLength: segment.start + segment.wireLength - cut,
            };
      kept.push(rest);
      heldBytes += rest.wireLength;
    }
    this.#held = kept;
    this.#heldBytes = heldBytes;
    this.#written = cut;
    return rows;
  }
}
