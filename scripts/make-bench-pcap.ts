// Write a deterministic synthetic capture for `npm run bench`: classic pcap (microsecond
// timestamps, Ethernet / IPv4 / TCP), N frames across S streams, all open at once (or at most C
// at a time with --concurrent C, a new one starting as one ends).
//
//   tsx scripts/make-bench-pcap.ts [--frames 1000000] [--streams 100] [--concurrent S] [--seed 1] [--out bench-data/bench.pcap]
//
// Every stream: SYN / SYN-ACK / ACK, data both ways (the client sends more), a pure ACK from
// the receiver after every second segment, the other direction's data piggy-backing its ACK,
// FIN / FIN-ACK / ACK at the end. The capture point sits behind a lossy link: ~2 % of the data
// segments never reach it (they are not written; the receiver's ACKs stay at the hole, which
// shows as duplicate ACKs) and the sender retransmits them 3–8 segments later (same bytes,
// new IP ID). ~1 % of the segments arrive swapped with the next one (reordering).
// Payload bytes are a pattern of (stream, direction, byte offset), so every copy of a byte is
// identical and a reader can check them.
//
// Stream 0 (the first SYN, so tshark's tcp.stream 0) crosses 4 GiB of sequence space in its
// client → server direction, and wraps the 32-bit sequence number at least once. 1 M frames
// cannot carry 4 GiB, so this stream is what a *sampled / overrun* capture of a fast transfer
// looks like: before each captured client segment, until offset 4.25 GiB, the capture point
// missed a burst of J bytes (J ≤ 1 GiB, sized from the stream's frame budget; e.g. ~1.5 MB at
// the defaults). The sender did send them and the receiver got them: the receiver's captured
// ACKs cover them (tshark: "previous segment not captured", "ACKed segment that wasn't
// captured"; follow-tcp: gap rows with gap_acked=1). Each jump is far below 2^31, so 32-bit
// serial arithmetic stays valid, and the window scale (SYN option, shift 14) makes the peer's
// advertised window (~1 GiB) large enough for such bursts to be in flight.
//
// IPv4 header checksums are correct; TCP checksums are 0 (tshark does not verify them by
// default). The file is written in 8 MiB chunks, never held whole in memory.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What to write. */
export interface BenchPcapOptions {
  frames: number;
  streams: number;
  out: string;
  seed?: number;
  /** At most this many streams open at once (default: all of them); a new one starts as one ends. */
  concurrent?: number;
}

/** What was written. */
export interface BenchPcapSummary {
  file: string;
  frames: number;
  bytes: number;
  streams: number;
  dataSegments: number;
  lostSegments: number;
  reorderedPairs: number;
  payloadBytes: number;
  /** Stream 0, client → server: the sequence space covered (bytes after the SYN) and how often seq_raw wrapped. */
  bigStream: { stream: number; sequenceSpace: number; wraps: number; jumps: number; jumpBytes: number };
  firstTime: number;
  lastTime: number;
}

const TWO32 = 4294967296;
const MSS = 1448;
const SERVER_PORT = 5001;
const LOSS = 0.02;
const REORDER = 0.01;
const BIG_TARGET = 4 * 1024 ** 3 + 256 * 1024 ** 2; // 4.25 GiB of client → server sequence space
const MAX_JUMP = 1024 ** 3;
const CHUNK = 8 << 20;
const PCAP_SNAPLEN = 262144;

const ACK = 0x10;
const PSH = 0x08;
const SYN = 0x02;
const FIN = 0x01;

// mulberry32: a small deterministic PRNG (uniform in [0, 1)).
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO32;
  };
}

// The payload pattern: printable bytes with period 251 (prime, so it never lines up with MSS).
const PERIOD = 251;
const PATTERN = Buffer.alloc(PERIOD + 65536);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = 0x21 + ((i % PERIOD) * 37) % 94;

/** One frame of one stream, as the stream's model produces it (offsets are relative to the ISN + 1). */
interface FrameSpec {
  dir: 0 | 1;
  flags: number;
  /** Raw sequence number (already mod 2^32). */
  seq: number;
  /** Raw acknowledgement number (0 for the first SYN). */
  ack: number;
  /** Byte offset of the payload in this direction (for the pattern) and its length. */
  payloadOffset: number;
  payloadLength: number;
  syn?: boolean;
  retransmission?: boolean;
}

