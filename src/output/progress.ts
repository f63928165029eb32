// A progress line on stderr for long runs (frames, MB read, MB/s, ETA when the input size is
// known), redrawn in place; only when stderr is a terminal, never with --quiet.

import type { Writable } from 'node:stream';

/** The clock progress is measured with (milliseconds); tests pass their own. */
export type Clock = () => number;

// Redraws one status line at most every `interval` ms; done() clears it.
export class Progress {
  readonly #sink: Writable;
  readonly #total: number | undefined;
  readonly #clock: Clock;
  readonly #started: number;
  readonly #interval: number;
  #last = 0;
  #frames = 0;
  #bytes = 0;
  #shown = false;

  constructor(sink: Writable, total: number | undefined, clock: Clock = Date.now, interval = 250) {
    this.#sink = sink;
    this.#total = total;
    this.#clock = clock;
    this.#started = clock();
    this.#interval = interval;
  }

  // Count input text read (bytes of PDML).
  read(bytes: number): void {
    this.#bytes += bytes;
  }

  // Count frames read, redrawing the line when it is due (at most once per 256 frames).
  frames(count: number): void {
    const before = this.#frames;
    this.#frames += count;
    if (before >>> 8 === this.#frames >>> 8) return;
    const now = this.#clock();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    this.#sink.write(`\r${this.line(now)}\x1b[K`);
    this.#shown = true;
  }

  // The status text at time `now`.
  line(now: number): string {
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const megabytes = this.#bytes / 1e6;
    const rate = megabytes / seconds;
    let text = `follow-tcp: ${this.#frames} frames, ${megabytes.toFixed(1)} MB read, ${rate.toFixed(1)} MB/s`;
    if (this.#total !== undefined && this.#bytes > 0 && this.#bytes <= this.#total) {
      const left = (this.#total - this.#bytes) / 1e6 / rate;
      text += `, ${Math.round((100 * this.#bytes) / this.#total)} %, ETA ${Math.ceil(left)} s`;
    }
    return text;
  }

  // Clear the line (if one was drawn).
  done(): void {
    if (this.#shown) this.#sink.write('\r\x1b[K');
  }
}
