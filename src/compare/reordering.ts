// Reordering between the points (RFC 4737): a packet is "late" when it arrives after a packet
// that was sent after it, "early" when it arrives before a packet that was sent before it.

import type { PacketMatch } from './matching.js';

/** Per upstream packet: reordered late / early (false for packets not delivered), and the counts. */
export interface Reordering {
  late: boolean[];
  early: boolean[];
  lateCount: number;
  earlyCount: number;
}

// Reordering of the delivered packets of a direction, from the match.
export function reorderingOf(match: PacketMatch): Reordering {
  const late = match.downOf.map(() => false);
  const early = match.downOf.map(() => false);
  // Upstream (send-order) indices in the order they arrived downstream.
  const arrival = match.upOf.filter((index): index is number => index !== undefined);
  let highest = -1;
  for (const index of arrival) {
    if (index < highest) late[index] = true;
    highest = Math.max(highest, index);
  }
  let lowest = Number.POSITIVE_INFINITY;
  for (const index of [...arrival].reverse()) {
    if (index > lowest) early[index] = true;
    lowest = Math.min(lowest, index);
  }
  return {
    late,
    early,
    lateCount: late.filter(Boolean).length,
    earlyCount: early.filter(Boolean).length,
  };
}
