// The acknowledgement numbers a peer sent as they advanced, with their capture times, queued
// until they are old enough to settle (--ack-settle); packed, no object per mark.

import type { Nanos } from '../time.js';
import { TimeColumn } from './time-column.js';

const INITIAL_CAPACITY = 16;

// A first-in first-out queue of (raw ACK number, capture time), oldest first.
export class AckMarks {
  #ack = new Float64Array(INITIAL_CAPACITY);
  #time = new TimeColumn(INITIAL_CAPACITY);
  /** Queued marks are [#head, #tail). */
  #head = 0;
  #tail = 0;

  /** How many marks are queued. */
  get length(): number {
    return this.#tail - this.#head;
  }

  // Queue an ACK number captured at `time`.
  push(ack: number, time: Nanos): void {
    if (this.#tail === this.#ack.length) this.#makeRoom();
    this.#ack[this.#tail] = ack;
    this.#time.set(this.#tail, time);
    this.#tail += 1;
  }

  // Take the marks captured at or before `limit`; the last one's ACK number, or undefined if none.
  takeUpTo(limit: Nanos): number | undefined {
    let settled: number | undefined;
    while (this.#head < this.#tail && this.#time.get(this.#head) <= limit) {
      settled = this.#ack[this.#head]!;
      this.#head += 1;
    }
    if (this.#head === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
    }
    return settled;
  }

  // Slide the queue to the front, or double the room when it is more than half full.
  #makeRoom(): void {
    const count = this.length;
    const capacity = this.#ack.length;
    if (this.#head >= capacity / 2) {
      this.#ack.copyWithin(0, this.#head, this.#tail);
      this.#time.copyWithin(0, this.#head, this.#tail);
    } else {
      const ack = new Float64Array(capacity * 2);
      ack.set(this.#ack.subarray(this.#head, this.#tail));
      this.#ack = ack;
      this.#time.copyWithin(0, this.#head, this.#tail);
      this.#time.resize(capacity * 2, count);
    }
    this.#head = 0;
    this.#tail = count;
  }
}
