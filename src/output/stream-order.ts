// Rows of several streams to one output, grouped by stream: the streams in the order they first
// appeared, each one's rows in the order they became final (as when it is followed alone). So
// the output of --all is the per-stream outputs one after the other. The stream whose turn it is
// is written as its rows come; rows of streams still waiting wait in a spool file.

import type { DirectionRows } from '../tcp/streams.js';
import { StreamSpool } from './spool.js';
import { put, type RowSink, RowWriter, type WriterOptions } from './writer.js';

/** Writes row batches grouped by stream, in `order` (stream indices as they appear; it may grow). */
export class StreamOrderedWriter {
  readonly #sink: RowSink;
  readonly #direct: RowWriter;
  readonly #held: RowWriter;
  readonly #spool = new StreamSpool();
  readonly #order: readonly number[];
  /** order[#turn] is the stream being written; those before it are done. */
  #turn = 0;
  /** Streams written out whole (their turn is over), and streams that ended while waiting. */
  readonly #done = new Set<number>();
  readonly #ended = new Set<number>();
  /** The stream the held writer's text belongs to. */
  #holding = 0;

  constructor(sink: RowSink, options: WriterOptions, order: readonly number[]) {
    this.#sink = sink;
    this.#order = order;
    this.#direct = new RowWriter(sink, options);
    const spool = this.#spool;
    const holder: RowSink = {
      write: (chunk) => {
        spool.append(this.#holding, chunk);
        return true;
      },
      on: () => holder,
      off: () => holder,
    };
    this.#held = new RowWriter(holder, options, false);
  }

  /** True once anything (even just the header) was written. */
  get started(): boolean {
    return this.#direct.started;
  }

  // Write a batch now if its stream's turn has come (or is over), else hold it back.
  async write(batch: DirectionRows): Promise<void> {
    await this.#direct.start();
    const stream = batch.direction.stream;
    if (stream === this.#order[this.#turn] || this.#done.has(stream)) {
      await this.#direct.write(batch);
    } else {
      this.#holding = stream;
      await this.#held.write(batch);
    }
    if (batch.streamEnd) {
      if (stream === this.#order[this.#turn]) await this.#next();
      else if (!this.#done.has(stream)) this.#ended.add(stream);
    }
  }

  // End of rows: write out every stream still held back, in order.
  async finish(): Promise<void> {
    while (this.#turn < this.#order.length) {
      await this.#release(this.#order[this.#turn]!);
      this.#done.add(this.#order[this.#turn]!);
      this.#turn += 1;
    }
    // Rows of a stream missing from the order (none expected) are not lost: they come last.
    for (const stream of this.#spool.streams().sort((a, b) => a - b)) await this.#release(stream);
    this.#spool.close();
  }

  // Remove the spool file (after an error too).
  close(): void {
    this.#spool.close();
  }

  // The stream being written has ended: move on, writing out what the next streams hold.
  async #next(): Promise<void> {
    for (;;) {
      this.#done.add(this.#order[this.#turn]!);
      this.#turn += 1;
      const stream = this.#order[this.#turn];
      if (stream === undefined) return;
      await this.#release(stream);
      if (!this.#ended.delete(stream)) return;
    }
  }

  async #release(stream: number): Promise<void> {
    for (const piece of this.#spool.take(stream)) await put(this.#sink, piece);
  }
}
