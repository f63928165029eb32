// Which capture point is upstream (nearer the sender) for a connection direction: the one given
// by --a-side, else the one where TTL / hop limit is higher (it falls at each router), else the
// one that saw the packets first.

import { type EndpointSelector, endpointMatches } from '../endpoint.js';
import type { CaptureDirection } from './directions.js';
import { packetIdentity } from './packet.js';
import type { DirectionPair } from './pairing.js';

/** A capture point: `a` (the --a capture) or `b`. */
export type CapturePoint = 'a' | 'b';

/** How the upstream point was chosen. */
export type UpstreamReason = 'a-side' | 'ttl' | 'ttl-of-reverse' | 'timing' | 'default';

/** The upstream point of a direction and why. */
export interface UpstreamChoice {
  upstream: CapturePoint;
  reason: UpstreamReason;
  /** The most common TTL / hop limit of the direction at each point, when captured. */
  ttlA: number | undefined;
  ttlB: number | undefined;
}

// The other capture point.
export function otherPoint(point: CapturePoint): CapturePoint {
  return point === 'a' ? 'b' : 'a';
}

// The most common TTL of a direction's packets (undefined when the input has none).
function typicalTtl(direction: CaptureDirection): number | undefined {
  const counts = new Map<number, number>();
  for (const packet of direction.packets) {
    if (packet.ttl !== undefined) counts.set(packet.ttl, (counts.get(packet.ttl) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [ttl, count] of counts) {
    if (count > bestCount) [best, bestCount] = [ttl, count];
  }
  return best;
}

function ttlUpstream(pair: DirectionPair): CapturePoint | undefined {
  const ttlA = typicalTtl(pair.a);
  const ttlB = typicalTtl(pair.b);
  if (ttlA === undefined || ttlB === undefined || ttlA === ttlB) return undefined;
  return ttlA > ttlB ? 'a' : 'b';
}

// The point that saw most packets first, counting packets that occur once at each point.
function timingUpstream(pair: DirectionPair): CapturePoint | undefined {
  const once = (direction: CaptureDirection): Map<string, bigint> => {
    const times = new Map<string, bigint | undefined>();
    for (const packet of direction.packets) {
      const identity = packetIdentity(packet);
      times.set(identity, times.has(identity) ? undefined : packet.time);
    }
    return new Map([...times].filter((entry): entry is [string, bigint] => entry[1] !== undefined));
  };
  const atB = once(pair.b);
  let aFirst = 0;
  let bFirst = 0;
  for (const [identity, time] of once(pair.a)) {
    const other = atB.get(identity);
    if (other === undefined) continue;
    if (time < other) aFirst += 1;
    else if (other < time) bFirst += 1;
  }
  return aFirst === bFirst ? undefined : aFirst > bFirst ? 'a' : 'b';
}

// Choose the upstream point of `pair`; `reverse` is the opposite direction of the same connection, if paired.
export function chooseUpstream(pair: DirectionPair, reverse: DirectionPair | undefined, aSide: EndpointSelector | undefined): UpstreamChoice {
  const choice = (upstream: CapturePoint, reason: UpstreamReason): UpstreamChoice => ({
    upstream,
    reason,
    ttlA: typicalTtl(pair.a),
    ttlB: typicalTtl(pair.b),
  });
  const key = pair.a.key;
  if (aSide !== undefined) {
    const fromA = endpointMatches(aSide, key.srcAddress, key.srcPort);
    const toA = endpointMatches(aSide, key.dstAddress, key.dstPort);
    if (fromA !== toA) return choice(fromA ? 'a' : 'b', 'a-side');
  }
  const byTtl = ttlUpstream(pair);
  if (byTtl) return choice(byTtl, 'ttl');
  const byReverseTtl = reverse ? ttlUpstream(reverse) : undefined;
  if (byReverseTtl) return choice(otherPoint(byReverseTtl), 'ttl-of-reverse');
  const byTiming = timingUpstream(pair);
  if (byTiming) return choice(byTiming, 'timing');
  return choice('a', 'default');
}
