// The CSV/JSONL columns of `compare`: chunk rows (default) and packet rows (--packets), with the
// upstream/downstream copies written under the capture they come from (a_… and b_…).

import { flagLetters } from '../frame.js';
import { formatSeconds } from '../time.js';
import type { ComparedChunk } from './chunks.js';
import type { DirectionComparison } from './compare.js';
import type { ComparedPacket } from './compared-packets.js';
import type { CapturedPacket } from './packet.js';

/** Chunk row columns, in order. */
export const CHUNK_COLUMNS = [
  'stream',
  'src',
  'dst',
  'offset',
  'length',
  'a_frame',
  'a_time',
  'b_frame',
  'b_time',
  'delay',
  'a_copies',
  'b_copies',
  'status',
] as const;

/** Packet row columns (--packets), in order. */
export const PACKET_COLUMNS = [
  'stream',
  'src',
  'dst',
  'a_frame',
  'a_time',
  'b_frame',
  'b_time',
  'delay',
  'offset',
  'length',
  'flags',
  'ack_raw',
  'ip_id',
  'status',
  'reordered_late',
  'reordered_early',
] as const;

/** One output row: column name → cell. */
export type CompareRecord = Record<string, string | number>;

function frameCell(packet: CapturedPacket | undefined): string | number {
  return packet ? packet.frame : '';
}

function timeCell(packet: CapturedPacket | undefined): string {
  return packet ? formatSeconds(packet.time) : '';
}

// The chunk rows of a compared direction, as records.
export function chunkRecords(direction: DirectionComparison): CompareRecord[] {
  const aIsUp = direction.upstream.upstream === 'a';
  const key = direction.pair.a.key;
  return direction.chunks.map((chunk: ComparedChunk) => {
    const a = aIsUp ? chunk.firstUp : chunk.firstDown;
    const b = aIsUp ? chunk.firstDown : chunk.firstUp;
    return {
      stream: key.stream,
      src: key.src,
      dst: key.dst,
      offset: chunk.offset,
      length: chunk.length,
      a_frame: frameCell(a),
      a_time: timeCell(a),
      b_frame: frameCell(b),
      b_time: timeCell(b),
      delay: chunk.delay === undefined ? '' : formatSeconds(chunk.delay),
      a_copies: aIsUp ? chunk.upCopies : chunk.downCopies,
      b_copies: aIsUp ? chunk.downCopies : chunk.upCopies,
      status: chunk.status,
    };
  });
}

// The packet rows of a compared direction, as records.
export function packetRecords(direction: DirectionComparison): CompareRecord[] {
  const aIsUp = direction.upstream.upstream === 'a';
  const key = direction.pair.a.key;
  return direction.packets.map((packet: ComparedPacket) => {
    const a = aIsUp ? packet.up : packet.down;
    const b = aIsUp ? packet.down : packet.up;
    const seen = (packet.up ?? packet.down)!;
    return {
      stream: key.stream,
      src: key.src,
      dst: key.dst,
      a_frame: frameCell(a),
      a_time: timeCell(a),
      b_frame: frameCell(b),
      b_time: timeCell(b),
      delay: packet.delay === undefined ? '' : formatSeconds(packet.delay),
      offset: packet.place.offset,
      length: seen.length,
      flags: flagLetters(seen.flags),
      ack_raw: seen.ack,
      ip_id: seen.ipId ?? '',
      status: packet.status,
      reordered_late: packet.reorderedLate ? 1 : 0,
      reordered_early: packet.reorderedEarly ? 1 : 0,
    };
  });
}
