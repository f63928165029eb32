// Pair each connection direction seen at capture point A with the same one seen at B: same
// 4-tuple and same ISN (raw sequence number of the sender's SYN).

import type { CaptureDirection } from './directions.js';
import { packetIdentity } from './packet.js';

/** One connection direction seen at both capture points. */
export interface DirectionPair {
  a: CaptureDirection;
  b: CaptureDirection;
}

/** The directions seen at both points, and those seen at one point only. */
export interface DirectionPairing {
  pairs: DirectionPair[];
  onlyA: CaptureDirection[];
  onlyB: CaptureDirection[];
}

function tupleOf(direction: CaptureDirection): string {
  return `${direction.key.src}|${direction.key.dst}`;
}

// True when two directions without a common ISN still carry at least one identical packet.
function sharePacket(a: CaptureDirection, b: CaptureDirection): boolean {
  const identities = new Set(a.packets.map(packetIdentity));
  return b.packets.some((packet) => identities.has(packetIdentity(packet)));
}

// Pair A's directions with B's: by 4-tuple and ISN; when a side lacks the SYN, by 4-tuple and a
// shared identical packet. Directions keep A's order (B's for those only in B).
export function pairDirections(a: readonly CaptureDirection[], b: readonly CaptureDirection[]): DirectionPairing {
  const byTuple = new Map<string, CaptureDirection[]>();
  for (const direction of b) {
    const list = byTuple.get(tupleOf(direction)) ?? [];
    list.push(direction);
    byTuple.set(tupleOf(direction), list);
  }
  const partner = new Map<CaptureDirection, CaptureDirection>();
  const taken = new Set<CaptureDirection>();
  // First the directions whose ISN both points saw, then the rest.
  for (const exact of [true, false]) {
    for (const direction of a) {
      if (partner.has(direction)) continue;
      const candidates = (byTuple.get(tupleOf(direction)) ?? []).filter((other) => !taken.has(other));
      const found = candidates.find((other) =>
        exact
          ? direction.isn !== undefined && other.isn === direction.isn
          : (direction.isn === undefined || other.isn === undefined) && sharePacket(direction, other),
      );
      if (found) {
        partner.set(direction, found);
        taken.add(found);
      }
    }
  }
  const pairs: DirectionPair[] = [];
  const onlyA: CaptureDirection[] = [];
  for (const direction of a) {
    const other = partner.get(direction);
    if (other) pairs.push({ a: direction, b: other });
    else onlyA.push(direction);
  }
  const onlyB = b.filter((direction) => !taken.has(direction));
  // A direction missing at one point while its reverse is paired: every packet of it was lost on the way.
  const pairedAt = { a: new Map<string, DirectionPair>(), b: new Map<string, DirectionPair>() };
  for (const pair of pairs) {
    pairedAt.a.set(directionId(pair.a), pair);
    pairedAt.b.set(directionId(pair.b), pair);
  }
  const completed = new Set<CaptureDirection>();
  const complete = (direction: CaptureDirection, side: 'a' | 'b'): void => {
    const reverse = pairedAt[side].get(directionId(direction, true));
    if (!reverse) return;
    const empty = emptyReverse(reverse[side === 'a' ? 'b' : 'a']);
    pairs.push(side === 'a' ? { a: direction, b: empty } : { a: empty, b: direction });
    completed.add(direction);
  };
  for (const direction of onlyA) complete(direction, 'a');
  for (const direction of onlyB) complete(direction, 'b');
  return {
    pairs,
    onlyA: onlyA.filter((direction) => !completed.has(direction)),
    onlyB: onlyB.filter((direction) => !completed.has(direction)),
  };
}

// Stream and endpoints of a direction (of its reverse, with `reversed`), as a map key.
function directionId(direction: CaptureDirection, reversed = false): string {
  const { stream, src, dst } = direction.key;
  return reversed ? `${stream}|${dst}|${src}` : `${stream}|${src}|${dst}`;
}

// The opposite direction of `direction` at the same point, with no packets.
function emptyReverse(direction: CaptureDirection): CaptureDirection {
  const key = direction.key;
  return {
    key: { stream: key.stream, srcAddress: key.dstAddress, srcPort: key.dstPort, dstAddress: key.srcAddress, dstPort: key.srcPort, src: key.dst, dst: key.src },
    isn: undefined,
    syn: false,
    packets: [],
  };
}
