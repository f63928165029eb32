// Rows of several directions to one output, grouped: direction by direction in the follower's
// order (connections as they first appeared, the client's direction first), each direction's
// rows in offset order. So the output no longer depends on when rows became final (that moves
// with other traffic, and with what tshark was asked to filter), and --all is the per-stream
// outputs one after the other. The direction whose turn it is is written as its rows come; rows
// of directions still waiting wait in a spool file, as compact records (payload bytes, not hex),
// and are turned into text only when their turn comes.

import type { DirectionKey, DirectionRows } from '../tcp/streams.js';
import { decodeHeldRows, HeldRowsEncoder } from './held-rows.js';
import { StreamSpool } from './spool.js';
import { type RowSink, RowWriter, type WriterOptions } from './writer.js';

/** The directions in output order as the writer reads them: an array, or the follower's
 *  DirectionOrder, which can let go of the directions written out. */
export interface DirectionList {
  readonly length: number;
  at(place: number): DirectionKey | undefined;
  letGoBefore?(place: number): void;
}

// Rows are held in records of about this many bytes.
const RECORD_BYTES = 1 << 18;

/** Writes row batches grouped by direction, in `order` (it may grow while rows are written; the
 *  directions written out are let go of, in it and here). */
export class StreamOrderedWriter {
  readonly #direct: RowWriter;
  readonly #spool = new StreamSpool();
  readonly #encoder = new HeldRowsEncoder();
  /** Raw output may keep a row's bytes after writing them: those read back must be copies. */
  readonly #copyBytes: boolean;
  readonly #order: DirectionList;
  /** Each direction's place in the order, for the part of the order read so far and not written out. */
  readonly #places = new Map<DirectionKey, number>();
  #read = 0;
  /** Places before this one are let go of. */
  #gone = 0;
  /** The place whose turn it is; those before it are written out. */
  #turn = 0;
  /** Places whose last rows came while they waited. */
  readonly #ended = new Set<number>();

  constructor(sink: RowSink, options: WriterOptions, order: DirectionList) {
    this.#order = order;
    this.#direct = new RowWriter(sink, options);
    this.#copyBytes = options.format === 'raw';
  }

  // Write a batch now if its direction's turn has come (or is over), else hold it back.
  async write(batch: DirectionRows): Promise<void> {
    await this.#direct.start();
    const place = this.#place(batch.direction);
    if (place === undefined || place <= this.#turn) {
      // Not in the order (never expected) or its turn: written as it comes, never lost.
      await this.#direct.write(batch);
    } else {
      this.#hold(place, batch);
    }
    if (batch.final && place !== undefined) {
      if (place === this.#turn) await this.#next();
      else if (place > this.#turn) this.#ended.add(place);
    }
  }

  // End of rows: write out every direction still held back, in order.
  async finish(): Promise<void> {
    this.#spool.endAppends();
    for (; this.#turn < this.#order.length; this.#turn += 1) await this.#release(this.#turn);
    this.#letGo();
    this.#spool.close();
  }

  // Remove the spool file (after an error too).
  close(): void {
    this.#spool.close();
  }

  #place(direction: DirectionKey): number | undefined {
    for (; this.#read < this.#order.length; this.#read += 1) this.#places.set(this.#order.at(this.#read)!, this.#read);
    return this.#places.get(direction);
  }

  // The direction being written has ended: move on, writing out what the next ones hold.
  async #next(): Promise<void> {
    do {
      this.#turn += 1;
      await this.#release(this.#turn);
    } while (this.#ended.delete(this.#turn));
    this.#letGo();
  }

  // Let go of the directions before the turn: their rows are written, none come after their last.
  // (A batch of one would still be written as it comes, as for a direction outside the order.)
  #letGo(): void {
    for (; this.#gone < Math.min(this.#turn, this.#read); this.#gone += 1) this.#places.delete(this.#order.at(this.#gone)!);
    this.#order.letGoBefore?.(this.#gone);
  }

  // Put a batch's rows in the spool, in records of about RECORD_BYTES.
  #hold(place: number, batch: DirectionRows): void {
    const encoder = this.#encoder;
    encoder.begin(batch.origin);
    for (const row of batch.rows) {
      encoder.add(row);
      if (encoder.size >= RECORD_BYTES) {
        this.#spool.appendRecord(place, encoder.take());
        encoder.begin(batch.origin);
      }
    }
    if (encoder.rows > 0) this.#spool.appendRecord(place, encoder.take());
  }

  // Write out what the spool holds for `place`, record by record (each is read into the same
  // buffer, so a record's rows are written before the next is read). Segment CSV with hex payloads
  // is made straight from the record's bytes: no rows are made of it.
  async #release(place: number): Promise<void> {
    const direction = this.#order.at(place)!;
    const writer = this.#direct;
    const fromBytes = writer.writesHeldCsv;
    for await (const record of this.#spool.takeRecords(place)) {
      if (fromBytes) {
        await writer.writeHeldCsv(direction, record);
        continue;
      }
      const { origin, rows } = decodeHeldRows(record, this.#copyBytes);
      await writer.write({ direction, origin, rows });
    }
  }
}
