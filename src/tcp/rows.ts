// Pure core of reassembly: turn held segments into ordered rows (data, gaps, truncated bytes),
// choosing the kept copy per byte, counting copies and detecting conflicting overlaps.

import type { Nanos } from '../time.js';
import type { HeldSegment, OverlapPolicy, SegmentRow } from './segment.js';

/** What buildRows needs: the segments, the span to cover, and what the peer acknowledged. */
export interface RowSpan {
  segments: readonly HeldSegment[];
  /** Rows cover positions [from, to). */
  from: number;
  to: number;
  /** Position of offset 0. */
  base: number;
  policy: OverlapPolicy;
  /** Position up to which the peer acknowledged, if known. */
  ackedTo: number | undefined;
  /** Latest first-arrival time of all bytes before `from` (carried across partial flushes). */
  deliveredBefore: Nanos | undefined;
}

interface Piece {
  start: number;
  end: number;
  segment: HeldSegment;
  truncated: boolean;
}

function earlier(a: HeldSegment, b: HeldSegment): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}

function byCapture(a: HeldSegment, b: HeldSegment): number {
  return earlier(a, b) ? -1 : earlier(b, a) ? 1 : 0;
}

// True when two segments carry the same bytes over positions [from, to).
function sameBytes(a: HeldSegment, b: HeldSegment, from: number, to: number): boolean {
  const left = a.bytes.subarray(from - a.start, to - a.start);
  const right = b.bytes.subarray(from - b.start, to - b.start);
  return Buffer.compare(left, right) === 0;
}

function sameSet(a: readonly HeldSegment[], b: readonly HeldSegment[]): boolean {
  return a.length === b.length && a.every((segment, index) => segment === b[index]);
}

function slices(span: RowSpan): Piece[] {
  const pieces: Piece[] = [];
  for (const segment of span.segments) {
    const start = Math.max(segment.start, span.from);
    const dataEnd = Math.min(segment.start + segment.bytes.length, span.to);
    const wireEnd = Math.min(segment.start + segment.wireLength, span.to);
    if (start < dataEnd) pieces.push({ start, end: dataEnd, segment, truncated: false });
    const cutStart = Math.max(start, segment.start + segment.bytes.length);
    if (cutStart < wireEnd) pieces.push({ start: cutStart, end: wireEnd, segment, truncated: true });
  }
  return pieces.sort((a, b) => a.start - b.start);
}

interface OpenRow {
  row: SegmentRow;
  kept: HeldSegment | undefined;
  covering: HeldSegment[];
}

// Rows for positions [from, to) of one direction, in offset order, with the delivered time carried on.
export function buildRows(span: RowSpan): { rows: SegmentRow[]; deliveredAfter: Nanos | undefined } {
  const pieces = slices(span);
  const points = new Set<number>([span.from, span.to]);
  for (const piece of pieces) points.add(piece.start).add(piece.end);
  if (span.ackedTo !== undefined && span.ackedTo > span.from && span.ackedTo < span.to) points.add(span.ackedTo);
  const boundaries = [...points].filter((point) => point >= span.from && point <= span.to).sort((a, b) => a - b);

  const rows: SegmentRow[] = [];
  let open: OpenRow | undefined;
  let delivered = span.deliveredBefore;
  let active: Piece[] = [];
  let next = 0;
  for (let index = 0; index + 1 < boundaries.length; index += 1) {
    const from = boundaries[index]!;
    const to = boundaries[index + 1]!;
    active = active.filter((piece) => piece.end > from);
    while (next < pieces.length && pieces[next]!.start <= from) {
      if (pieces[next]!.end > from) active.push(pieces[next]!);
      next += 1;
    }
    const data = active.filter((piece) => !piece.truncated).map((piece) => piece.segment);
    const cut = active.filter((piece) => piece.truncated).map((piece) => piece.segment);
    let kind: SegmentRow['kind'];
    let covering: HeldSegment[];
    let kept: HeldSegment | undefined;
    let conflict = false;
    if (data.length > 0) {
      kind = 'data';
      covering = [...new Set(data)].sort(byCapture);
      kept = span.policy === 'first' ? covering[0]! : covering[covering.length - 1]!;
      conflict = covering.some((segment) => segment !== kept && !sameBytes(segment, kept!, from, to));
    } else if (cut.length > 0) {
      kind = 'truncated';
      covering = [...new Set(cut)].sort(byCapture);
      kept = covering[0]!;
    } else {
      kind = 'gap';
      covering = [];
    }
    const gapAcked = kind === 'gap' ? span.ackedTo !== undefined && to <= span.ackedTo : undefined;
    if (
      open &&
      open.row.kind === kind &&
      open.row.offset + open.row.length === from - span.base &&
      open.kept === kept &&
      open.row.gapAcked === gapAcked &&
      sameSet(open.covering, covering)
    ) {
      open.row.length += to - from;
      open.row.conflict ||= conflict;
      if (open.row.bytes && kept) open.row.bytes = kept.bytes.subarray(open.row.offset + span.base - kept.start, to - kept.start);
      continue;
    }
    const firstTime = covering[0]?.time;
    if (firstTime !== undefined && (delivered === undefined || firstTime > delivered)) delivered = firstTime;
    const row: SegmentRow = {
      kind,
      offset: from - span.base,
      length: to - from,
      frame: kept?.frame,
      time: kept?.time,
      firstTime,
      deliveredTime: kind === 'gap' ? undefined : delivered,
      copies: covering.length,
      dupFrames: covering.filter((segment) => segment !== kept).map((segment) => segment.frame),
      conflict,
      gapAcked,
      bytes: kind === 'data' && kept ? kept.bytes.subarray(from - kept.start, to - kept.start) : undefined,
    };
    rows.push(row);
    open = { row, kept, covering };
  }
  return { rows, deliveredAfter: delivered };
}
