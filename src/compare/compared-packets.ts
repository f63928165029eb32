// Packet-level view of a direction: every packet seen at either point (data and pure ACKs), its
// copy at the other point, its fate between the points, its one-way delay and reordering.

import type { Nanos } from '../time.js';
import type { PacketMatch } from './matching.js';
import type { PacketPlace } from './offsets.js';
import type { CapturedPacket } from './packet.js';
import type { Reordering } from './reordering.js';
import type { CapturePoint } from './upstream.js';

/** What happened to one packet between the points. */
export type PacketStatus = 'delivered' | 'lost-between' | 'only-a' | 'only-b' | 'before-capture';

/** One packet of a direction, with its copy at each point when there is one. */
export interface ComparedPacket {
  up: CapturedPacket | undefined;
  down: CapturedPacket | undefined;
  /** Where it sits in the direction (from whichever point saw it, upstream first). */
  place: PacketPlace;
  status: PacketStatus;
  /** Downstream time − upstream time, for delivered packets. */
  delay: Nanos | undefined;
  reorderedLate: boolean;
  reorderedEarly: boolean;
}

/** The packets and places of a direction at both points, and how they match. */
export interface MatchedDirection {
  up: readonly CapturedPacket[];
  upPlaces: readonly PacketPlace[];
  down: readonly CapturedPacket[];
  downPlaces: readonly PacketPlace[];
  match: PacketMatch;
  reordering: Reordering;
  downstream: CapturePoint;
}

// Every packet of the direction: upstream ones in send order, downstream-only ones merged in by time.
export function comparedPackets(direction: MatchedDirection): ComparedPacket[] {
  const { up, down, match, reordering } = direction;
  const rows: { time: Nanos; row: ComparedPacket }[] = up.map((packet, index) => {
    const downIndex = match.downOf[index];
    const copy = downIndex === undefined ? undefined : down[downIndex];
    const status: PacketStatus = copy ? 'delivered' : index < match.firstJudged ? 'before-capture' : 'lost-between';
    return {
      time: packet.time,
      row: {
        up: packet,
        down: copy,
        place: direction.upPlaces[index]!,
        status,
        delay: copy ? copy.time - packet.time : undefined,
        reorderedLate: reordering.late[index] ?? false,
        reorderedEarly: reordering.early[index] ?? false,
      },
    };
  });
  const onlyDown = direction.downstream === 'a' ? 'only-a' : 'only-b';
  down.forEach((packet, index) => {
    if (match.upOf[index] !== undefined) return;
    rows.push({
      time: packet.time - match.clockSlack,
      row: { up: undefined, down: packet, place: direction.downPlaces[index]!, status: onlyDown, delay: undefined, reorderedLate: false, reorderedEarly: false },
    });
  });
  // A stable sort keeps send order among upstream packets with equal times.
  return rows.sort((x, y) => (x.time < y.time ? -1 : x.time > y.time ? 1 : 0)).map((entry) => entry.row);
}
