// Rows held back on disk until their turn: records appended, stream by stream, to one temporary
// file (in TMPDIR), and read back one stream at a time. Memory holds only where each stream's
// records lie in the file.

import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ioError } from '../source/file.js';

// Read back in pieces of this many bytes (more for a larger record).
const READ_PIECE = 1 << 20;
// Each record starts with its length, as a 32-bit little-endian number.
const RECORD_LENGTH = 4;

function shortSpool(): Error {
  return Object.assign(new Error('the spool file is shorter than what was written to it'), { code: 'EIO' });
}

/** A temporary file holding, per key (a stream, a direction's place), records waiting to be written. */
export class StreamSpool {
  #dir: string | undefined;
  #file: string | undefined;
  #fd: number | undefined;
  #size = 0;
  /** Per stream: where its records are, as [position, length, position, length, …], in order. */
  readonly #extents = new Map<number, number[]>();
  /** The buffer records are read into. */
  #piece: Buffer | undefined;
  /** A record's length, as written before it. */
  readonly #head = Buffer.alloc(RECORD_LENGTH);

  // The spool file, named for messages.
  #label(): string {
    const file = this.#file ?? join(tmpdir(), 'follow-tcp-*', 'spool');
    return `${file} (rows of later streams held until their turn; set TMPDIR to a disk with room, or use --out-dir)`;
  }

  // True when records of `stream` are waiting here.
  has(stream: number): boolean {
    return this.#extents.has(stream);
  }

  // Append a record of `stream` after what the file holds (its length first, as 4 bytes).
  appendRecord(stream: number, record: Uint8Array): void {
    if (record.length === 0) return;
    const fd = this.#open();
    const position = this.#size;
    const head = this.#head;
    head.writeUInt32LE(record.length);
    const length = RECORD_LENGTH + record.length;
    try {
      for (let done = 0; done < length; ) {
        const parts = done < RECORD_LENGTH ? [head.subarray(done), record] : [record.subarray(done - RECORD_LENGTH)];
        done += writevSync(fd, parts, position + done);
      }
    } catch (error) {
      throw ioError(this.#label(), error, 'write');
    }
    this.#size += length;
    const extents = this.#extents.get(stream);
    if (!extents) this.#extents.set(stream, [position, length]);
    else if (extents[extents.length - 2]! + extents[extents.length - 1]! === position) extents[extents.length - 1]! += length;
    else extents.push(position, length);
  }

  // The records of `stream`, in the order they were appended; the stream is no longer held after.
  // Each record is a view into one reused buffer, valid only until the next is asked for.
  *takeRecords(stream: number): Generator<Uint8Array> {
    const extents = this.#extents.get(stream);
    if (!extents) return;
    this.#extents.delete(stream);
    for (let index = 0; index < extents.length; index += 2) {
      const start = extents[index]!;
      const end = start + extents[index + 1]!;
      // The part of the file in the buffer: [windowStart, windowEnd).
      let windowStart = start;
      let windowEnd = start;
      for (let at = start; at < end; ) {
        if (at + RECORD_LENGTH > windowEnd) [windowStart, windowEnd] = this.#fill(at, RECORD_LENGTH, end);
        const length = RECORD_LENGTH + this.#piece!.readUInt32LE(at - windowStart);
        if (at + length > windowEnd) [windowStart, windowEnd] = this.#fill(at, length, end);
        yield this.#piece!.subarray(at - windowStart + RECORD_LENGTH, at - windowStart + length);
        at += length;
      }
    }
    if (this.#extents.size === 0 && this.#size > 0) {
      // Nothing held any more: start the file over.
      this.#size = 0;
      try {
        ftruncateSync(this.#fd!, 0);
      } catch (error) {
        throw ioError(this.#label(), error, 'empty');
      }
    }
  }

  // Read the file from `at` into the buffer: at least `needed` bytes, as much as fits before `end`.
  // Returns the part of the file the buffer now holds.
  #fill(at: number, needed: number, end: number): [number, number] {
    if (at + needed > end) throw ioError(this.#label(), shortSpool(), 'read');
    if (!this.#piece || this.#piece.length < needed) this.#piece = Buffer.allocUnsafe(Math.max(READ_PIECE, needed));
    const piece = this.#piece;
    const length = Math.min(piece.length, end - at);
    let filled = 0;
    try {
      while (filled < length) {
        const read = readSync(this.#fd!, piece, filled, length - filled, at + filled);
        if (read === 0) throw shortSpool();
        filled += read;
      }
    } catch (error) {
      throw ioError(this.#label(), error, 'read');
    }
    return [at, at + length];
  }

  // Remove the file (and its directory). Safe to call more than once.
  close(): void {
    const fd = this.#fd;
    const dir = this.#dir;
    this.#fd = undefined;
    this.#dir = undefined;
    try {
      if (fd !== undefined) closeSync(fd);
    } catch {
      // Closing a temporary file cannot lose output: nothing to report.
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    this.#extents.clear();
    this.#size = 0;
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    try {
      this.#dir = mkdtempSync(join(tmpdir(), 'follow-tcp-'));
      this.#file = join(this.#dir, 'spool');
      this.#fd = openSync(this.#file, 'w+', 0o600);
    } catch (error) {
      throw ioError(this.#label(), error, 'create');
    }
    // Where the system allows it, the file goes from the directory now and from the disk when
    // it is closed, even if the process is killed; elsewhere close() removes it.
    try {
      rmSync(this.#dir, { recursive: true, force: true });
      this.#dir = undefined;
    } catch {
      // Kept until close().
    }
    return this.#fd;
  }
}
