// The `frames` rows: one per TCP frame in capture order, with its class in its direction; and the
// comparison of those classes with tshark's expert flags.

import { flagLetters, type Frame, TcpFlag } from '../frame.js';
import type { FrameClass } from '../tcp/direction.js';
import type { FramePlacement } from '../tcp/streams.js';
import { formatSeconds } from '../time.js';

/** Columns of the `frames` output, in order. */
export const FRAME_COLUMNS = [
  'stream',
  'frame',
  'time',
  'rel_time',
  'src',
  'dst',
  'seq',
  'next_seq',
  'len',
  'flags',
  'ack',
  'window',
  'class',
  'overlaps',
  'tshark',
] as const;

export type FrameRecord = Record<(typeof FRAME_COLUMNS)[number], string | number>;

// The `frames` record of a frame that was reassembled in its direction.
export function frameRecord(frame: Frame, placement: FramePlacement): FrameRecord | undefined {
  const { verdict, direction, peer, stream } = placement;
  const reassembler = direction.reassembler;
  if (!verdict || !reassembler) return undefined;
  const seq = reassembler.relative(frame.seq) ?? 0;
  const syn = frame.flags & TcpFlag.SYN ? 1 : 0;
  const fin = frame.flags & TcpFlag.FIN ? 1 : 0;
  const length = Math.max(frame.length, frame.payload.length);
  const ack = frame.flags & TcpFlag.ACK ? (peer.reassembler?.relative(frame.ack) ?? frame.ack) : '';
  const overlaps = verdict.overlaps
    .map((overlap) => {
      const start = reassembler.relativePosition(overlap.start);
      const end = reassembler.relativePosition(overlap.end);
      return `${overlap.frame}:(${start},${end}:${end - start})`;
    })
    .join(' ');
  return {
    stream: direction.key.stream,
    frame: frame.number,
    time: formatSeconds(frame.time),
    rel_time: formatSeconds(frame.time - stream.firstTime),
    src: direction.key.src,
    dst: direction.key.dst,
    seq,
    next_seq: seq + syn + length + fin,
    len: length,
    flags: flagLetters(frame.flags),
    ack,
    window: frame.windowScaled ?? frame.window ?? '',
    class: verdict.class,
    overlaps,
    tshark: frame.analysis.join(' '),
  };
}

/** The labels our classes and tshark's flags are compared on. */
export type ComparedLabel = 'ok' | 'retransmission' | 'out-of-order' | 'gap-before' | 'keep-alive' | 'capture-duplicate';

// Our class as a label comparable with tshark's flags.
export function ourLabel(frameClass: FrameClass): ComparedLabel {
  switch (frameClass) {
    case 'retransmission':
    case 'partial-retransmission':
    case 'conflict':
    case 'stale':
      return 'retransmission';
    case 'out-of-order':
    case 'gap-before':
    case 'keep-alive':
    case 'capture-duplicate':
      return frameClass;
    case 'ok':
    case 'truncated':
      return 'ok';
  }
}

// tshark's expert flags on a frame as one label (its sequence-analysis verdict).
export function tsharkLabel(analysis: readonly string[]): ComparedLabel {
  if (analysis.includes('keep_alive')) return 'keep-alive';
  if (analysis.some((flag) => flag.endsWith('retransmission'))) return 'retransmission';
  if (analysis.includes('out_of_order')) return 'out-of-order';
  if (analysis.includes('lost_segment')) return 'gap-before';
  return 'ok';
}

/** Agreement between our classes and tshark's flags over a set of frames. */
export class TsharkAgreement {
  frames = 0;
  agreed = 0;
  readonly matrix = new Map<string, number>();
  readonly disagreements: { frame: number; ours: FrameClass; tshark: string }[] = [];

  // Count one frame.
  add(frame: Frame, frameClass: FrameClass): void {
    const ours = ourLabel(frameClass);
    const theirs = tsharkLabel(frame.analysis);
    this.frames += 1;
    const cell = `${ours}|${theirs}`;
    this.matrix.set(cell, (this.matrix.get(cell) ?? 0) + 1);
    if (ours === theirs) this.agreed += 1;
    else this.disagreements.push({ frame: frame.number, ours: frameClass, tshark: frame.analysis.join(' ') || '(none)' });
  }

  // The report: agreement rate, the label matrix (ours × tshark), and every disagreement.
  format(): string {
    const percent = this.frames === 0 ? '-' : ((100 * this.agreed) / this.frames).toFixed(1);
    const lines = [`agreement with tshark: ${this.agreed} of ${this.frames} frames (${percent}%)`, '', 'ours → tshark: frames'];
    for (const [cell, count] of [...this.matrix].sort((a, b) => b[1] - a[1])) {
      const [ours, theirs] = cell.split('|');
      lines.push(`  ${ours} → ${theirs}: ${count}`);
    }
    lines.push('', `disagreements (${this.disagreements.length}): frame, our class, tshark's flags`);
    for (const { frame, ours, tshark } of this.disagreements) lines.push(`  ${frame}  ${ours}  ${tshark}`);
    return `${lines.join('\n')}\n`;
  }
}
