// The segments one direction holds until their rows are written, packed column by column in
// typed arrays, their payload copied into the direction's own byte chunks: no object, view or
// 8 KiB Buffer pool slab per held segment, so holding seconds of traffic (--ack-settle) costs
// little more than the payload bytes themselves.

import type { Nanos } from '../time.js';
import type { HeldSegment } from './segment.js';
import { TimeColumn } from './time-column.js';

const INITIAL_CAPACITY = 16;
// Payload chunks start at 2 KiB and double up to 16 KiB as a direction fills them: a chunk is
// freed once its last segment is written (and the direction is past it), so small chunks waste
// little, and a direction that carries little data pins little.
const MIN_CHUNK = 2 * 1024;
const MAX_CHUNK = 16 * 1024;
// A payload this long or longer gets a chunk of its own, exactly its size.
const OWN_CHUNK = MAX_CHUNK / 4;
const EMPTY = new Uint8Array(0);
// Shared zero-length columns (never written: a column is grown before its first slot is set).
const NO_NUMBERS = new Float64Array(0);
const NO_INDEXES = new Uint32Array(0);

type Column = Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

// A copy of column[from, from + count) at the start of a new column of `capacity` slots.
function grown<Kind extends Column>(column: Kind, capacity: number, from: number, count: number): Kind {
  const next = new (column.constructor as new (length: number) => Kind)(capacity);
  next.set(column.subarray(from, from + count));
  return next;
}

// Held segments in the reassembler's order (by start, then capture order), addressed 0 … length−1.
export class HeldSegments {
  // The columns have no slots until a segment is held, and none again once cleared: a direction
  // that never holds data, or is done, costs no typed arrays (thousands of streams may be open).
  #start = NO_NUMBERS;
  #wireLength = NO_NUMBERS;
  #frame = NO_NUMBERS;
  #order = NO_NUMBERS;
  #byteOffset = NO_INDEXES;
  #byteLength = NO_INDEXES;
  #chunk: Uint8Array[] = [];
  #time = new TimeColumn(0);
  /** Occupied slots are [#head, #tail). */
  #head = 0;
  #tail = 0;
  #wireBytes = 0;
  #longest = 0;
  /** The chunk payloads are copied into, how much of it is used, and the size of the next one. */
  #current: Uint8Array | undefined;
  #used = 0;
  #chunkSize = MIN_CHUNK;

  /** How many segments are held. */
  get length(): number {
    return this.#tail - this.#head;
  }

  /** Wire bytes of all held segments. */
  get wireBytes(): number {
    return this.#wireBytes;
  }

  /** The longest wire length ever held (bounds how far back an overlap can start). */
  get longest(): number {
    return this.#longest;
  }

  // Position of the first payload byte of segment `index`.
  start(index: number): number {
    return this.#start[this.#head + index]!;
  }

  // Wire length of segment `index`.
  wireLength(index: number): number {
    return this.#wireLength[this.#head + index]!;
  }

  // Frame number of segment `index`.
  frame(index: number): number {
    return this.#frame[this.#head + index]!;
  }

  // Capture order of segment `index`.
  order(index: number): number {
    return this.#order[this.#head + index]!;
  }

  // Capture time of segment `index`.
  time(index: number): Nanos {
    return this.#time.get(this.#head + index);
  }

  // The payload bytes of segment `index` (a view into its chunk).
  bytes(index: number): Uint8Array {
    const slot = this.#head + index;
    const offset = this.#byteOffset[slot]!;
    return this.#chunk[slot]!.subarray(offset, offset + this.#byteLength[slot]!);
  }

  // Segment `index` as an object, for building rows.
  segment(index: number): HeldSegment {
    return {
      start: this.start(index),
      bytes: this.bytes(index),
      wireLength: this.wireLength(index),
      frame: this.frame(index),
      time: this.time(index),
      order: this.order(index),
    };
  }