interface Hole {
  offset: number;
  length: number;
  /** Retransmitted once the sender has sent this many segments. */
  due: number;
}

interface DirectionState {
  isn: number;
  /** The next new offset to send. */
  next: number;
  /** Segments sent so far (for retransmission timing). */
  sent: number;
  /** Segments the peer received since its last ACK. */
  unacked: number;
  holes: Hole[];
  ipId: number;
}

/** Counters shared by all streams. */
interface Counters {
  dataSegments: number;
  lostSegments: number;
  reorderedPairs: number;
  payloadBytes: number;
  jumps: number;
  jumpBytes: number;
}

// The frames of one stream, exactly `budget` of them (budget ≥ 10).
function* streamFrames(index: number, budget: number, random: () => number, counters: Counters): Generator<FrameSpec> {
  const big = index === 0;
  const dirs: [DirectionState, DirectionState] = [
    { isn: Math.floor(random() * TWO32), next: 0, sent: 0, unacked: 0, holes: [], ipId: Math.floor(random() * 65536) },
    { isn: Math.floor(random() * TWO32), next: 0, sent: 0, unacked: 0, holes: [], ipId: Math.floor(random() * 65536) },
  ];
  // Start stream 0 close below a wrap so its 4 GiB cross the 32-bit boundary twice.
  if (big) dirs[0].isn = TWO32 - 4096;
  const clientShare = big ? 0.9 : 0.5 + random() * 0.3;
  // Stream 0's bursts the capture missed: sized so that ~30 % of the budget's client segments reach the target.
  const jump = big ? Math.min(MAX_JUMP, Math.ceil(BIG_TARGET / Math.max(1, budget * 0.3))) : 0;
  let emitted = 0;
  const raw = (d: DirectionState, offset: number): number => (d.isn + 1 + offset) % TWO32;
  // What the receiver of direction d acknowledges: up to the first hole, else everything sent.
  const rcvNext = (dir: 0 | 1): number => {
    const d = dirs[dir];
    let next = d.next;
    for (const hole of d.holes) if (hole.offset < next) next = hole.offset;
    return next;
  };
  const frame = (dir: 0 | 1, flags: number, seqOffset: number, length: number, extra?: Partial<FrameSpec>): FrameSpec => {
    emitted++;
    const d = dirs[dir];
    const peer = dirs[dir === 0 ? 1 : 0];
    return {
      dir,
      flags,
      seq: raw(d, seqOffset),
      ack: raw(peer, rcvNext(dir === 0 ? 1 : 0)),
      payloadOffset: seqOffset,
      payloadLength: length,
      ...extra,
    };
  };
  const pureAck = (dir: 0 | 1): FrameSpec => {
    dirs[dir === 0 ? 1 : 0].unacked = 0;
    return frame(dir, ACK, dirs[dir].next, 0);
  };
  const segmentLength = (dir: 0 | 1): number => {
    const full = dir === 0 ? 0.75 : 0.5;
    return random() < full ? MSS : 1 + Math.floor(random() * (MSS - 1));
  };

  // Handshake.
  emitted += 1;
  yield { dir: 0, flags: SYN, seq: dirs[0].isn, ack: 0, payloadOffset: 0, payloadLength: 0, syn: true };
  emitted += 1;
  yield { dir: 1, flags: SYN | ACK, seq: dirs[1].isn, ack: raw(dirs[0], 0), payloadOffset: 0, payloadLength: 0, syn: true };
  yield frame(0, ACK, 0, 0);

  // Data. One step emits at most 3 frames and may open one hole; stop while the close still fits.
  const holesLeft = (): number => dirs[0].holes.length + dirs[1].holes.length;
  while (emitted + holesLeft() + 3 + 3 + 1 <= budget) {
    const dir: 0 | 1 = random() < clientShare ? 0 : 1;
    const d = dirs[dir];
    const other: 0 | 1 = dir === 0 ? 1 : 0;
    const due = d.holes.findIndex((hole) => hole.due <= d.sent);
    if (due >= 0) {
      const [hole] = d.holes.splice(due, 1) as [Hole];
      d.sent++;
      counters.payloadBytes += hole.length;
      yield frame(dir, ACK | PSH, hole.offset, hole.length, { retransmission: true });
      yield pureAck(other);
      continue;
    }
    if (big && dir === 0 && d.next < BIG_TARGET) {
      d.next += jump;
      counters.jumps++;
      counters.jumpBytes += jump;
    }
    const first = { offset: d.next, length: segmentLength(dir) };
    d.next += first.length;
    d.sent++;
    counters.dataSegments++;
    if (random() < LOSS) {
      counters.lostSegments++;
      d.holes.push({ offset: first.offset, length: first.length, due: d.sent + 3 + Math.floor(random() * 6) });
      continue;
    }
    counters.payloadBytes += first.length;
    if (random() < REORDER) {
      // The next segment overtakes this one.
      const second = { offset: d.next, length: segmentLength(dir) };
      d.next += second.length;
      d.sent++;
      counters.dataSegments++;
      counters.payloadBytes += second.length;
      counters.reorderedPairs++;
      yield frame(dir, ACK | PSH, second.offset, second.length);
      yield frame(dir, ACK | PSH, first.offset, first.length);
      d.unacked += 2;
    } else {
      yield frame(dir, ACK | PSH, first.offset, first.length);
      d.unacked += 1;
    }
    if (d.unacked >= 2) yield pureAck(other);
  }

  // Pad to the budget with small server segments (one frame each), then the retransmissions still owed.
  while (emitted + holesLeft() + 3 < budget) {
    const d = dirs[1];
    const length = 1 + Math.floor(random() * 100);
    const offset = d.next;
    d.next += length;
    d.sent++;
    counters.dataSegments++;
    counters.payloadBytes += length;
    yield frame(1, ACK | PSH, offset, length);
  }
  for (const dir of [0, 1] as const) {
    const d = dirs[dir];
    while (d.holes.length > 0) {
      const hole = d.holes.shift()!;
      counters.payloadBytes += hole.length;
      yield frame(dir, ACK | PSH, hole.offset, hole.length, { retransmission: true });
    }
  }
  // Close: FIN from the client, FIN-ACK from the server, last ACK.
  const c = dirs[0];
  const s = dirs[1];
  emitted++;
  yield { dir: 0, flags: FIN | ACK, seq: raw(c, c.next), ack: raw(s, s.next), payloadOffset: c.next, payloadLength: 0 };
  emitted++;
  yield { dir: 1, flags: FIN | ACK, seq: raw(s, s.next), ack: raw(c, c.next + 1), payloadOffset: s.next, payloadLength: 0 };
  emitted++;
  yield { dir: 0, flags: ACK, seq: raw(c, c.next + 1), ack: raw(s, s.next + 1), payloadOffset: c.next + 1, payloadLength: 0 };
  if (emitted !== budget) throw new Error(`stream ${index}: ${emitted} frames instead of ${budget}`);
  if (big) bigStream = { space: c.next, wraps: Math.floor((c.isn + 1 + c.next) / TWO32) };
}

