// Per-direction summary figures (--summary, --summary-json): pure, from the reassembler's stats
// and the rows that were written.

import type { SegmentRow } from '../tcp/segment.js';
import type { DirectionInfo, StreamInfo } from '../tcp/streams.js';
import { formatSeconds } from '../time.js';
import { type WeightedSample, weightedPercentile } from './percentile.js';

/** Everything --summary reports about one direction (times as epoch strings, durations in seconds). */
export interface DirectionSummary {
  stream: number;
  src: string;
  dst: string;
  /** Bytes from offset 0 to the end of the direction (data + gaps). */
  bytes: number;
  dataBytes: number;
  dataFrames: number;
  gaps: { count: number; bytes: number; acked: number; unacked: number };
  retransmissions: { frames: number; bytes: number; spurious: number };
  partialOverlaps: number;
  conflicts: number;
  outOfOrderFrames: number;
  keepAlives: number;
  captureDuplicates: number;
  truncatedBytes: number;
  staleBytes: number;
  lateBytes: number;
  firstTime: string | null;
  lastTime: string | null;
  /** Data bytes per second of the direction's span, in bits per second. */
  goodputBps: number | null;
  holDelay: { p50: string | null; p90: string | null; p99: string | null; max: string | null };
  handshake: { synToSynAck: string | null; synAckToAck: string | null };
}

// Collects the head-of-line delay of written rows, per direction, weighted by bytes.
export class HolDelayCollector {
  readonly #samples = new Map<string, WeightedSample[]>();
  readonly #dataBytes = new Map<string, number>();

  // Take in rows written for a direction (keyed as the caller likes, e.g. stream|src|dst).
  add(key: string, rows: readonly SegmentRow[]): void {
    const samples = this.#samples.get(key) ?? [];
    this.#samples.set(key, samples);
    for (const row of rows) {
      if (row.kind !== 'data' || row.deliveredTime === undefined || row.firstTime === undefined) continue;
      samples.push({ value: row.deliveredTime - row.firstTime, weight: row.length });
      this.#dataBytes.set(key, (this.#dataBytes.get(key) ?? 0) + row.length);
    }
  }

  samples(key: string): readonly WeightedSample[] {
    return this.#samples.get(key) ?? [];
  }

  dataBytes(key: string): number {
    return this.#dataBytes.get(key) ?? 0;
  }

  // Forget a direction once its summary is made.
  drop(key: string): void {
    this.#samples.delete(key);
    this.#dataBytes.delete(key);
  }
}

/** The key HolDelayCollector and summaries use for a direction. */
export function directionId(direction: DirectionInfo): string {
  return `${direction.key.stream}|${direction.key.src}|${direction.key.dst}`;
}

function seconds(value: bigint | undefined): string | null {
  return value === undefined ? null : formatSeconds(value);
}

// The summary of one reassembled direction of a stream.
export function summarizeDirection(stream: StreamInfo, direction: DirectionInfo, hol: HolDelayCollector): DirectionSummary {
  const reassembler = direction.reassembler;
  if (!reassembler) throw new Error(`direction ${direction.key.src} → ${direction.key.dst} was not reassembled`);
  const stats = reassembler.stats;
  const gaps = reassembler.gaps();
  const id = directionId(direction);
  const samples = hol.samples(id);
  const dataBytes = hol.dataBytes(id);
  const span = stats.firstTime !== undefined && stats.lastTime !== undefined ? stats.lastTime - stats.firstTime : undefined;
  const percentile = (fraction: number): string | null => seconds(weightedPercentile(samples, fraction));
  return {
    stream: direction.key.stream,
    src: direction.key.src,
    dst: direction.key.dst,
    bytes: reassembler.streamLength,
    dataBytes,
    dataFrames: stats.dataFrames,
    gaps: { count: gaps.gaps, bytes: gaps.bytes, acked: gaps.ackedBytes, unacked: gaps.unackedBytes },
    retransmissions: { frames: stats.retransmittedFrames, bytes: stats.retransmittedBytes, spurious: stats.spuriousRetransmissions },
    partialOverlaps: stats.partialOverlaps,
    conflicts: stats.conflicts,
    outOfOrderFrames: stats.outOfOrder,
    keepAlives: stats.keepAlives,
    captureDuplicates: stats.captureDuplicates,
    truncatedBytes: stats.truncatedBytes,
    staleBytes: stats.staleBytes,
    lateBytes: stats.lateBytes,
    firstTime: seconds(stats.firstTime),
    lastTime: seconds(stats.lastTime),
    goodputBps: span !== undefined && span > 0n ? Math.round((dataBytes * 8 * 1e9) / Number(span)) : null,
    holDelay: { p50: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99), max: percentile(1) },
    handshake: {
      synToSynAck: stream.synTime !== undefined && stream.synAckTime !== undefined ? seconds(stream.synAckTime - stream.synTime) : null,
      synAckToAck:
        stream.synAckTime !== undefined && stream.handshakeAckTime !== undefined ? seconds(stream.handshakeAckTime - stream.synAckTime) : null,
    },
  };
}

// The human form of a summary: a few lines per direction, for stderr.
export function formatSummary(summaries: readonly DirectionSummary[]): string {
  const lines: string[] = [];
  for (const s of summaries) {
    lines.push(`stream ${s.stream} ${s.src} → ${s.dst}: ${s.bytes} bytes, ${s.dataBytes} captured in ${s.dataFrames} data frames`);
    lines.push(`  gaps: ${s.gaps.count} (${s.gaps.bytes} bytes: ${s.gaps.acked} acked, ${s.gaps.unacked} not acked)`);
    lines.push(
      `  retransmissions: ${s.retransmissions.frames} frames, ${s.retransmissions.bytes} bytes repeated, ${s.retransmissions.spurious} spurious; ` +
        `${s.partialOverlaps} partial overlaps, ${s.conflicts} conflicts, ${s.outOfOrderFrames} out of order`,
    );
    lines.push(
      `  keep-alives ${s.keepAlives}, capture duplicates ${s.captureDuplicates}, truncated ${s.truncatedBytes} bytes, stale ${s.staleBytes}, late ${s.lateBytes}`,
    );
    lines.push(
      `  time ${s.firstTime ?? '-'} … ${s.lastTime ?? '-'}, goodput ${s.goodputBps === null ? '-' : `${s.goodputBps} bit/s`}, ` +
        `hol_delay p50 ${s.holDelay.p50 ?? '-'} p90 ${s.holDelay.p90 ?? '-'} p99 ${s.holDelay.p99 ?? '-'} max ${s.holDelay.max ?? '-'} s`,
    );
    if (s.handshake.synToSynAck !== null || s.handshake.synAckToAck !== null) {
      lines.push(`  handshake: SYN→SYN/ACK ${s.handshake.synToSynAck ?? '-'} s, SYN/ACK→ACK ${s.handshake.synAckToAck ?? '-'} s`);
    }
  }
  return `${lines.join('\n')}\n`;
}
