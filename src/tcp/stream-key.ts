// Stream numbers for PDML that lacks `tcp.stream`: one per connection, from the 4-tuple and SYNs.

import { type Frame, TcpFlag } from '../frame.js';

interface KnownConnection {
  stream: number;
  /** Raw sequence number of the client's SYN, when seen. */
  synSeq: number | undefined;
  /** A FIN or RST was seen: a new SYN on the same 4-tuple starts a new connection. */
  closing: boolean;
}

// Numbers connections in first-seen order, as tshark does: a new SYN on a closed 4-tuple is a new stream.
export class StreamKeyer {
  #next = 0;
  readonly #byTuple = new Map<string, KnownConnection>();

  // The stream number of a frame: tshark's when present, else computed.
  streamOf(frame: Frame): number {
    if (frame.stream !== undefined) return frame.stream;
    const a = `${frame.srcAddress}|${frame.srcPort}`;
    const b = `${frame.dstAddress}|${frame.dstPort}`;
    const tuple = a < b ? `${a}|${b}` : `${b}|${a}`;
    const isClientSyn = (frame.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    let known = this.#byTuple.get(tuple);
    if (known && isClientSyn && known.synSeq !== frame.seq && (known.closing || known.synSeq !== undefined)) {
      known = undefined;
    }
    if (!known) {
      known = { stream: this.#next++, synSeq: undefined, closing: false };
      this.#byTuple.set(tuple, known);
    }
    if (isClientSyn) known.synSeq ??= frame.seq;
    if (frame.flags & (TcpFlag.FIN | TcpFlag.RST)) known.closing = true;
    return known.stream;
  }
}
