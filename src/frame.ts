// A TCP frame as follow-tcp needs it, whatever PDML shape it came from.

import type { Nanos } from './time.js';

/** TCP flag bits, as in the header's flags byte. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** One captured TCP segment with the fields reassembly and reporting need. */
export interface Frame {
  /** Frame number, 1-based, as Wireshark shows it. */
  number: number;
  /** Capture time in nanoseconds since the epoch. */
  time: Nanos;
  srcAddress: string;
  dstAddress: string;
  srcPort: number;
  dstPort: number;
  /** tshark's `tcp.stream` index; undefined when the PDML does not carry it. */
  stream: number | undefined;
  /** Raw (absolute, on-wire) sequence number, 0 … 2^32−1. */
  seq: number;
  /** Raw acknowledgement number; meaningful when the ACK flag is set. */
  ack: number;
  /** Flag bits (see TcpFlag). */
  flags: number;
  /** Segment length on the wire (`tcp.len`); may exceed `payload.length` when the snap length cut it. */
  length: number;
  /** Payload bytes present in the capture (`tcp.payload`, or the RST data). */
  payload: Uint8Array;
  /** Receive window as advertised (unscaled field) and as tshark scaled it, when known. */
  window: number | undefined;
  windowScaled: number | undefined;
  /** IPv4 identification field; undefined for IPv6. */
  ipId: number | undefined;
  /** MSS and window-scale shift from the SYN options, when present. */
  mss: number | undefined;
  windowShift: number | undefined;
  /** tshark's own `tcp.analysis.*` flags on this frame (names without the prefix), for comparison only. */
  analysis: string[];
  /** IPv6 flow label; undefined for IPv4, for 0 (unlabelled) or when the PDML lacks it (two-point matching). */
  flowLabel?: number | undefined;
  /** IPv4 TTL or IPv6 hop limit, when known: it falls at each router, so it tells which capture point is upstream. */
  ttl?: number | undefined;
  /** TCP timestamp option (TSval, TSecr), when present (two-point matching). */
  tsval?: number | undefined;
  tsecr?: number | undefined;
}

// True when every bit of `flag` is set on the frame.
export function hasFlag(frame: Pick<Frame, 'flags'>, flag: number): boolean {
  return (frame.flags & flag) === flag;
}

// Flags as letters in tcpdump's order, e.g. "SA" for SYN/ACK, "FPA" for FIN/PSH/ACK.
export function flagLetters(flags: number): string {
  const letters: [number, string][] = [
    [TcpFlag.SYN, 'S'],
    [TcpFlag.FIN, 'F'],
    [TcpFlag.RST, 'R'],
    [TcpFlag.PSH, 'P'],
    [TcpFlag.ACK, 'A'],
    [TcpFlag.URG, 'U'],
    [TcpFlag.ECE, 'E'],
    [TcpFlag.CWR, 'C'],
  ];
  return letters.map(([bit, letter]) => (flags & bit ? letter : '')).join('');
}
