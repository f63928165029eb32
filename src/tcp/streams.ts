// Route frames to one reassembler per stream direction, feed each the peer's ACKs, and collect
// what is needed to list the streams. Pure: rows are handed to a callback, nothing is written here.

import { formatEndpoint } from '../endpoint.js';
import { type Frame, TcpFlag } from '../frame.js';
import type { Nanos } from '../time.js';
import { type DirectionOptions, DirectionReassembler, type FrameVerdict } from './direction.js';
import { DirectionOrder } from './direction-order.js';
import { IntervalSet } from './intervals.js';
import type { SegmentRow } from './segment.js';
import { seqDelta } from './seq.js';
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
  /** True for a direction's last batch: nothing more will be written for it. */
  final: boolean;
  /** The stream and direction the rows belong to (their stats are complete when `final`, but for
   *  the late bytes of frames that come after the stream was finished). */
  info: StreamInfo;
  source: DirectionInfo;
}

/** What follow-tcp knows about one direction of a stream after reading it. */
export interface DirectionInfo {
  key: DirectionKey;
  frames: number;
  /** Payload bytes as captured, every copy counted. */
  payloadBytes: number;
  /** Time and raw sequence number of this side's first SYN, and its first FIN and RST, when seen. */
  synTime: Nanos | undefined;
  synSeq: number | undefined;
  finTime: Nanos | undefined;
  rstTime: Nanos | undefined;
  /** Raw sequence number of this side's first FIN, and whether the peer acknowledged it. */
  finSeq: number | undefined;
  finAcked: boolean;
  /** MSS and window-scale shift from this side's SYN options. */
  mss: number | undefined;
  windowShift: number | undefined;
  /** Undefined for directions that were not selected. */
  reassembler: DirectionReassembler | undefined;
}

/** One stream as `streams` lists it, and as the "select one" message shows it. */
export interface StreamInfo {
  stream: number;
  /** The client's direction first (the SYN sender; else a guess: `clientGuessed`). */
  directions: DirectionInfo[];
  clientGuessed: boolean;
  firstTime: Nanos;
  lastTime: Nanos;
  /** The handshake as captured: SYN, SYN/ACK, and the client's ACK of the SYN/ACK. */
  synTime: Nanos | undefined;
  synAckTime: Nanos | undefined;
  handshakeAckTime: Nanos | undefined;
}

/** Where a frame went: its direction, the opposite one, and the verdict (when reassembled). */
export interface FramePlacement {
  stream: StreamInfo;
  direction: DirectionInfo;
  peer: DirectionInfo;
  verdict: FrameVerdict | undefined;
}

/** Reassembly options plus which directions to rebuild. */
export interface FollowOptions extends DirectionOptions {
  /** Directions to reassemble; others are only counted. Default: all. */
  select?: (key: DirectionKey) => boolean;
  /** Stop reassembling once a second stream shows up (the caller will ask the user to choose). */
  singleStream?: boolean;
  /** Drop a direction's reassembler once its final rows are handed on, when nothing will read its
   *  figures afterwards (no summary): a finished stream then keeps ~1.6 KB instead of ~3.6 KB, and
   *  frames that come after its end are not counted anywhere. */
  releaseFinished?: boolean;
  /** Also forget a finished stream whose directions were followed, but for its number: its later
   *  frames are dropped uncounted (push returns undefined for them; a SYN still starts a new
   *  connection under the number), and `streams()` no longer lists it. With `releaseFinished`,
   *  what keeps memory flat however many streams a capture holds (otherwise ~2 KB a finished
   *  stream, its keys and their strings counted). Streams none of whose directions was followed
   *  stay, for the stream list. */
  forgetFinished?: boolean;
  /** A stream with no frame for longer than this (capture time) is finished like a closed one:
   *  its rows are written and its state released (default: it stays open until the end). */
  idle?: Nanos;
}

