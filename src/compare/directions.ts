// Group one capture's TCP frames into connection directions (tcp.stream + sender), each with its
// ISN and its packets in file order. Pure and push-based.

import { canonicalAddress, formatEndpoint } from '../endpoint.js';
import { type Frame, TcpFlag } from '../frame.js';
import { StreamKeyer } from '../tcp/stream-key.js';
import type { DirectionKey } from '../tcp/streams.js';
import { type CapturedPacket, capturedPacket } from './packet.js';

/** One direction of one connection as one capture point saw it. */
export interface CaptureDirection {
  key: DirectionKey;
  /** Raw sequence number of this sender's SYN, when the capture holds it. */
  isn: number | undefined;
  /** True when a SYN of this sender was captured. */
  syn: boolean;
  packets: CapturedPacket[];
}

// Collects frames into directions in the order each direction was first seen.
export class DirectionCollector {
  readonly #keyer = new StreamKeyer();
  readonly #directions = new Map<string, CaptureDirection>();
  /** TCP frames read, selected or not. */
  framesRead = 0;

  // Take one frame; `select` decides whether its direction is kept.
  push(frame: Frame, select: (key: DirectionKey) => boolean = () => true): void {
    this.framesRead += 1;
    const stream = this.#keyer.streamOf(frame);
    const srcAddress = canonicalAddress(frame.srcAddress);
    const dstAddress = canonicalAddress(frame.dstAddress);
    const id = `${stream}|${srcAddress}|${frame.srcPort}|${dstAddress}|${frame.dstPort}`;
    let direction = this.#directions.get(id);
    if (!direction) {
      const key: DirectionKey = {
        stream,
        srcAddress,
        srcPort: frame.srcPort,
        dstAddress,
        dstPort: frame.dstPort,
        src: formatEndpoint(srcAddress, frame.srcPort),
        dst: formatEndpoint(dstAddress, frame.dstPort),
      };
      if (!select(key)) return;
      direction = { key, isn: undefined, syn: false, packets: [] };
      this.#directions.set(id, direction);
    }
    if (frame.flags & TcpFlag.SYN) {
      direction.syn = true;
      direction.isn ??= frame.seq;
    }
    direction.packets.push(capturedPacket(frame, direction.packets.length));
  }

  // The directions collected so far, first seen first.
  directions(): CaptureDirection[] {
    return [...this.#directions.values()];
  }
}
