// Per-chunk view of a direction: runs of bytes with the same first copy at each point, the same
// copy counts and the same fate between the points (delivered, first copy lost, lost, …).

import type { Nanos } from '../time.js';
import type { PacketMatch } from './matching.js';
import type { PacketPlace } from './offsets.js';
import type { CapturedPacket } from './packet.js';
import type { CapturePoint } from './upstream.js';

/** What happened to a run of bytes between the points. */
export type ChunkStatus =
  | 'delivered' // the first upstream copy reached the downstream point
  | 'retransmitted-then-delivered' // the first upstream copy was lost between the points; a later one got through
  | 'lost-between' // seen upstream, never downstream
  | 'only-a' // seen only at A, which is downstream for this direction
  | 'only-b' // seen only at B, which is downstream for this direction
  | 'before-capture'; // seen upstream before the comparison starts (a point lacks the connection's start)

/** A run of bytes of one direction, in upstream/downstream terms. */
export interface ComparedChunk {
  offset: number;
  length: number;
  /** The first copy at each point (its index among the direction's packets there), when there is one. */
  firstUp: CapturedPacket | undefined;
  firstDown: CapturedPacket | undefined;
  upCopies: number;
  downCopies: number;
  /** Downstream time of the first downstream copy − upstream time of the first upstream copy. */
  delay: Nanos | undefined;
  status: ChunkStatus;
}

/** One side's packets with their places, as the chunk sweep takes them. */
export interface PlacedPackets {
  packets: readonly CapturedPacket[];
  places: readonly PacketPlace[];
}

interface Piece {
  start: number;
  end: number;
  index: number;
  up: boolean;
}

function lowestIndex(pieces: readonly Piece[]): number | undefined {
  let lowest: number | undefined;
  for (const piece of pieces) if (lowest === undefined || piece.index < lowest) lowest = piece.index;
  return lowest;
}

// The chunks of a direction, by offset; `downstream` names the downstream point (for only-a/only-b).
export function comparedChunks(up: PlacedPackets, down: PlacedPackets, match: PacketMatch, downstream: CapturePoint): ComparedChunk[] {
  const pieces: Piece[] = [];
  const take = (side: PlacedPackets, isUp: boolean): void => {
    side.places.forEach((place, index) => {
      if (place.end > place.start) pieces.push({ start: place.start, end: place.end, index, up: isUp });
    });
  };
  take(up, true);
  take(down, false);
  pieces.sort((x, y) => x.start - y.start);
  const boundaries = [...new Set(pieces.flatMap((piece) => [piece.start, piece.end]))].sort((x, y) => x - y);
  const chunks: ComparedChunk[] = [];
  let active: Piece[] = [];
  let next = 0;
  for (let step = 0; step + 1 < boundaries.length; step += 1) {
    const from = boundaries[step]!;
    const to = boundaries[step + 1]!;
    active = active.filter((piece) => piece.end > from);
    while (next < pieces.length && pieces[next]!.start <= from) active.push(pieces[next++]!);
    if (active.length === 0) continue;
    const ups = active.filter((piece) => piece.up);
    const downs = active.filter((piece) => !piece.up);
    const firstUpIndex = lowestIndex(ups);
    const firstDownIndex = lowestIndex(downs);
    let status: ChunkStatus;
    if (firstUpIndex === undefined) status = downstream === 'a' ? 'only-a' : 'only-b';
    else if (firstDownIndex === undefined) {
      status = ups.every((piece) => piece.index < match.firstJudged) ? 'before-capture' : 'lost-between';
    } else if (firstUpIndex < match.firstJudged || match.downOf[firstUpIndex] !== undefined) status = 'delivered';
    else status = 'retransmitted-then-delivered';
    const firstUp = firstUpIndex === undefined ? undefined : up.packets[firstUpIndex];
    const firstDown = firstDownIndex === undefined ? undefined : down.packets[firstDownIndex];
    const last = chunks[chunks.length - 1];
    if (
      last &&
      last.offset + last.length === from &&
      last.firstUp === firstUp &&
      last.firstDown === firstDown &&
      last.upCopies === ups.length &&
      last.downCopies === downs.length &&
      last.status === status
    ) {
      last.length += to - from;
      continue;
    }
    chunks.push({
      offset: from,
      length: to - from,
      firstUp,
      firstDown,
      upCopies: ups.length,
      downCopies: downs.length,
      delay: firstUp && firstDown ? firstDown.time - firstUp.time : undefined,
      status,
    });
  }
  return chunks;
}
