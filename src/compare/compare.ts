// Compare two capture points: pair their connection directions, decide which point is upstream
// for each, match packets, and derive chunks, packet rows and figures. Pure.

import type { EndpointSelector } from '../endpoint.js';
import type { Nanos } from '../time.js';
import { type ComparedChunk, comparedChunks } from './chunks.js';
import { type ComparedPacket, comparedPackets } from './compared-packets.js';
import type { CaptureDirection } from './directions.js';
import { type PacketMatch, matchPackets } from './matching.js';
import { type DirectionOrigin, directionOrigin, packetPlaces } from './offsets.js';
import { type DirectionPair, pairDirections } from './pairing.js';
import { type Reordering, reorderingOf } from './reordering.js';
import { countRetransmissions } from './retransmissions.js';
import { type ComparisonSummary, formatMilliseconds, summarizeComparison } from './summary.js';
import { chooseUpstream, otherPoint, type UpstreamChoice } from './upstream.js';

/** One direction compared between the two points. */
export interface DirectionComparison {
  pair: DirectionPair;
  upstream: UpstreamChoice;
  origin: DirectionOrigin;
  match: PacketMatch;
  reordering: Reordering;
  chunks: ComparedChunk[];
  packets: ComparedPacket[];
  summary: ComparisonSummary;
}

/** The comparison of two captures. */
export interface CaptureComparison {
  directions: DirectionComparison[];
  /** Connection directions seen at one point only. */
  onlyA: CaptureDirection[];
  onlyB: CaptureDirection[];
  /** B's clock minus A's, estimated from the lowest delays both ways (undefined without both). */
  clockOffset: Nanos | undefined;
}

/** How to compare. */
export interface CompareOptions {
  /** The endpoint on A's side of the path; its data is upstream at A (default: TTL, then timing). */
  aSide?: EndpointSelector | undefined;
}

// Compare one paired direction, given which point is upstream.
export function compareDirection(pair: DirectionPair, upstream: UpstreamChoice): DirectionComparison {
  const up = upstream.upstream === 'a' ? pair.a : pair.b;
  const down = upstream.upstream === 'a' ? pair.b : pair.a;
  const origin = directionOrigin(pair);
  const upPlaces = packetPlaces(up.packets, origin);
  const downPlaces = packetPlaces(down.packets, origin);
  // Without the connection's start at both points, judge loss from the first packet both saw.
  const match = matchPackets(up.packets, down.packets, !(up.syn && down.syn));
  const reordering = reorderingOf(match);
  const downstream = otherPoint(upstream.upstream);
  const chunks = comparedChunks({ packets: up.packets, places: upPlaces }, { packets: down.packets, places: downPlaces }, match, downstream);
  const packets = comparedPackets({ up: up.packets, upPlaces, down: down.packets, downPlaces, match, reordering, downstream });
  const retransmissions = countRetransmissions(upPlaces, match);
  const summary = summarizeComparison({ pair, upstream, match, reordering, chunks, packets, retransmissions });
  return { pair, upstream, origin, match, reordering, chunks, packets, summary };
}

function lowestDelay(comparison: DirectionComparison): Nanos | undefined {
  let lowest: Nanos | undefined;
  for (const packet of comparison.packets) {
    if (packet.delay !== undefined && (lowest === undefined || packet.delay < lowest)) lowest = packet.delay;
  }
  return lowest;
}

// B's clock minus A's from the lowest one-way delays measured both ways (symmetric path assumed).
function estimateClockOffset(directions: readonly DirectionComparison[]): Nanos | undefined {
  let aToB: Nanos | undefined;
  let bToA: Nanos | undefined;
  for (const direction of directions) {
    const lowest = lowestDelay(direction);
    if (lowest === undefined) continue;
    if (direction.upstream.upstream === 'a') aToB = aToB === undefined || lowest < aToB ? lowest : aToB;
    else bToA = bToA === undefined || lowest < bToA ? lowest : bToA;
  }
  return aToB === undefined || bToA === undefined ? undefined : (aToB - bToA) / 2n;
}

// Compare the connection directions of capture A with those of capture B.
export function compareCaptures(a: readonly CaptureDirection[], b: readonly CaptureDirection[], options: CompareOptions = {}): CaptureComparison {
  const pairing = pairDirections(a, b);
  const byDirection = new Map(pairing.pairs.map((pair) => [`${pair.a.key.stream}|${pair.a.key.src}|${pair.a.key.dst}`, pair]));
  const reverseOf = (pair: DirectionPair): DirectionPair | undefined => byDirection.get(`${pair.a.key.stream}|${pair.a.key.dst}|${pair.a.key.src}`);
  const directions = pairing.pairs.map((pair) => compareDirection(pair, chooseUpstream(pair, reverseOf(pair), options.aSide)));
  const clockOffset = estimateClockOffset(directions);
  if (clockOffset !== undefined && directions.some((direction) => (direction.summary.delay?.negative ?? 0) > 0)) {
    const sign = clockOffset < 0n ? 'behind' : 'ahead of';
    const magnitude = clockOffset < 0n ? -clockOffset : clockOffset;
    for (const direction of directions) {
      if ((direction.summary.delay?.negative ?? 0) === 0) continue;
      direction.summary.warnings.push(
        `from the lowest delays both ways, B's clock is about ${formatMilliseconds(magnitude)} ms ${sign} A's (assuming a symmetric path)`,
      );
    }
  }
  return { directions, onlyA: pairing.onlyA, onlyB: pairing.onlyB, clockOffset };
}
