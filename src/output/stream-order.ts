// Rows of several directions to one output, grouped: direction by direction in the follower's
// order (connections as they first appeared, the client's direction first), each direction's
// rows in offset order. So the output no longer depends on when rows became final (that moves
// with other traffic, and with what tshark was asked to filter), and --all is the per-stream
// outputs one after the other. The direction whose turn it is is written as its rows come; rows
// of directions still waiting wait in a spool file.

import { WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import type { DirectionKey, DirectionRows } from '../tcp/streams.js';
import { StreamSpool } from './spool.js';
import { put, putThrough, type RowSink, RowWriter, type WriterOptions } from './writer.js';

// True for sinks that are done with a chunk when they call back for it: files, pipes, sockets,
// terminals and this process's stdout (a pass-through stream, say, may still hold it).
function writesThrough(sink: RowSink): boolean {
  return sink instanceof WriteStream || sink instanceof Socket || sink === process.stdout;
}

/** Writes row batches grouped by direction, in `order` (it may grow while rows are written). */
export class StreamOrderedWriter {
  readonly #sink: RowSink;
  readonly #direct: RowWriter;
  readonly #held: RowWriter;
  readonly #spool = new StreamSpool();
  readonly #order: readonly DirectionKey[];
  /** Each direction's place in the order, for the part of the order read so far. */
  readonly #places = new Map<DirectionKey, number>();
  #read = 0;
  /** The place whose turn it is; those before it are written out. */
  #turn = 0;
  /** Places whose last rows came while they waited. */
  readonly #ended = new Set<number>();
  /** The place the held writer's text belongs to. */
  #holding = 0;

  constructor(sink: RowSink, options: WriterOptions, order: readonly DirectionKey[]) {
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

  // Write a batch now if its direction's turn has come (or is over), else hold it back.
  async write(batch: DirectionRows): Promise<void> {
    await this.#direct.start();
    const place = this.#place(batch.direction);
    if (place === undefined || place <= this.#turn) {
      // Not in the order (never expected) or its turn: written as it comes, never lost.
      await this.#direct.write(batch);
    } else {
      this.#holding = place;
      await this.#held.write(batch);
    }
    if (batch.final && place !== undefined) {
      if (place === this.#turn) await this.#next();
      else if (place > this.#turn) this.#ended.add(place);
    }
  }

  // End of rows: write out every direction still held back, in order.
  async finish(): Promise<void> {
    for (; this.#turn < this.#order.length; this.#turn += 1) await this.#release(this.#turn);
    this.#spool.close();
  }

  // Remove the spool file (after an error too).
  close(): void {
    this.#spool.close();
  }

  #place(direction: DirectionKey): number | undefined {
    for (; this.#read < this.#order.length; this.#read += 1) this.#places.set(this.#order[this.#read]!, this.#read);
    return this.#places.get(direction);
  }

  // The direction being written has ended: move on, writing out what the next ones hold.
  async #next(): Promise<void> {
    do {
      this.#turn += 1;
      await this.#release(this.#turn);
    } while (this.#ended.delete(this.#turn));
  }

  async #release(place: number): Promise<void> {
    if (writesThrough(this.#sink)) {
      for (const piece of this.#spool.take(place, true)) await putThrough(this.#sink, piece);
    } else {
      for (const piece of this.#spool.take(place)) await put(this.#sink, piece);
    }
  }
}
