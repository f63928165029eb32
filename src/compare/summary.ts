// The figures of one compared direction (stderr summary, --summary-json): packets and bytes lost
// between the points, retransmissions needed vs spurious, one-way delay, reordering, warnings.

import { flagLetters } from '../frame.js';
import { formatSeconds, type Nanos } from '../time.js';
import type { ComparedChunk } from './chunks.js';
import type { ComparedPacket } from './compared-packets.js';
import { delayFigures } from './delay-figures.js';
import type { PacketMatch } from './matching.js';
import { type DelayMilliseconds, delayMilliseconds } from './milliseconds.js';
import type { DirectionPair } from './pairing.js';
import type { Reordering } from './reordering.js';
import type { RetransmissionCount } from './retransmissions.js';
import type { CapturePoint, UpstreamChoice } from './upstream.js';

/** A packet lost between the points (seen upstream, never downstream). */
export interface LostPacket {
  /** Frame number at the upstream point. */
  frame: number;
  flags: string;
  /** Offset of its sequence number (−1 for a SYN). */
  offset: number;
  length: number;
  time: string;
}

/** Everything the summary reports about one direction; durations in seconds (9 decimals). */
export interface ComparisonSummary {
  streamA: number;
  streamB: number;
  src: string;
  dst: string;
  upstream: CapturePoint;
  upstreamReason: UpstreamChoice['reason'];
  ttlA: number | null;
  ttlB: number | null;
  /** Raw ISN of the sender, when a SYN was captured; offsets count from ISN+1. */
  isn: number | null;
  packets: {
    /** Upstream packets judged (those before the comparison starts are `beforeCapture`). */
    upstream: number;
    downstream: number;
    delivered: number;
    lost: number;
    /** Payload bytes of the lost packets (every copy counted). */
    lostDataBytes: number;
    /** Downstream packets with no upstream original. */
    onlyDownstream: number;
    ambiguous: number;
    beforeCapture: number;
  };
  /** Distinct stream bytes by chunk status. */
  bytes: {
    total: number;
    delivered: number;
    retransmittedThenDelivered: number;
    lostBetween: number;
    onlyDownstream: number;
    beforeCapture: number;
  };
  retransmissions: RetransmissionCount;
  reordered: { late: number; early: number };
  delay: { count: number; min: string; p50: string; p90: string; p99: string; max: string; mean: string; negative: number } | null;
  /** The same delays in milliseconds, rounded to 4 decimals as mkcap's truth.json writes them. */
  delayMs: DelayMilliseconds | null;
  lostPackets: LostPacket[];
  warnings: string[];
}

/** The parts of a compared direction the summary is made from. */
export interface SummaryInputs {
  pair: DirectionPair;
  upstream: UpstreamChoice;
  match: PacketMatch;
  reordering: Reordering;
  chunks: readonly ComparedChunk[];
  packets: readonly ComparedPacket[];
  retransmissions: RetransmissionCount;
}

// A duration in milliseconds with all 6 decimals (exact), for messages.
export function formatMilliseconds(nanos: Nanos): string {
  const negative = nanos < 0n;
  const magnitude = negative ? -nanos : nanos;
  return `${negative ? '-' : ''}${magnitude / 1_000_000n}.${(magnitude % 1_000_000n).toString().padStart(6, '0')}`;
}

// Summarize one compared direction.
export function summarizeComparison(inputs: SummaryInputs): ComparisonSummary {
  const { pair, upstream, match, reordering, chunks, packets } = inputs;
  const up = upstream.upstream === 'a' ? pair.a : pair.b;
  const down = upstream.upstream === 'a' ? pair.b : pair.a;
  const delays = packets.flatMap((packet) => (packet.delay === undefined ? [] : [packet.delay]));
  const figures = delayFigures(delays);
  const lostPackets: LostPacket[] = packets
    .filter((packet) => packet.status === 'lost-between' && packet.up)
    .map((packet) => ({
      frame: packet.up!.frame,
      flags: flagLetters(packet.up!.flags) || '.',
      offset: packet.place.offset,
      length: packet.up!.length,
      time: formatSeconds(packet.up!.time),
    }));
  const byStatus = (status: ComparedChunk['status'] | ComparedChunk['status'][]): number =>
    chunks.filter((chunk) => (Array.isArray(status) ? status.includes(chunk.status) : chunk.status === status)).reduce((sum, chunk) => sum + chunk.length, 0);
  const onlyDownstream = packets.filter((packet) => packet.up === undefined).length;
  const upName = upstream.upstream.toUpperCase();
  const downName = upstream.upstream === 'a' ? 'B' : 'A';
  const warnings: string[] = [];
  if (figures && figures.negative > 0) {
    warnings.push(
      `${figures.negative} of ${figures.count} one-way delays are negative (down to ${formatMilliseconds(figures.min)} ms): ` +
        `the capture clocks are not in sync; ${downName}'s clock is at least ${formatMilliseconds(-figures.min)} ms behind ${upName}'s`,
    );
  }
  if (onlyDownstream > 0 && up.syn && down.syn) {
    warnings.push(`${onlyDownstream} packets seen at ${downName} were never seen at ${upName} (capture loss at ${upName}, or a middlebox rewrites them)`);
  }
  return {
    streamA: pair.a.key.stream,
    streamB: pair.b.key.stream,
    src: pair.a.key.src,
    dst: pair.a.key.dst,
    upstream: upstream.upstream,
    upstreamReason: upstream.reason,
    ttlA: upstream.ttlA ?? null,
    ttlB: upstream.ttlB ?? null,
    isn: pair.a.isn ?? pair.b.isn ?? null,
    packets: {
      upstream: up.packets.length - match.firstJudged,
      downstream: down.packets.length,
      delivered: match.downOf.filter((index) => index !== undefined).length,
      lost: lostPackets.length,
      lostDataBytes: lostPackets.reduce((sum, packet) => sum + packet.length, 0),
      onlyDownstream,
      ambiguous: match.ambiguous,
      beforeCapture: match.firstJudged,
    },
    bytes: {
      total: chunks.reduce((sum, chunk) => sum + chunk.length, 0),
      delivered: byStatus('delivered'),
      retransmittedThenDelivered: byStatus('retransmitted-then-delivered'),
      lostBetween: byStatus('lost-between'),
      onlyDownstream: byStatus(['only-a', 'only-b']),
      beforeCapture: byStatus('before-capture'),
    },
    retransmissions: inputs.retransmissions,
    reordered: { late: reordering.lateCount, early: reordering.earlyCount },
    delay: figures
      ? {
          count: figures.count,
          min: formatSeconds(figures.min),
          p50: formatSeconds(figures.p50),
          p90: formatSeconds(figures.p90),
          p99: formatSeconds(figures.p99),
          max: formatSeconds(figures.max),
          mean: formatSeconds(figures.mean),
          negative: figures.negative,
        }
      : null,
    delayMs: delayMilliseconds(delays) ?? null,
    lostPackets,
    warnings,
  };
}