interface Connection {
  info: StreamInfo;
  byEndpoint: Map<string, DirectionInfo>;
  /** Sender key of the client when known from a SYN. */
  clientKey: string | undefined;
  firstKey: string;
  /** Raw sequence number the client must acknowledge to complete the handshake. */
  synAckNext: number | undefined;
  /** Rows written and state released; frames that still come are not placed. */
  finished: boolean;
  /** Whether the connection's directions were considered for `followedDirections` (on its first frame). */
  listed: boolean;
}

// Settled bytes are written at least every this many frames. Each sweep hands on a batch per
// direction with settled rows, so this sets the size of the records that wait in the spool (and so
// how many reads writing them out takes). In bench (b), 8192 against 4096: the tail after tshark
// 2.65–2.83 s against 3.20–3.47 s, the whole run 34.2 s against 35.8 s on average (five and seven
// runs in turn), peak RSS 189–207 MiB against 182–216 MiB. 16384 made the tail 1.8–2.8 s, but
// peak RSS 206–228 MiB (settled rows wait longer between sweeps).
const SWEEP_FRAMES = 8192;
// Or once the settle (or idle) time has passed by the capture's clock, after at least this many.
const SWEEP_MIN_FRAMES = 64;

// True for a client's SYN (no ACK): on a finished stream's 4-tuple, a new connection.
function isClientSyn(frame: Frame): boolean {
  return (frame.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
}

// True once a stream was reset, or closed with a FIN each way.
function hasEnded(info: StreamInfo): boolean {
  const [a, b] = info.directions;
  return a?.rstTime !== undefined || b?.rstTime !== undefined || (a?.finTime !== undefined && b?.finTime !== undefined);
}

// True once a stream was reset, or each side's FIN was acknowledged by the other: what still comes
// is stragglers. (A FIN answered while the answering side still misses bytes is not the end: the
// sender may still fill the hole.)
function hasClosed(info: StreamInfo): boolean {
  const [a, b] = info.directions;
  return a?.rstTime !== undefined || b?.rstTime !== undefined || (a?.finAcked === true && b?.finAcked === true);
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
  /** Streams not finished yet, the latest capture time seen, and when settled bytes were last written. */
  readonly #open = new Set<Connection>();
  /** Earlier connections whose stream index a later connection reused. */
  readonly #earlier: Connection[] = [];
  /** Numbers of the finished streams forgotten (forgetFinished). */
  readonly #forgotten = new IntervalSet();
  /** Rows settled at a stream's frames, not handed on yet (see #settle). */
  readonly #settled = new Map<DirectionInfo, { info: StreamInfo; rows: SegmentRow[] }>();
  /** The streams still to finish at the end of input, in first-seen order. */
  #finishing: Iterator<Connection> | undefined;
  #now: Nanos = 0n;
  #lastSweep: Nanos = 0n;
  #sinceSweep = 0;
  /** TCP frames read so far. */
  framesRead = 0;
  /** The directions being followed, in output order: connections in the order they first
   *  appeared (tshark's tcp.stream numbers streams in that order), the client's direction first
   *  (as far as the connection's first frame tells). Grows as connections appear; with
   *  forgetFinished, a writer lets go of the directions it has written out. */
  readonly followedDirections: DirectionOrder;

  constructor(options: FollowOptions, onRows: (batch: DirectionRows) => void = () => {}) {
    this.#options = options;
    this.#onRows = onRows;
    this.followedDirections = new DirectionOrder(options.forgetFinished === true);
  }

  /** True once `singleStream` was asked for and a second stream appeared. */
  get ambiguous(): boolean {
    return !this.#reassembling;
  }

  // Take in the next frame in capture order; returns where it went and how it was classified
  // (undefined: a later frame of a stream finished and forgotten).
  push(frame: Frame): FramePlacement | undefined {
    this.framesRead += 1;
    const stream = this.#keyer.streamOf(frame);
    const settle = this.#options.settle;
    if (!this.#connections.has(stream) && this.#forgotten.covered(stream, stream + 1) > 0 && !isClientSyn(frame)) {
      if (frame.time > this.#now) this.#now = frame.time;
      this.#countForSweep();
      return undefined;
    }
    let connection = this.#connection(stream, frame);
    // A stream that closed longer than the settle time (or fell idle longer than the idle time)
    // before this frame of its own is finished now, as a sweep would have, so whether this frame
    // is late (or, a SYN, starts a new connection) does not depend on other streams' frames
    // having caused a sweep in between.
    this.#finishIfDone(connection, frame.time);
    if (this.#isReuse(connection, frame)) {
      // A new SYN after the connection ended (tshark may keep the stream index on port reuse):
      // finish the old connection and start afresh under the same index.
      this.#finishConnection(connection);
      this.#open.delete(connection);
      if (this.#connections.get(stream) === connection) {
        this.#connections.delete(stream);
        this.#earlier.push(connection);
      }
      connection = this.#connection(stream, frame);
    }
    const sender = endpointKey(frame.srcAddress, frame.srcPort);
    const receiver = endpointKey(frame.dstAddress, frame.dstPort);
    const direction = this.#direction(connection, sender, frame, false);
    const peer = this.#direction(connection, receiver, frame, true);
    if (!connection.listed) {
      connection.listed = true;
      for (const followed of this.#ordered(connection).directions) {
        if (followed.reassembler) this.followedDirections.add(followed.key);
      }
    }
    const info = connection.info;
    if (frame.time < info.firstTime) info.firstTime = frame.time;
    if (frame.time > info.lastTime) info.lastTime = frame.time;
    direction.frames += 1;
    direction.payloadBytes += frame.payload.length;
    this.#noteControl(connection, direction, peer, frame, sender, receiver);
    if (frame.flags & TcpFlag.ACK && !this.#isStrayAck(connection, peer, frame, sender)) peer.reassembler?.acknowledge(frame.ack, frame.time);
    if (frame.time > this.#now) this.#now = frame.time;
    let placement: FramePlacement = { stream: info, direction, peer, verdict: undefined };
    if (direction.reassembler && !connection.finished) {
      const verdict = direction.reassembler.push(frame);
      if (verdict.rows.length > 0) this.#emit(info, direction, verdict.rows, false);
      placement = { stream: info, direction, peer, verdict };
      // Settle both directions by the stream's own clock (its latest frame), at this frame and
      // never at other streams' frames: what is written, and which later copies count as late,
      // is the same whether other traffic is there or (tshark's filter) not.
      if (settle !== undefined) this.#settle(info, info.lastTime);
    } else if (connection.finished) {
      direction.reassembler?.lateFrame(frame);
    }
    this.#countForSweep();
    return placement;
  }

  // One more frame since the last sweep: sweep when enough frames, or capture time, went by.
  #countForSweep(): void {
    this.#sinceSweep += 1;
    const interval = this.#options.settle ?? this.#options.idle;
    const due = this.#sinceSweep >= SWEEP_FRAMES || (this.#sinceSweep >= SWEEP_MIN_FRAMES && this.#now - this.#lastSweep >= interval!);
    if (interval !== undefined && due) {
      this.#sweep();
    }
  }

  // An ACK from the server before its SYN/ACK that does not acknowledge the client's SYN, while
  // the client has sent nothing but its SYN: stale state of an earlier connection (the client
  // answers it with a reset from SYN-SENT), acknowledging none of this connection's bytes.
  #isStrayAck(connection: Connection, client: DirectionInfo, frame: Frame, sender: string): boolean {
    if (connection.clientKey === undefined || sender === connection.clientKey || connection.info.synAckTime !== undefined) return false;
    return client.synSeq !== undefined && client.payloadBytes === 0 && frame.ack !== ((client.synSeq + 1) >>> 0);
  }

  #isReuse(connection: Connection, frame: Frame): boolean {
    if (!isClientSyn(frame) || connection.info.directions.length === 0) return false;
    const ended = hasEnded(connection.info);
    const sender = connection.byEndpoint.get(endpointKey(frame.srcAddress, frame.srcPort));
    return connection.finished || (ended && sender?.synSeq !== frame.seq);
  }

  // Take what has settled in the stream's directions by capture time `now`; the rows are handed
  // on at the next sweep or with the direction's next rows (batches, not a row per frame).
  #settle(info: StreamInfo, now: Nanos): void {
    for (const direction of info.directions) {
      const rows = direction.reassembler?.settle(now);
      if (!rows || rows.length === 0) continue;
      const pending = this.#settled.get(direction);
      if (pending) for (const row of rows) pending.rows.push(row);
      else this.#settled.set(direction, { info, rows });
    }
  }

  // Hand on every settled row still waiting.
  #flushSettled(): void {
    for (const [direction, { info }] of this.#settled) this.#emit(info, direction, [], false);
  }

  // Hand on settled rows, and finish the streams that closed longer than the settle time ago, or
  // have been idle longer than the idle time, by the capture's clock.
  #sweep(): void {
    this.#sinceSweep = 0;
    this.#lastSweep = this.#now;
    this.#flushSettled();
    for (const connection of this.#open) this.#finishIfDone(connection, this.#now);
  }

  // Finish a stream whose latest frame is, at capture time `now`, more than the settle time past
  // its close (reset, or each FIN acknowledged), or more than the idle time past (whether closed
  // or not): its rows are written, its state is released, and later frames count as late. The
  // one rule for sweeps (the capture's clock) and for the stream's own next frame.
  #finishIfDone(connection: Connection, now: Nanos): void {
    if (connection.finished) return;
    const { settle, idle } = this.#options;
    const silence = now - connection.info.lastTime;
    const closed = settle !== undefined && silence > settle && hasClosed(connection.info);
    if (!closed && (idle === undefined || silence <= idle)) return;
    this.#finishConnection(connection);
    this.#open.delete(connection);
  }

  #finishConnection(connection: Connection): void {
    if (connection.finished) return;
    connection.finished = true;
    const info = this.#ordered(connection);
    let followed = false;
    for (const direction of info.directions) {
      if (!direction.reassembler || this.#options.holdData === false) continue;
      followed = true;
      this.#emit(info, direction, direction.reassembler.finish(), true);
      if (this.#options.releaseFinished) direction.reassembler = undefined;
    }
    if (followed && this.#options.forgetFinished && this.#connections.get(info.stream) === connection) {
      this.#connections.delete(info.stream);
      this.#forgotten.add(info.stream, info.stream + 1);
    }
  }

  #emit(info: StreamInfo, direction: DirectionInfo, rows: SegmentRow[], final: boolean): void {
    // Settled rows still waiting come first: a direction's rows stay in offset order.
    const settled = this.#settled.get(direction);
    if (settled) this.#settled.delete(direction);
    const all = settled ? [...settled.rows, ...rows] : rows;
    this.#onRows({ direction: direction.key, origin: info.firstTime, rows: all, final, info, source: direction });
  }

  // End of input: write out every held direction, stream by stream, the client's direction first.
  finish(): void {
    while (this.finishNext());
  }

  // End of input, one stream at a time (so each stream's rows can be written before the next
  // stream's are built): write out the next unfinished stream; false once every stream is.
  finishNext(): boolean {
    this.#finishing ??= this.#connections.values();
    for (let next = this.#finishing.next(); !next.done; next = this.#finishing.next()) {
      if (next.value.finished) continue;
      this.#finishConnection(next.value);
      return true;
    }
    this.#finishing = undefined;
    this.#open.clear();
    this.#flushSettled();
    return false;
  }

  // The streams seen so far, in first-seen order, each with the client's direction first.
  streams(): StreamInfo[] {
    return [...this.#earlier, ...this.#connections.values()].map((connection) => this.#ordered(connection));
  }

  #noteControl(connection: Connection, direction: DirectionInfo, peer: DirectionInfo, frame: Frame, sender: string, receiver: string): void {
    const info = connection.info;
    const syn = (frame.flags & TcpFlag.SYN) !== 0;
    const ack = (frame.flags & TcpFlag.ACK) !== 0;
    if (syn) {
      direction.synTime ??= frame.time;
      direction.synSeq ??= frame.seq;
      direction.mss ??= frame.mss;
      direction.windowShift ??= frame.windowShift;
      if (!ack) {
        connection.clientKey ??= sender;
        info.synTime ??= frame.time;
      } else {
        connection.clientKey ??= receiver;
        if (info.synAckTime === undefined) {
          info.synAckTime = frame.time;
          connection.synAckNext = (frame.seq + 1) >>> 0;
        }
      }
    } else if (ack && connection.synAckNext === frame.ack && sender === connection.clientKey) {
      info.handshakeAckTime ??= frame.time;
    }
    if (frame.flags & TcpFlag.FIN && direction.finTime === undefined) {
      direction.finTime = frame.time;
      // The FIN takes the sequence number after the data (and after a SYN in the same frame).
      direction.finSeq = (frame.seq + frame.length + (syn ? 1 : 0)) >>> 0;
    }
    if (ack && peer.finSeq !== undefined && seqDelta(frame.ack, peer.finSeq) > 0) peer.finAcked = true;
    // A reset from the client before any SYN/ACK answers a stray ACK from SYN-SENT (RFC 9293,
    // 3.10.7.3): the connection attempt goes on, its SYN is sent again with the same ISN (tshark
    // keeps the stream index), so it does not end the stream.
    const answersStrayAck = sender === connection.clientKey && info.synAckTime === undefined;
    if (frame.flags & TcpFlag.RST && !answersStrayAck) direction.rstTime ??= frame.time;
  }

  #ordered(connection: Connection): StreamInfo {
    const client = connection.clientKey ?? this.#guessClient(connection);
    connection.info.clientGuessed = connection.clientKey === undefined;
    connection.info.directions.sort((a, b) => {
      const aKey = endpointKey(a.key.srcAddress, a.key.srcPort);
      const bKey = endpointKey(b.key.srcAddress, b.key.srcPort);
      return (aKey === client ? 0 : 1) - (bKey === client ? 0 : 1);
    });
    return connection.info;
  }

  // Without a SYN: the side with the higher port is taken for the client (servers listen on the
  // lower, usually well-known port); equal ports: the first sender.
  #guessClient(connection: Connection): string {
    const [a, b] = connection.info.directions;
    if (!a || !b || a.key.srcPort === b.key.srcPort) return connection.firstKey;
    const client = a.key.srcPort > b.key.srcPort ? a : b;
    return endpointKey(client.key.srcAddress, client.key.srcPort);
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
        info: {
          stream,
          directions: [],
          clientGuessed: true,
          firstTime: frame.time,
          lastTime: frame.time,
          synTime: undefined,
          synAckTime: undefined,
          handshakeAckTime: undefined,
        },
        byEndpoint: new Map(),
        clientKey: undefined,
        firstKey: endpointKey(frame.srcAddress, frame.srcPort),
        synAckNext: undefined,
        finished: false,
        listed: false,
      };
      this.#connections.set(stream, connection);
      this.#open.add(connection);
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
      synTime: undefined,
      synSeq: undefined,
      finTime: undefined,
      rstTime: undefined,
      finSeq: undefined,
      finAcked: false,
      mss: undefined,
      windowShift: undefined,
      reassembler: wanted ? new DirectionReassembler(this.#options) : undefined,
    };
    connection.byEndpoint.set(senderKey, direction);
    connection.info.directions.push(direction);
    return direction;
  }
}
