// Write reassembled rows to a byte sink as CSV, JSON lines, or the raw bytes of one direction.

import { stringify } from 'csv-stringify/sync';
import type { DirectionKey, DirectionRows } from '../tcp/streams.js';
import { BYTE_COLUMNS, byteCells, type CellFormat, directionLineHead, SEGMENT_COLUMNS, segmentCells, segmentLineStart } from './columns.js';
import { csvRecord } from './csv-record.js';
import { HeldCsvRecord } from './held-csv.js';
import { OutputBytes } from './output-bytes.js';

const NEWLINE = 0x0a;

/** Output format (--format). */
export type OutputFormat = 'csv' | 'jsonl' | 'raw';
/** One row per contiguous chunk, or one row per byte (--rows). */
export type RowShape = 'segment' | 'byte';
/** What raw output writes for bytes missing from the capture (--gap-fill). */
export type GapFill = 'none' | 'zero' | 'marker';

/** Rows of one direction to write: the part of a follower's batch a writer needs. */
export type RowBatch = Pick<DirectionRows, 'direction' | 'origin' | 'rows'>;

/** Everything that decides how rows are written. */
export interface WriterOptions extends CellFormat {
  format: OutputFormat;
  rows: RowShape;
  gapFill: GapFill;
}

/** Where rows go: a Writable, or anything that takes chunks the same way (write, 'drain', 'error'). */
export interface RowSink {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  on(event: 'drain' | 'error', listener: (error?: Error) => void): unknown;
  off(event: 'drain' | 'error', listener: (error?: Error) => void): unknown;
  /** True when the sink has copied a chunk's bytes by the time it calls write's callback: the
   *  memory may then be used again (a chunk given to other sinks must stay as it is). */
  readonly copiesChunks?: boolean;
}

// Write a chunk, waiting for the sink to drain when it asks to (backpressure). A sink that has
// failed already (a file that could not be opened) never drains: its error is thrown at once.
// `written`, if given, is called once the sink is done with the chunk (or has failed).
export async function put(sink: RowSink, chunk: string | Uint8Array, written?: () => void): Promise<void> {
  if (!sink.write(chunk, written)) {
    const state = sink as { destroyed?: boolean; errored?: Error | null };
    if (state.destroyed) throw state.errored ?? Object.assign(new Error('the output was closed'), { code: 'EPIPE' });
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        sink.off('drain', done);
        sink.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      sink.on('drain', done);
      sink.on('error', done);
    });
  }
}

// Zero-filled gap bytes, written in bounded chunks so a huge gap never needs a huge buffer.
async function putZeros(sink: RowSink, length: number): Promise<void> {
  const block = Buffer.alloc(Math.min(length, 1 << 20));
  for (let left = length; left > 0; left -= block.length) await put(sink, left >= block.length ? block : block.subarray(0, left));
}

// Records are written in groups of at most this many, or once their payload reaches this many
// bytes (JSON lines), or once their text reaches this many bytes (CSV): the text of a group stays
// small (no multi-megabyte strings or buffers waiting to be written).
const FLUSH_RECORDS = 4096;
const FLUSH_PAYLOAD = 64 * 1024;
const FLUSH_BYTES = 256 * 1024;

// The bytes every RowWriter puts its CSV text in when its sink does not copy chunks: the text is
// taken out (copied) before each wait, so the bytes are empty whenever another writer runs.
let sharedBytes: OutputBytes | undefined;

// Output bytes lent to a sink that copies chunks (no copy taken), two in turn: one fills while
// the sink copies the other. `returned` settles once the sink is done with the last lent text.
interface LentBytes {
  bytes: OutputBytes;
  returned: Promise<void>;
}

// Writes row batches in the chosen format; the header (CSV) comes with the first batch, unless
// `header` is false (rows to be placed after a header written elsewhere).
export class RowWriter {
  readonly #sink: RowSink;
  readonly #options: WriterOptions;
  readonly #columns: readonly string[];
  /** With a sink that copies chunks: the two output bytes lent to it in turn. */
  #lent: LentBytes[] | undefined;
  #started: boolean;

  constructor(sink: RowSink, options: WriterOptions, header = true) {
    this.#sink = sink;
    this.#options = options;
    this.#columns = options.rows === 'byte' ? BYTE_COLUMNS : SEGMENT_COLUMNS;
    this.#started = !header;
  }

  /** True once anything (even just the header) was written. */
  get started(): boolean {
    return this.#started;
  }

