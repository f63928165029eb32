// Rows held back on disk until their turn: text appended, stream by stream, to one temporary
// file (in TMPDIR), and read back one stream at a time. Memory holds only where each stream's
// pieces lie in the file.

import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ioError } from '../source/file.js';

// Read back in pieces of at most this many bytes.
const READ_PIECE = 1 << 20;

/** A temporary file holding, per key (a stream, a direction's place), text waiting to be written. */
export class StreamSpool {
  #dir: string | undefined;
  #file: string | undefined;
  #fd: number | undefined;
  #size = 0;
  /** Per stream: where its pieces are, as [position, length, position, length, …], in order. */
  readonly #extents = new Map<number, number[]>();
  /** The buffer pieces are read into when the reader reuses them. */
  #piece: Buffer | undefined;

  // The spool file, named for messages.
  #label(): string {
    const file = this.#file ?? join(tmpdir(), 'follow-tcp-*', 'spool');
    return `${file} (rows of later streams held until their turn; set TMPDIR to a disk with room, or use --out-dir)`;
  }

  // True when text of `stream` is waiting here.
  has(stream: number): boolean {
    return this.#extents.has(stream);
  }

  // Append text (or bytes) of `stream` after what the file holds.
  append(stream: number, chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (bytes.length === 0) return;
    const fd = this.#open();
    const position = this.#size;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
    } catch (error) {
      throw ioError(this.#label(), error, 'write');
    }
    this.#size += bytes.length;
    const extents = this.#extents.get(stream);
    if (!extents) this.#extents.set(stream, [position, bytes.length]);
    else if (extents[extents.length - 2]! + extents[extents.length - 1]! === position) extents[extents.length - 1]! += bytes.length;
    else extents.push(position, bytes.length);
  }

  // The text of `stream`, in the order it was appended, as byte pieces; it is no longer held after.
  // With `reuse`, every piece is read into the same buffer: each is valid only until the next is
  // asked for (no garbage of a new megabyte per piece, which the heap would let pile up).
  *take(stream: number, reuse = false): Generator<Uint8Array> {
    const extents = this.#extents.get(stream);
    if (!extents) return;
    this.#extents.delete(stream);
    const fd = this.#fd!;
    for (let index = 0; index < extents.length; index += 2) {
      const start = extents[index]!;
      const end = start + extents[index + 1]!;
      for (let at = start; at < end; ) {
        // Else a new buffer per piece: the sink may keep it until it is written.
        const length = Math.min(READ_PIECE, end - at);
        const piece = reuse ? (this.#piece ??= Buffer.allocUnsafe(READ_PIECE)).subarray(0, length) : Buffer.allocUnsafe(length);
        let filled = 0;
        try {
          while (filled < piece.length) {
            const read = readSync(fd, piece, filled, piece.length - filled, at + filled);
            if (read === 0) throw Object.assign(new Error('the spool file is shorter than what was written to it'), { code: 'EIO' });
            filled += read;
          }
        } catch (error) {
          throw ioError(this.#label(), error, 'read');
        }
        at += piece.length;
        yield piece;
      }
    }
    if (this.#extents.size === 0 && this.#size > 0) {
      // Nothing held any more: start the file over.
      this.#size = 0;
      try {
        ftruncateSync(fd, 0);
      } catch (error) {
        throw ioError(this.#label(), error, 'empty');
      }
    }
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
