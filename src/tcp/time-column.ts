// A column of capture times packed in one BigInt64Array (no heap object per time), for the
// reassembler's held state; a time that does not fit in 64 bits turns it into a plain array.

import type { Nanos } from '../time.js';

// The shared column of no slots (never written: `resize` comes before the first `set`).
const NO_TIMES = new BigInt64Array(0);

/** Growable, index-addressed capture times, exact for any bigint. */
export class TimeColumn {
  #packed: BigInt64Array | undefined;
  #plain: Nanos[] | undefined;

  constructor(capacity: number) {
    this.#packed = capacity === 0 ? NO_TIMES : new BigInt64Array(capacity);
  }

  /** How many times fit before `resize` is needed. */
  get capacity(): number {
    return this.#packed?.length ?? this.#plain!.length;
  }

  // The time at `index`.
  get(index: number): Nanos {
    return this.#packed ? this.#packed[index]! : this.#plain![index]!;
  }

  // Store `time` at `index`.
  set(index: number, time: Nanos): void {
    if (this.#packed && BigInt.asIntN(64, time) !== time) {
      this.#plain = Array.from(this.#packed);
      this.#packed = undefined;
    }
    if (this.#packed) this.#packed[index] = time;
    else this.#plain![index] = time;
  }

  // Copy the times at [start, end) to `target` onwards, as Array.prototype.copyWithin does.
  copyWithin(target: number, start: number, end: number): void {
    if (this.#packed) this.#packed.copyWithin(target, start, end);
    else this.#plain!.copyWithin(target, start, end);
  }

  // Grow (or shrink) to `capacity`, keeping the times at [0, keep) where they are.
  resize(capacity: number, keep: number): void {
    if (this.#packed) {
      const packed = new BigInt64Array(capacity);
      packed.set(this.#packed.subarray(0, keep));
      this.#packed = packed;
    } else {
      const plain = this.#plain!.slice(0, keep);
      plain.length = capacity;
      plain.fill(0n, keep);
      this.#plain = plain;
    }
  }
}
