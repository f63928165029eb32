// A set of byte ranges [start, end), kept merged: which positions of a direction were seen.

export class IntervalSet {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];

  /** End of the highest range, or undefined when empty. */
  get end(): number | undefined {
    return this.#ends[this.#ends.length - 1];
  }

  /** Start of the lowest range, or undefined when empty. */
  get start(): number | undefined {
    return this.#starts[0];
  }

  // Index of the first range whose end is at or after `position`.
  #firstEndingFrom(position: number): number {
    let low = 0;
    let high = this.#ends.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#ends[middle]! < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  // How many positions of [start, end) are already in the set.
  covered(start: number, end: number): number {
    let total = 0;
    for (let index = this.#firstEndingFrom(start + 1); index < this.#starts.length && this.#starts[index]! < end; index += 1) {
      total += Math.min(end, this.#ends[index]!) - Math.max(start, this.#starts[index]!);
    }
    return total;
  }

  // Add [start, end), merging with touching or overlapping ranges.
  add(start: number, end: number): void {
    if (start >= end) return;
    const first = this.#firstEndingFrom(start);
    let last = first;
    let mergedStart = start;
    let mergedEnd = end;
    while (last < this.#starts.length && this.#starts[last]! <= end) {
      mergedStart = Math.min(mergedStart, this.#starts[last]!);
      mergedEnd = Math.max(mergedEnd, this.#ends[last]!);
      last += 1;
    }
    this.#starts.splice(first, last - first, mergedStart);
    this.#ends.splice(first, last - first, mergedEnd);
  }

  // The ranges of [from, to) that are not in the set, in order.
  missing(from: number, to: number): [number, number][] {
    const holes: [number, number][] = [];
    let cursor = from;
    for (let index = this.#firstEndingFrom(from + 1); index < this.#starts.length && this.#starts[index]! < to; index += 1) {
      if (this.#starts[index]! > cursor) holes.push([cursor, this.#starts[index]!]);
      cursor = Math.max(cursor, this.#ends[index]!);
    }
    if (cursor < to) holes.push([cursor, to]);
    return holes;
  }
}
