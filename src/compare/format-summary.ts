// The human summary of a comparison, for stderr: per direction, then the directions seen at one point only.

import { parseEpoch } from '../time.js';
import type { CaptureComparison } from './compare.js';
import type { CaptureDirection } from './directions.js';
import { type ComparisonSummary, formatMilliseconds } from './summary.js';

function milliseconds(seconds: string): string {
  return formatMilliseconds(parseEpoch(seconds) ?? 0n);
}

function upstreamWhy(summary: ComparisonSummary): string {
  const point = summary.upstream.toUpperCase();
  switch (summary.upstreamReason) {
    case 'a-side':
      return `upstream ${point} (--a-side)`;
    case 'ttl':
      return `upstream ${point}: TTL ${summary.ttlA} at A, ${summary.ttlB} at B`;
    case 'ttl-of-reverse':
      return `upstream ${point}: TTL of the reverse direction`;
    case 'timing':
      return `upstream ${point}: it saw the packets first`;
    case 'default':
      return `upstream ${point} (assumed: nothing tells the points apart)`;
  }
}

// The lines of one direction's summary.
export function formatDirectionSummary(summary: ComparisonSummary): string {
  const down = summary.upstream === 'a' ? 'B' : 'A';
  const { packets, bytes, retransmissions, reordered, delay } = summary;
  const lines = [
    `${summary.src} → ${summary.dst}  (stream ${summary.streamA} at A, ${summary.streamB} at B; ${upstreamWhy(summary)})`,
    `  packets    ${packets.upstream} upstream, ${packets.downstream} downstream: ${packets.delivered} delivered, ` +
      `${packets.lost} lost between the points (${packets.lostDataBytes} data bytes), ${packets.onlyDownstream} only at ${down}` +
      (packets.beforeCapture > 0 ? `, ${packets.beforeCapture} before the comparison starts` : '') +
      (packets.ambiguous > 0 ? `; ${packets.ambiguous} matched first-in first-out among identical copies` : ''),
    `  bytes      ${bytes.total}: ${bytes.delivered} delivered, ${bytes.retransmittedThenDelivered} retransmitted then delivered, ` +
      `${bytes.lostBetween} lost between, ${bytes.onlyDownstream} only at ${down}` +
      (bytes.beforeCapture > 0 ? `, ${bytes.beforeCapture} before the comparison starts` : ''),
    `  retrans    ${retransmissions.total}: ${retransmissions.needed} needed, ${retransmissions.spurious} spurious (the first copy had got through)`,
    delay
      ? `  delay ms   min ${milliseconds(delay.min)}  p50 ${milliseconds(delay.p50)}  p90 ${milliseconds(delay.p90)}  ` +
        `p99 ${milliseconds(delay.p99)}  max ${milliseconds(delay.max)}  mean ${milliseconds(delay.mean)}  (${delay.count} packets)`
      : '  delay ms   none: no packet was seen at both points',
    `  reordered  ${reordered.late} late, ${reordered.early} early (RFC 4737)`,
    ...summary.warnings.map((warning) => `  warning: ${warning}`),
  ];
  return `${lines.join('\n')}\n`;
}

function listLine(point: string, direction: CaptureDirection): string {
  const isn = direction.isn === undefined ? 'no SYN' : `ISN ${direction.isn}`;
  return `only at ${point}: stream ${direction.key.stream} ${direction.key.src} → ${direction.key.dst} (${direction.packets.length} packets, ${isn})\n`;
}

// The directions seen at one point only, one line each.
export function formatUnpaired(comparison: Pick<CaptureComparison, 'onlyA' | 'onlyB'>): string {
  return [...comparison.onlyA.map((direction) => listLine('A', direction)), ...comparison.onlyB.map((direction) => listLine('B', direction))].join('');
}

// The whole human summary.
export function formatComparisonSummary(comparison: CaptureComparison): string {
  return comparison.directions.map((direction) => formatDirectionSummary(direction.summary)).join('') + formatUnpaired(comparison);
}
