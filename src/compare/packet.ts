// One packet of a connection direction as the two-point comparison needs it: no payload, just
// the header fields that identify the same packet at two capture points.

import type { Frame } from '../frame.js';
import type { Nanos } from '../time.js';

/** A captured TCP packet of one direction, in the capture's file order. */
export interface CapturedPacket {
  /** Position among its direction's packets in this capture (0-based, file order). */
  index: number;
  /** Frame number in its capture (1-based). */
  frame: number;
  time: Nanos;
  /** Raw sequence and acknowledgement numbers. */
  seq: number;
  ack: number;
  flags: number;
  /** `tcp.len`: payload bytes on the wire. */
  length: number;
  window: number | undefined;
  ipId: number | undefined;
  flowLabel: number | undefined;
  tsval: number | undefined;
  tsecr: number | undefined;
  ttl: number | undefined;
}

// The compact packet record of a frame, at `index` in its direction.
export function capturedPacket(frame: Frame, index: number): CapturedPacket {
  return {
    index,
    frame: frame.number,
    time: frame.time,
    seq: frame.seq,
    ack: frame.ack,
    flags: frame.flags,
    length: frame.length,
    window: frame.window,
    ipId: frame.ipId,
    flowLabel: frame.flowLabel,
    tsval: frame.tsval,
    tsecr: frame.tsecr,
    ttl: frame.ttl,
  };
}

// What identifies one sent packet at both points: seq, ack, flags, window, length, IP ID or flow
// label, TSval, TSecr (fields a router leaves alone; TTL and checksums change on the way).
export function packetIdentity(packet: CapturedPacket): string {
  const part = (value: number | undefined): string => (value === undefined ? '' : String(value));
  return [
    packet.seq,
    packet.ack,
    packet.flags,
    part(packet.window),
    packet.length,
    part(packet.ipId),
    part(packet.flowLabel),
    part(packet.tsval),
    part(packet.tsecr),
  ].join('|');
}
