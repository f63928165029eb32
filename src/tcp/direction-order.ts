// The directions a follower follows, in output order (connections as they first appeared, the
// client's direction first), by place; those written out can be let go, so the order does not
// keep a key for every stream a long capture ever held.

import type { DirectionKey } from './streams.js';

// Let-go places are cut off the front of the array once this many have gathered (and at least
// half of it).
const CUT_AT = 1024;

/** Directions by place (0, 1, …); `letGo` lets the keys before a place go. */
export class DirectionOrder {
  readonly #letsGo: boolean;
  #keys: (DirectionKey | undefined)[] = [];
  /** The place of #keys[0]. */
  #offset = 0;

  /** With `letsGo` false, letGoBefore keeps every key (a summary sorts by place at the end). */
  constructor(letsGo = false) {
    this.#letsGo = letsGo;
  }

  /** How many directions were ever added: the next one's place. */
  get length(): number {
    return this.#offset + this.#keys.length;
  }

  // The key at `place`, or undefined if it was let go (or never added).
  at(place: number): DirectionKey | undefined {
    return place < this.#offset ? undefined : this.#keys[place - this.#offset];
  }

  // Add the next direction; returns its place.
  add(key: DirectionKey): number {
    this.#keys.push(key);
    return this.length - 1;
  }

  // Let go of the keys of every place before `place` (when this order lets go).
  letGoBefore(place: number): void {
    if (!this.#letsGo) return;
    const end = Math.min(place, this.length) - this.#offset;
    for (let index = 0; index < end; index += 1) this.#keys[index] = undefined;
    if (end >= CUT_AT && end * 2 >= this.#keys.length) {
      this.#keys = this.#keys.slice(end);
      this.#offset += end;
    }
  }

  // Each key still held, with its place, in order.
  *entries(): Generator<[number, DirectionKey]> {
    for (let index = 0; index < this.#keys.length; index += 1) {
      const key = this.#keys[index];
      if (key) yield [this.#offset + index, key];
    }
  }
}
