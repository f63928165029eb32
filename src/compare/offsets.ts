// Byte offsets of a direction, shared by both capture points: 0 is the byte after the SYN
// (ISN+1); without a SYN at either point, the lowest data byte either point captured.

import { TcpFlag } from '../frame.js';
import { seqDelta, unwrapSeq } from '../tcp/seq.js';
import type { CapturedPacket } from './packet.js';
import type { DirectionPair } from './pairing.js';

/** Where offset 0 of a direction lies. */
export interface DirectionOrigin {
  /** Raw sequence number of offset 0. */
  base: number;
  /** True when it comes from a captured SYN (ISN+1). */
  fromIsn: boolean;
}

// Offset 0 of a paired direction.
export function directionOrigin(pair: DirectionPair): DirectionOrigin {
  const isn = pair.a.isn ?? pair.b.isn;
  if (isn !== undefined) return { base: (isn + 1) >>> 0, fromIsn: true };
  const all = [...pair.a.packets, ...pair.b.packets];
  const data = all.filter((packet) => packet.length > 0);
  const candidates = data.length > 0 ? data : all;
  const reference = candidates[0]?.seq ?? 0;
  const lowest = Math.min(0, ...candidates.map((packet) => seqDelta(packet.seq, reference)));
  return { base: (reference + lowest) >>> 0, fromIsn: false };
}

/** Where a packet sits in the direction: its sequence number's offset and its data's range. */
export interface PacketPlace {
  /** Offset of the packet's sequence number (−1 for the SYN). */
  offset: number;
  /** The payload's range [start, end); empty when the packet carries no data. */
  start: number;
  end: number;
}

// The place of each packet, unwrapping sequence numbers past 4 GiB in file order.
export function packetPlaces(packets: readonly CapturedPacket[], origin: DirectionOrigin): PacketPlace[] {
  let near = 0;
  return packets.map((packet) => {
    const offset = unwrapSeq(packet.seq, origin.base, near);
    near = offset;
    const start = offset + (packet.flags & TcpFlag.SYN ? 1 : 0);
    return { offset, start, end: start + packet.length };
  });
}