  // Write the header (CSV) now if it was not written yet.
  async start(): Promise<void> {
    if (!this.#started && this.#options.format === 'csv') await put(this.#sink, stringify([[...this.#columns]]));
    this.#started = true;
  }

  // Write one direction's batch of rows.
  async write(batch: RowBatch): Promise<void> {
    const options = this.#options;
    await this.start();
    if (options.format === 'raw') {
      await this.#writeRaw(batch);
      return;
    }
    if (options.format === 'csv') {
      await this.#writeCsv(batch);
      return;
    }
    const records: (string | number)[][] = [];
    let payload = 0;
    for (const row of batch.rows) {
      if (options.rows === 'byte') for (const cells of byteCells(batch, row, options)) records.push(cells);
      else {
        records.push(segmentCells(batch, row, options));
        payload += row.bytes?.length ?? 0;
      }
      if (records.length >= FLUSH_RECORDS || payload >= FLUSH_PAYLOAD) {
        await this.#flushJson(records.splice(0));
        payload = 0;
      }
    }
    await this.#flushJson(records);
  }

  /** True when writeHeldCsv can make CSV straight from held records: segment rows, hex payloads. */
  get writesHeldCsv(): boolean {
    const options = this.#options;
    return options.format === 'csv' && options.rows === 'segment' && options.data === 'hex';
  }

  // Write one direction's held record (held-rows.ts) as CSV lines made from its bytes (only
  // when writesHeldCsv); the record must stay as it is until this settles.
  async writeHeldCsv(direction: DirectionKey, record: Uint8Array): Promise<void> {
    await this.start();
    const held = new HeldCsvRecord(record, this.#options.time);
    const head = directionLineHead({ direction, origin: held.origin });
    let bytes = await this.#emptyBytes();
    while (!held.render(bytes, head, FLUSH_BYTES)) bytes = await this.#send(bytes);
    if (bytes.length > 0) await this.#send(bytes);
  }

  // CSV lines, put together as bytes. The payload cell is last in both row shapes; as hex (or
  // empty) it never needs quotes, and in segment rows its digits go straight into the bytes.
  async #writeCsv(batch: RowBatch): Promise<void> {
    const options = this.#options;
    let bytes = await this.#emptyBytes();
    const plainLast = options.data !== 'text';
    const head = options.data === 'hex' && options.rows === 'segment' ? directionLineHead(batch) : undefined;
    for (const row of batch.rows) {
      if (options.rows === 'byte') for (const cells of byteCells(batch, row, options)) bytes.text(csvRecord(cells, plainLast));
      else if (head === undefined) bytes.text(csvRecord(segmentCells(batch, row, options), plainLast));
      else {
        bytes.text(segmentLineStart(head, batch, row, options));
        if (row.bytes) bytes.hex(row.bytes);
        bytes.byte(NEWLINE);
      }
      if (bytes.length >= FLUSH_BYTES) bytes = await this.#send(bytes);
    }
    if (bytes.length > 0) await this.#send(bytes);
  }

  // Output bytes to put text in, empty (the shared ones are emptied of what a batch that failed
  // half-way left there).
  async #emptyBytes(): Promise<OutputBytes> {
    if (!this.#sink.copiesChunks) {
      sharedBytes ??= new OutputBytes();
      sharedBytes.clear();
      return sharedBytes;
    }
    const lent = (this.#lent ??= [0, 1].map(() => ({ bytes: new OutputBytes(), returned: Promise.resolve() })));
    await lent[0]!.returned;
    return lent[0]!.bytes;
  }

  // Write the text in `bytes` out, and give back empty output bytes to go on with: the same ones
  // (their text copied out first), or, lent to a sink that copies chunks, the other of the two.
  async #send(bytes: OutputBytes): Promise<OutputBytes> {
    const lent = this.#lent;
    if (!this.#sink.copiesChunks || !lent) {
      await put(this.#sink, bytes.take());
      return bytes;
    }
    let back: () => void = () => {};
    lent[0]!.returned = new Promise<void>((resolve) => {
      back = resolve;
    });
    await put(this.#sink, bytes.lend(), back);
    lent.reverse();
    await lent[0]!.returned;
    return lent[0]!.bytes;
  }

  async #flushJson(records: (string | number)[][]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const cells of records) {
      const object: Record<string, string | number> = {};
      this.#columns.forEach((column, index) => {
        object[column] = cells[index]!;
      });
      text += `${JSON.stringify(object)}\n`;
    }
    await put(this.#sink, text);
  }

  async #writeRaw(batch: RowBatch): Promise<void> {
    for (const row of batch.rows) {
      if (row.kind === 'data' && row.bytes) await put(this.#sink, row.bytes);
      else if (this.#options.gapFill === 'zero') await putZeros(this.#sink, row.length);
      else if (this.#options.gapFill === 'marker') await put(this.#sink, `[${row.length} bytes missing in capture file]`);
    }
  }
}