let bigStream = { space: 0, wraps: 0 };

// The IPv4 header checksum of 20 bytes at `at`.
function ipChecksum(buffer: Buffer, at: number): number {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += buffer.readUInt16BE(at + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Write the capture; returns what was written. */
export function writeBenchPcap(options: BenchPcapOptions): BenchPcapSummary {
  const { frames, streams } = options;
  if (!Number.isInteger(streams) || streams < 1) throw new Error('--streams must be a whole number ≥ 1');
  if (options.concurrent !== undefined && (!Number.isInteger(options.concurrent) || options.concurrent < 1)) throw new Error('--concurrent must be a whole number ≥ 1');
  if (!Number.isInteger(frames) || frames < 10 * streams) throw new Error(`--frames must be a whole number ≥ 10 × streams (${10 * streams})`);
  const random = prng(options.seed ?? 1);
  const counters: Counters = { dataSegments: 0, lostSegments: 0, reorderedPairs: 0, payloadBytes: 0, jumps: 0, jumpBytes: 0 };
  bigStream = { space: 0, wraps: 0 };

  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  const fd = openSync(options.out, 'w');
  const buffer = Buffer.alloc(CHUNK);
  let used = 0;
  let written = 0;
  const flush = (): void => {
    let at = 0;
    while (at < used) at += writeSync(fd, buffer, at, used - at);
    written += used;
    used = 0;
  };
  // Global header: little-endian, v2.4, microseconds, Ethernet.
  buffer.writeUInt32LE(0xa1b2c3d4, 0);
  buffer.writeUInt16LE(2, 4);
  buffer.writeUInt16LE(4, 6);
  buffer.writeInt32LE(0, 8);
  buffer.writeUInt32LE(0, 12);
  buffer.writeUInt32LE(PCAP_SNAPLEN, 16);
  buffer.writeUInt32LE(1, 20);
  used = 24;

  const base = Math.floor(frames / streams);
  const budgets = Array.from({ length: streams }, (_, index) => base + (index < frames % streams ? 1 : 0));
  const generators: Generator<FrameSpec>[] = [];
  const ids: number[] = [];
  const active: number[] = [];
  let started = 0;
  // Capture time: 2023-11-14T22:13:20Z, 1–40 µs between frames (strictly increasing).
  let seconds = 1_700_000_000;
  let micros = 0;
  const firstTime = seconds;
  let count = 0;

  while (count < frames) {
    const slots = active.length + (started < streams && active.length < (options.concurrent ?? streams) ? 1 : 0);
    const pick = Math.floor(random() * slots);
    if (pick === active.length) {
      const index = started++;
      generators[index] = streamFrames(index, budgets[index]!, prng((options.seed ?? 1) * 1_000_003 + index), counters);
      ids[index] = 0;
      active.push(index);
    }
    const index = active[pick]!;
    const next = generators[index]!.next();
    if (next.done) {
      active[pick] = active[active.length - 1]!;
      active.pop();
      continue;
    }
    const spec = next.value;
    micros += 1 + Math.floor(random() * 40);
    if (micros >= 1_000_000) {
      seconds += Math.floor(micros / 1_000_000);
      micros %= 1_000_000;
    }
    const optionsLength = spec.syn ? 8 : 0;
    const tcpLength = 20 + optionsLength;
    const ipLength = 20 + tcpLength + spec.payloadLength;
    const frameLength = 14 + ipLength;
    if (used + 16 + frameLength > CHUNK) flush();
    let at = used;
    buffer.writeUInt32LE(seconds, at);
    buffer.writeUInt32LE(micros, at + 4);
    buffer.writeUInt32LE(frameLength, at + 8);
    buffer.writeUInt32LE(frameLength, at + 12);
    at += 16;
    // Ethernet: client 02:00:00:00:hh:ll, server 02:00:00:ff:00:01.
    const host = index + 1;
    const clientMac = [0x02, 0, 0, 0, (host >> 8) & 0xff, host & 0xff];
    const serverMac = [0x02, 0, 0, 0xff, 0, 0x01];
    const [srcMac, dstMac] = spec.dir === 0 ? [clientMac, serverMac] : [serverMac, clientMac];
    for (let i = 0; i < 6; i++) buffer[at + i] = dstMac[i]!;
    for (let i = 0; i < 6; i++) buffer[at + 6 + i] = srcMac[i]!;
    buffer.writeUInt16BE(0x0800, at + 12);
    at += 14;
    // IPv4: client 10.1.hh.ll, server 10.2.0.1; DF; IP ID per direction.
    const client = [10, 1, (host >> 8) & 0xff, host & 0xff];
    const server = [10, 2, 0, 1];
    const [srcIp, dstIp] = spec.dir === 0 ? [client, server] : [server, client];
    const ip = at;
    buffer[at] = 0x45;
    buffer[at + 1] = 0;
    buffer.writeUInt16BE(ipLength, at + 2);
    const idKey = index * 2 + spec.dir;
    ids[idKey] = ((ids[idKey] ?? index * 7919 + spec.dir * 104729) + 1) & 0xffff;
    buffer.writeUInt16BE(ids[idKey]!, at + 4);
    buffer.writeUInt16BE(0x4000, at + 6);
    buffer[at + 8] = spec.dir === 0 ? 64 : 63;
    buffer[at + 9] = 6;
    buffer.writeUInt16BE(0, at + 10);
    for (let i = 0; i < 4; i++) buffer[at + 12 + i] = srcIp[i]!;
    for (let i = 0; i < 4; i++) buffer[at + 16 + i] = dstIp[i]!;
    buffer.writeUInt16BE(ipChecksum(buffer, ip), at + 10);
    at += 20;
    // TCP.
    const clientPort = 32768 + (index % 28000);
    buffer.writeUInt16BE(spec.dir === 0 ? clientPort : SERVER_PORT, at);
    buffer.writeUInt16BE(spec.dir === 0 ? SERVER_PORT : clientPort, at + 2);
    buffer.writeUInt32BE(spec.seq, at + 4);
    buffer.writeUInt32BE(spec.ack, at + 8);
    buffer[at + 12] = (tcpLength / 4) << 4;
    buffer[at + 13] = spec.flags;
    // Window: 65535 in SYNs (unscaled), else ~ 8 MiB (shift 7) or ~1 GiB (stream 0's receiver, shift 14).
    buffer.writeUInt16BE(spec.syn ? 65535 : 65535 - (index % 1000), at + 14);
    buffer.writeUInt16BE(0, at + 16);
    buffer.writeUInt16BE(0, at + 18);
    at += 20;
    if (spec.syn) {
      // MSS 1460, NOP, window scale.
      buffer[at] = 2;
      buffer[at + 1] = 4;
      buffer.writeUInt16BE(1460, at + 2);
      buffer[at + 4] = 1;
      buffer[at + 5] = 3;
      buffer[at + 6] = 3;
      buffer[at + 7] = index === 0 ? 14 : 7;
      at += 8;
    }
    if (spec.payloadLength > 0) {
      const salt = index * 17 + spec.dir * 101;
      let offset = spec.payloadOffset;
      let left = spec.payloadLength;
      while (left > 0) {
        const start = (offset + salt) % PERIOD;
        const take = Math.min(left, 65536);
        PATTERN.copy(buffer, at, start, start + take);
        at += take;
        offset += take;
        left -= take;
      }
    }
    used = at;
    count++;
  }
  flush();
  closeSync(fd);
  if (active.length > 0) {
    // Drain: every generator must be finished exactly at its budget.
    for (const index of active) if (!generators[index]!.next().done) throw new Error(`stream ${index} has frames left over`);
  }
  return {
    file: options.out,
    frames: count,
    bytes: written,
    streams,
    dataSegments: counters.dataSegments,
    lostSegments: counters.lostSegments,
    reorderedPairs: counters.reorderedPairs,
    payloadBytes: counters.payloadBytes,
    bigStream: { stream: 0, sequenceSpace: bigStream.space, wraps: bigStream.wraps, jumps: counters.jumps, jumpBytes: counters.jumpBytes },
    firstTime,
    lastTime: seconds + micros / 1e6,
  };
}

// Parse `--name value` options (numbers where asked).
function parseArguments(argv: string[]): BenchPcapOptions {
  const options: BenchPcapOptions = { frames: 1_000_000, streams: 100, out: 'bench-data/bench.pcap', seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    const number = (): number => {
      if (value === undefined || !/^\d+$/.test(value.replace(/_/g, ''))) throw new Error(`${name}: expected a whole number`);
      i++;
      return Number(value.replace(/_/g, ''));
    };
    if (name === '--frames') options.frames = number();
    else if (name === '--streams') options.streams = number();
    else if (name === '--seed') options.seed = number();
    else if (name === '--concurrent') options.concurrent = number();
    else if (name === '--out') {
      if (value === undefined) throw new Error('--out: expected a file name');
      options.out = value;
      i++;
    } else if (name === '--help' || name === '-h') {
      console.log('usage: tsx scripts/make-bench-pcap.ts [--frames N] [--streams S] [--concurrent C] [--seed K] [--out FILE]');
      process.exit(0);
    } else throw new Error(`unknown option ${name} (see --help)`);
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const started = performance.now();
    const summary = writeBenchPcap(parseArguments(process.argv.slice(2)));
    console.log(JSON.stringify({ ...summary, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }, null, 2));
    if (summary.bigStream.sequenceSpace < 4 * 1024 ** 3) {
      console.error('make-bench-pcap: warning: too few frames per stream for stream 0 to pass 4 GiB');
    }
  } catch (error) {
    console.error(`make-bench-pcap: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