  // How many held segments start before `position` (they come first).
  countStartingBefore(position: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.start(middle) < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  // Hold a segment (its bytes are copied), after the last held one that sorts before it; returns its index.
  add(segment: HeldSegment): number {
    this.#makeRoom();
    let index = this.length;
    while (index > 0) {
      const start = this.start(index - 1);
      if (start < segment.start || (start === segment.start && this.order(index - 1) < segment.order)) break;
      index -= 1;
    }
    const slot = this.#head + index;
    if (slot < this.#tail) this.#move(slot + 1, slot, this.#tail);
    this.#tail += 1;
    this.#start[slot] = segment.start;
    this.#wireLength[slot] = segment.wireLength;
    this.#frame[slot] = segment.frame;
    this.#order[slot] = segment.order;
    this.#time.set(slot, segment.time);
    this.#place(slot, segment.bytes);
    this.#wireBytes += segment.wireLength;
    if (segment.wireLength > this.#longest) this.#longest = segment.wireLength;
    return index;
  }

  // Cut off every part before `limit`, dropping segments that end by then; returns the wire bytes cut.
  trimBefore(limit: number): number {
    let cutBytes = 0;
    let end = this.#head;
    while (end < this.#tail && this.#start[end]! < limit) end += 1;
    // Survivors of [#head, end) keep their order and are packed against `end`.
    let write = end;
    for (let slot = end - 1; slot >= this.#head; slot -= 1) {
      const cut = limit - this.#start[slot]!;
      const wireLength = this.#wireLength[slot]!;
      cutBytes += Math.min(cut, wireLength);
      if (cut >= wireLength) continue;
      const byteCut = Math.min(cut, this.#byteLength[slot]!);
      write -= 1;
      this.#start[write] = limit;
      this.#wireLength[write] = wireLength - cut;
      this.#frame[write] = this.#frame[slot]!;
      this.#order[write] = this.#order[slot]!;
      this.#time.set(write, this.#time.get(slot));
      this.#byteOffset[write] = this.#byteOffset[slot]! + byteCut;
      this.#byteLength[write] = this.#byteLength[slot]! - byteCut;
      this.#chunk[write] = this.#chunk[slot]!;
    }
    this.#chunk.fill(EMPTY, this.#head, write);
    this.#head = write;
    if (this.#head === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
    }
    this.#wireBytes -= cutBytes;
    return cutBytes;
  }

  // Drop every held segment, the chunks their bytes were in, and the columns (the direction is done).
  clear(): void {
    this.#start = this.#wireLength = this.#frame = this.#order = NO_NUMBERS;
    this.#byteOffset = this.#byteLength = NO_INDEXES;
    this.#chunk = [];
    this.#time = new TimeColumn(0);
    this.#head = 0;
    this.#tail = 0;
    this.#wireBytes = 0;
    this.#current = undefined;
    this.#used = 0;
    this.#chunkSize = MIN_CHUNK;
  }

  // Copy `bytes` into a chunk and point slot `slot` at them.
  #place(slot: number, bytes: Uint8Array): void {
    const length = bytes.length;
    let chunk: Uint8Array;
    let offset = 0;
    if (length === 0) chunk = EMPTY;
    else if (length >= OWN_CHUNK) chunk = new Uint8Array(length);
    else {
      if (this.#current === undefined || this.#used + length > this.#current.length) {
        this.#current = new Uint8Array(Math.max(this.#chunkSize, length));
        this.#used = 0;
        this.#chunkSize = Math.min(MAX_CHUNK, this.#chunkSize * 2);
      }
      chunk = this.#current;
      offset = this.#used;
      this.#used += length;
    }
    chunk.set(bytes, offset);
    this.#chunk[slot] = chunk;
    this.#byteOffset[slot] = offset;
    this.#byteLength[slot] = length;
  }

  // Make sure one more slot fits after #tail: slide the segments down, or grow the columns.
  #makeRoom(): void {
    const capacity = this.#start.length;
    if (this.#tail < capacity) return;
    const count = this.length;
    if (this.#head > 0 && this.#head >= capacity / 2) {
      this.#move(0, this.#head, this.#tail);
      this.#chunk.fill(EMPTY, count, this.#tail);
    } else {
      const next = Math.max(INITIAL_CAPACITY, capacity * 2);
      this.#start = grown(this.#start, next, this.#head, count);
      this.#wireLength = grown(this.#wireLength, next, this.#head, count);
      this.#frame = grown(this.#frame, next, this.#head, count);
      this.#order = grown(this.#order, next, this.#head, count);
      this.#byteOffset = grown(this.#byteOffset, next, this.#head, count);
      this.#byteLength = grown(this.#byteLength, next, this.#head, count);
      this.#time.copyWithin(0, this.#head, this.#tail);
      this.#time.resize(next, count);
      const chunks = this.#chunk.slice(this.#head, this.#tail);
      this.#chunk = chunks.concat(new Array<Uint8Array>(next - count).fill(EMPTY));
    }
    this.#head = 0;
    this.#tail = count;
  }

  // Copy the slots [start, end) to `target` onwards, in every column.
  #move(target: number, start: number, end: number): void {
    this.#start.copyWithin(target, start, end);
    this.#wireLength.copyWithin(target, start, end);
    this.#frame.copyWithin(target, start, end);
    this.#order.copyWithin(target, start, end);
    this.#byteOffset.copyWithin(target, start, end);
    this.#byteLength.copyWithin(target, start, end);
    this.#time.copyWithin(target, start, end);
    this.#chunk.copyWithin(target, start, end);
  }
}
