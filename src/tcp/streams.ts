// Route frames to one reassembler per stream direction, feed each the peer's ACKs, and collect
// what is needed to list the streams. Pure: rows are handed to a callback, nothing is written here.

import { formatEndpoint } from '../endpoint.js';
import { type Frame, TcpFlag } from '../frame.js';
import type { Nanos } from '../time.js';
import { DirectionReassembler, type DirectionOptions, type SegmentVerdict } from './direction.js';
import type { SegmentRow } from './segment.js';
import { StreamKeyer } from './stream-key.js';

/** One direction of one stream: who sends to whom. */
export interface DirectionKey {
  stream: number;
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
  /** `ip:port` / `[v6]:port` of each end. */
  src: string;
  dst: string;
}

/** Rows of one direction, with the stream's first capture time (for relative times). */
export interface DirectionRows {
  direction: DirectionKey;
  origin: Nanos;
  rows: SegmentRow[];
}

/** What follow-tcp knows about one direction of a stream after reading it. */
export interface DirectionInfo {
  key: DirectionKey;
  frames: number;
  /** Payload bytes as captured, every copy counted. */
  payloadBytes: number;
  sawSyn: boolean;
  sawFin: boolean;
  sawRst: boolean;
  reassembler: DirectionReassembler | undefined;
}

/** One stream as listed by `streams` and in the "select one" message. */
export interface StreamInfo {
  stream: number;
  /** The client's direction first (the SYN sender; else a guess: `clientGuessed`). */
  directions: DirectionInfo[];
  clientGuessed: boolean;
  firstTime: Nanos;
  lastTime: Nanos;
}

/** Reassembly options plus which directions to rebuild. */
export interface FollowOptions extends DirectionOptions {
  /** Directions to reassemble; others are only counted. Default: all. */
  select?: (key: DirectionKey) => boolean;
  /** Stop reassembling once a second stream shows up (the caller will ask the user to choose). */
  singleStream?: boolean;
}

interface Connection {
  info: StreamInfo;
  byEndpoint: Map<string, DirectionInfo>;
  /** Sender key of the client when known from a SYN. */
  clientKey: string | undefined;
  firstKey: string;
}

function endpointKey(address: string, port: number): string {
  return `${address}|${port}`;
}

// Reassembles every selected stream direction of a capture, frame by frame.
export class StreamFollower {
  readonly #options: FollowOptions;
  readonly #onRows: (batch: DirectionRows) => void;
  readonly #keyer = new StreamKeyer();
  readonly #connections = new Map<number, Connection>();
  #reassembling = true;
  /** Frames that were not TCP or could not be placed are not counted here; see `frames`. */
  framesRead = 0;

  constructor(options: FollowOptions, onRows: (batch: DirectionRows) => void) {
    this.#options = options;
    this.#onRows = onRows;
  }

  /** True once `singleStream` was asked for and a second stream appeared. */
  get ambiguous(): boolean {
    return !this.#reassembling;
  }

  // Take in the next frame in capture order; returns its verdict in its direction (if reassembled).
  push(frame: Frame): SegmentVerdict | undefined {
    this.framesRead += 1;
    const stream = this.#keyer.streamOf(frame);
    const connection = this.#connection(stream, frame);
    const sender = endpointKey(frame.srcAddress, frame.srcPort);
    const receiver = endpointKey(frame.dstAddress, frame.dstPort);
    const direction = this.#direction(connection, sender, frame, false);
    const peer = this.#direction(connection, receiver, frame, true);
    const info = connection.info;
    if (frame.time < info.firstTime) info.firstTime = frame.time;
    if (frame.time > info.lastTime) info.lastTime = frame.time;
    direction.frames += 1;
    direction.payloadBytes += frame.payload.length;
    if (frame.flags & TcpFlag.SYN) {
      direction.sawSyn = true;
      if (!(frame.flags & TcpFlag.ACK)) connection.clientKey ??= sender;
      else connection.clientKey ??= receiver;
    }
    if (frame.flags & TcpFlag.FIN) direction.sawFin = true;
    if (frame.flags & TcpFlag.RST) direction.sawRst = true;
    if (frame.flags & TcpFlag.ACK) peer.reassembler?.acknowledge(frame.ack);
    if (!direction.reassembler) return undefined;
    const { verdict, rows } = direction.reassembler.push(frame);
    if (rows.length > 0) this.#onRows({ direction: direction.key, origin: info.firstTime, rows });
    return verdict;
  }

  // End of input: write out every held direction, stream by stream, the client's direction first.
  finish(): void {
    for (const connection of this.#connections.values()) {
      const info = this.#ordered(connection);
      for (const direction of info.directions) {
        if (!direction.reassembler) continue;
        const rows = direction.reassembler.finish();
        this.#onRows({ direction: direction.key, origin: info.firstTime, rows });
      }
    }
  }

  // The streams seen so far, in first-seen order, each with the client's direction first.
  streams(): StreamInfo[] {
    return [...this.#connections.values()].map((connection) => this.#ordered(connection));
  }

  #ordered(connection: Connection): StreamInfo {
    const client = connection.clientKey ?? connection.firstKey;
    connection.info.clientGuessed = connection.clientKey === undefined;
    connection.info.directions.sort((a, b) => {
      const aKey = endpointKey(a.key.srcAddress, a.key.srcPort);
      const bKey = endpointKey(b.key.srcAddress, b.key.srcPort);
      return (aKey === client ? 0 : 1) - (bKey === client ? 0 : 1);
    });
    return connection.info;
  }

  #connection(stream: number, frame: Frame): Connection {
    let connection = this.#connections.get(stream);
    if (!connection) {
      if (this.#options.singleStream && this.#connections.size > 0 && this.#reassembling) {
        this.#reassembling = false;
        for (const known of this.#connections.values()) {
          for (const direction of known.info.directions) direction.reassembler = undefined;
        }
      }
      connection = {
        info: { stream, directions: [], clientGuessed: true, firstTime: frame.time, lastTime: frame.time },
        byEndpoint: new Map(),
        clientKey: undefined,
        firstKey: endpointKey(frame.srcAddress, frame.srcPort),
      };
      this.#connections.set(stream, connection);
    }
    return connection;
  }

  #direction(connection: Connection, senderKey: string, frame: Frame, reverse: boolean): DirectionInfo {
    let direction = connection.byEndpoint.get(senderKey);
    if (direction) return direction;
    const [srcAddress, srcPort, dstAddress, dstPort] = reverse
      ? [frame.dstAddress, frame.dstPort, frame.srcAddress, frame.srcPort]
      : [frame.srcAddress, frame.srcPort, frame.dstAddress, frame.dstPort];
    const key: DirectionKey = {
      stream: connection.info.stream,
      srcAddress,
      srcPort,
      dstAddress,
      dstPort,
      src: formatEndpoint(srcAddress, srcPort),
      dst: formatEndpoint(dstAddress, dstPort),
    };
    const wanted = this.#reassembling && (this.#options.select?.(key) ?? true);
    direction = {
      key,
      frames: 0,
      payloadBytes: 0,
      sawSyn: false,
      sawFin: false,
      sawRst: false,
      reassembler: wanted ? new DirectionReassembler(this.#options) : undefined,
    };
    connection.byEndpoint.set(senderKey, direction);
    connection.info.directions.push(direction);
    return direction;
  }
}
