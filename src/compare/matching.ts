// Match one direction's packets seen upstream with those seen downstream: the same identity
// (seq, ack, flags, window, length, IP ID or flow label, TSval, TSecr), sent no later than it
// arrived; identical copies first in, first out. This is mkcap's truth.py algorithm.

import type { Nanos } from '../time.js';
import { type CapturedPacket, packetIdentity } from './packet.js';

/** How the packets of one direction at the two points correspond. */
export interface PacketMatch {
  /** Per upstream packet: the index of its downstream copy, or undefined (not seen downstream). */
  downOf: (number | undefined)[];
  /** Per downstream packet: the index of its upstream original, or undefined (seen downstream only). */
  upOf: (number | undefined)[];
  /** Upstream packets before this index are not judged (the comparison starts at the first match
   *  when a point lacks the connection's start); from it on, an unmatched packet was lost between the points. */
  firstJudged: number;
  /** Downstream packets that could have matched more than one identical upstream copy. */
  ambiguous: number;
  /** How far the downstream clock may lag (ns) for a match: 0 unless unique packets arrived "before" they were sent. */
  clockSlack: Nanos;
}

// The lowest (down − up) time among packets that occur exactly once at each point; undefined if none.
function uniqueMinimumDelay(up: readonly CapturedPacket[], down: readonly CapturedPacket[]): Nanos | undefined {
  const count = (packets: readonly CapturedPacket[]): Map<string, CapturedPacket | undefined> => {
    const seen = new Map<string, CapturedPacket | undefined>();
    for (const packet of packets) {
      const identity = packetIdentity(packet);
      seen.set(identity, seen.has(identity) ? undefined : packet);
    }
    return seen;
  };
  const atDown = count(down);
  let minimum: Nanos | undefined;
  for (const [identity, packet] of count(up)) {
    const other = atDown.get(identity);
    if (!packet || !other) continue;
    const delay = other.time - packet.time;
    if (minimum === undefined || delay < minimum) minimum = delay;
  }
  return minimum;
}

// Match upstream and downstream packets; `judgeFromFirstMatch` when a point lacks the connection's start (no SYN).
export function matchPackets(up: readonly CapturedPacket[], down: readonly CapturedPacket[], judgeFromFirstMatch: boolean): PacketMatch {
  const minimum = uniqueMinimumDelay(up, down);
  const clockSlack = minimum !== undefined && minimum < 0n ? -minimum : 0n;
  const candidates = new Map<string, number[]>();
  up.forEach((packet, index) => {
    const identity = packetIdentity(packet);
    const list = candidates.get(identity) ?? [];
    list.push(index);
    candidates.set(identity, list);
  });
  const downOf: (number | undefined)[] = up.map(() => undefined);
  const upOf: (number | undefined)[] = [];
  let ambiguous = 0;
  for (const [index, packet] of down.entries()) {
    const list = candidates.get(packetIdentity(packet)) ?? [];
    const open = list.filter((candidate) => downOf[candidate] === undefined && up[candidate]!.time <= packet.time + clockSlack);
    const chosen = open[0];
    upOf.push(chosen);
    if (chosen === undefined) continue;
    if (open.length > 1) ambiguous += 1;
    downOf[chosen] = index;
  }
  let firstJudged = 0;
  if (judgeFromFirstMatch) {
    const first = downOf.findIndex((match) => match !== undefined);
    if (first >= 0) firstJudged = first;
  }
  return { downOf, upOf, firstJudged, ambiguous, clockSlack };
}
