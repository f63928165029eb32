// The segments one direction holds until their rows are written, packed slot by slot in one
// typed array (and their times in another), their payload copied into the direction's own byte
// chunks: no object, view or 8 KiB Buffer pool slab per held segment, so holding seconds of
// traffic (--ack-settle) costs little more than the payload bytes themselves.

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
// The shared array of no slots (never written: it is grown before its first slot is set).
const NO_SLOTS = new Float64Array(0);

// A slot's numbers, at these places of its STRIDE numbers (all exact in a double).
const START = 0; // position of the first payload byte
const WIRE_LENGTH = 1;
const FRAME = 2;
const ORDER = 3; // capture order
const BYTE_OFFSET = 4; // where the payload starts in its chunk
const BYTE_LENGTH = 5; // payload bytes captured
const STRIDE = 6;

// Held segments in the reassembler's order (by start, then capture order), addressed 0 … length−1.
export class HeldSegments {
  // No slots until a segment is held, and none again once cleared: a direction that never holds
  // data, or is done, costs no typed array (thousands of streams may be open at once).
  #slots = NO_SLOTS;
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
    return this.#slots[(this.#head + index) * STRIDE + START]!;
  }

  // Wire length of segment `index`.
  wireLength(index: number): number {
    return this.#slots[(this.#head + index) * STRIDE + WIRE_LENGTH]!;
  }

  // Frame number of segment `index`.
  frame(index: number): number {
    return this.#slots[(this.#head + index) * STRIDE + FRAME]!;
  }

  // Capture order of segment `index`.
  order(index: number): number {
    return this.#slots[(this.#head + index) * STRIDE + ORDER]!;
  }

  // Capture time of segment `index`.
  time(index: number): Nanos {
    return this.#time.get(this.#head + index);
  }

  // The payload bytes of segment `index` (a view into its chunk).
  bytes(index: number): Uint8Array {
    const slot = this.#head + index;
    const offset = this.#slots[slot * STRIDE + BYTE_OFFSET]!;
    return this.#chunk[slot]!.subarray(offset, offset + this.#slots[slot * STRIDE + BYTE_LENGTH]!);
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
    const at = slot * STRIDE;
    this.#slots[at + START] = segment.start;
    this.#slots[at + WIRE_LENGTH] = segment.wireLength;
    this.#slots[at + FRAME] = segment.frame;
    this.#slots[at + ORDER] = segment.order;
    this.#time.set(slot, segment.time);
    this.#place(slot, segment.bytes);
    this.#wireBytes += segment.wireLength;
    if (segment.wireLength > this.#longest) this.#longest = segment.wireLength;
    return index;
  }

  // Cut off every part before `limit`, dropping segments that end by then; returns the wire bytes cut.
  trimBefore(limit: number): number {
    let cutBytes = 0;
    const slots = this.#slots;
    let end = this.#head;
    while (end < this.#tail && slots[end * STRIDE + START]! < limit) end += 1;
    // Survivors of [#head, end) keep their order and are packed against `end`.
    let write = end;
    for (let slot = end - 1; slot >= this.#head; slot -= 1) {
      const from = slot * STRIDE;
      const cut = limit - slots[from + START]!;
      const wireLength = slots[from + WIRE_LENGTH]!;
      cutBytes += Math.min(cut, wireLength);
      if (cut >= wireLength) continue;
      const byteCut = Math.min(cut, slots[from + BYTE_LENGTH]!);
      write -= 1;
      const to = write * STRIDE;
      slots[to + START] = limit;
      slots[to + WIRE_LENGTH] = wireLength - cut;
      slots[to + FRAME] = slots[from + FRAME]!;
      slots[to + ORDER] = slots[from + ORDER]!;
      slots[to + BYTE_OFFSET] = slots[from + BYTE_OFFSET]! + byteCut;
      slots[to + BYTE_LENGTH] = slots[from + BYTE_LENGTH]! - byteCut;
      this.#time.set(write, this.#time.get(slot));
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

  // Drop every held segment, the chunks their bytes were in, and the slots (the direction is done).
  clear(): void {
    this.#slots = NO_SLOTS;
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
    this.#slots[slot * STRIDE + BYTE_OFFSET] = offset;
    this.#slots[slot * STRIDE + BYTE_LENGTH] = length;
  }

  // Make sure one more slot fits after #tail: slide the segments down, or grow the arrays.
  #makeRoom(): void {
    const capacity = this.#slots.length / STRIDE;
    if (this.#tail < capacity) return;
    const count = this.length;
    if (this.#head > 0 && this.#head >= capacity / 2) {
      this.#move(0, this.#head, this.#tail);
      this.#chunk.fill(EMPTY, count, this.#tail);
    } else {
      const next = Math.max(INITIAL_CAPACITY, capacity * 2);
      const slots = new Float64Array(next * STRIDE);
      slots.set(this.#slots.subarray(this.#head * STRIDE, this.#tail * STRIDE));
      this.#slots = slots;
      this.#time.copyWithin(0, this.#head, this.#tail);
      this.#time.resize(next, count);
      const chunks = this.#chunk.slice(this.#head, this.#tail);
      this.#chunk = chunks.concat(new Array<Uint8Array>(next - count).fill(EMPTY));
    }
    this.#head = 0;
    this.#tail = count;
  }

  // Copy the slots [start, end) to `target` onwards, numbers, times and chunks.
  #move(target: number, start: number, end: number): void {
    this.#slots.copyWithin(target * STRIDE, start * STRIDE, end * STRIDE);
    this.#time.copyWithin(target, start, end);
    this.#chunk.copyWithin(target, start, end);
  }
}
