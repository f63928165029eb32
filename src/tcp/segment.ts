// The shapes the reassembler works with: segments held for one direction, and the rows it emits.

import type { Nanos } from '../time.js';

/** Which copy of overlapping bytes is kept: the first captured (default) or the last. */
export type OverlapPolicy = 'first' | 'last';

/** One frame's payload placed in a direction's sequence space (positions count from the direction's anchor). */
export interface HeldSegment {
  /** Position of the first payload byte. */
  start: number;
  /** Payload bytes present in the capture. */
  bytes: Uint8Array;
  /** Length on the wire; bytes past `bytes.length` were cut by the snap length. */
  wireLength: number;
  frame: number;
  time: Nanos;
  /** Capture order within the direction, to break ties between equal times. */
  order: number;
}

/** What a row of the reassembled stream describes. */
export type RowKind = 'data' | 'gap' | 'truncated';

/** One row of a reassembled direction: a contiguous chunk kept from one frame, or a gap. */
export interface SegmentRow {
  kind: RowKind;
  /** Byte offset in the direction; 0 is the byte after the SYN (or the first byte captured). */
  offset: number;
  length: number;
  /** The frame whose copy was kept (data) or that showed the bytes' existence (truncated). */
  frame: number | undefined;
  time: Nanos | undefined;
  /** Earliest capture of these bytes by any copy. */
  firstTime: Nanos | undefined;
  /** When these bytes became deliverable in order: the latest first arrival up to and including them. */
  deliveredTime: Nanos | undefined;
  /** Frames that carried (part of) these bytes; `dupFrames` are the ones not kept. */
  copies: number;
  dupFrames: number[];
  /** True when a copy carried different bytes than the kept one. */
  conflict: boolean;
  /** Gap rows: true when the peer acknowledged past the gap (lost by the capture, not the network). */
  gapAcked: boolean | undefined;
  bytes: Uint8Array | undefined;
}
