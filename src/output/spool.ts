// Rows held back on disk until their turn: records appended, stream by stream, to one temporary
// file (in TMPDIR), and read back one stream at a time. Memory holds only where each stream's
// records lie in the file, the block being filled and the buffers read into. Where the
// system allows it the file is written and read past the page cache (O_DIRECT, aligned blocks):
// on a virtual machine where new page-cache pages cost 6–11 s of system time per GB, that time
// would otherwise be spent on bytes read back once and thrown away.

import { closeSync, constants, mkdtempSync, openSync, read, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ioError } from '../source/file.js';
import { alignedBuffers, alignUp, DIRECT_ALIGN, isAlignmentRefused, O_DIRECT_FLAG } from './aligned-memory.js';

// The file is written a block at a time.
const BLOCK = 1 << 20;
// A stream's records are read back in pieces of at most this many bytes, READS_AHEAD of them
// under way at once. In (b) the records average 17 KB between other streams' ones, and a read
// past the page cache waits ~0.05-0.09 ms for the disk: the time spent waiting for reads while
// writing out the spool was 1.67 s with 4 reads of up to 1 MiB ahead, 0.8 with 16 of 256 KiB,
// 0.7 with 32 of 128 KiB.
const READ_PIECE = 1 << 17;
const READS_AHEAD = 32;
// Each record starts with its length, as a 32-bit little-endian number.
const RECORD_LENGTH = 4;
// Records shorter than STAGE_DIRECT are first gathered per stream in pages of STAGE_PAGE bytes,
// STAGE_PAGES of them at most (4 MiB), and go to the file as one run per stream when the pages
// run out (the streams holding the most: at or above their average) or when the stream is taken.
// A stream's records then lie in longer runs between other streams' ones, and writing them out
// takes fewer reads: in (b), ~17 KB runs read one by one were the tail's wait.
const STAGE_PAGE = 8 * 1024;
const STAGE_PAGES = 512;
const STAGE_DIRECT = 64 * 1024;

/** A stream's records gathered in memory: `size` bytes over `pages`, every page but the last full. */
interface Staged {
  pages: Buffer[];
  size: number;
}

function readAt(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, offset, length, position, (error, bytes) => (error ? reject(error) : resolve(bytes))));
}

function shortSpool(): Error {
  return Object.assign(new Error('the spool file is shorter than what was written to it'), { code: 'EIO' });
}

/** A temporary file holding, per key (a stream, a direction's place), records waiting to be written. */
export class StreamSpool {
  #dir: string | undefined;
  #file: string | undefined;
  /** The descriptor in use, and one without O_DIRECT to go on with if direct I/O is refused. */
  #fd: number | undefined;
  #usualFd: number | undefined;
  #direct = false;
  /** Bytes appended (the file's logical length). */
  #size = 0;
  /** The block being filled: the file's bytes from #blockStart (a multiple of BLOCK) on. */
  #block: Buffer | undefined;
  #blockStart = 0;
  /** The file's bytes are on the disk up to here (a partly filled block written for a read). */
  #written = 0;
  /** The buffers pieces of the file are read into, READS_AHEAD of them. */
  #readBuffers: Buffer[] | undefined;
  /** Per stream: where its records are, as [position, length, position, length, …], in order. */
  readonly #extents = new Map<number, number[]>();
  /** Per stream: records gathered in memory, not yet in the file (after what the file holds). */
  readonly #staged = new Map<number, Staged>();
  #stagedBytes = 0;
  /** Pages made for gathering (at most STAGE_PAGES), and those free. */
  #pagesMade = 0;
  #freePages: Buffer[] = [];
  /** A record's length, as written before it. */
  readonly #head = Buffer.alloc(RECORD_LENGTH);
  readonly #tryDirect: boolean;

  // With `tryDirect` false, the file is always written the usual way.
  constructor(tryDirect = true) {
    this.#tryDirect = tryDirect;
  }

  // The spool file, named for messages.
  #label(): string {
    const file = this.#file ?? join(tmpdir(), 'follow-tcp-*', 'spool');
    return `${file} (rows of later streams held until their turn; set TMPDIR to a disk with room, or use --out-dir)`;
  }

  /** True when the file is written and read past the page cache. */
  get direct(): boolean {
    return this.#direct;
  }

  // True when records of `stream` are waiting here.
  has(stream: number): boolean {
    return this.#extents.has(stream) || this.#staged.has(stream);
  }

  // Append a record of `stream` after those held for it (its length first, as 4 bytes).
  appendRecord(stream: number, record: Uint8Array): void {
    if (record.length === 0) return;
    this.#open();
    this.#head.writeUInt32LE(record.length);
    const length = RECORD_LENGTH + record.length;
    if (length >= STAGE_DIRECT) {
      this.#unstage(stream);
      this.#appendRun(stream, [this.#head, record]);
      return;
    }
    // Room for the whole record in pages first (so that a record never lies half in the file).
    let staged = this.#staged.get(stream);
    const room = staged ? staged.pages.length * STAGE_PAGE - staged.size : 0;
    const pages = Math.ceil(Math.max(0, length - room) / STAGE_PAGE);
    if (pages > this.#pagesLeft()) {
      this.#relieve();
      // Those at or above the average freed too few pages (many streams with a page each): all go.
      if (pages > this.#pagesLeft()) this.#unstageAll();
      staged = this.#staged.get(stream);
    }
    if (!staged) {
      staged = { pages: [], size: 0 };
      this.#staged.set(stream, staged);
    }
    this.#stage(staged, this.#head);
    this.#stage(staged, record);
  }

  /** Runs of `stream`'s records in the file (each is read on its own when it is taken), and
   *  whether some are still gathered in memory. */
  runs(stream: number): { inFile: number; gathered: boolean } {
    return { inFile: (this.#extents.get(stream)?.length ?? 0) / 2, gathered: this.#staged.has(stream) };
  }

  // No more records will come: what is gathered goes to the file, and its pages are let go.
  endAppends(): void {
    this.#unstageAll();
    this.#freePages = [];
    this.#pagesMade = 0;
  }

  // Copy bytes into a stream's pages, taking pages as it needs them.
  #stage(staged: Staged, bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) {
      const at = staged.size % STAGE_PAGE;
      if (at === 0 && staged.size === staged.pages.length * STAGE_PAGE) staged.pages.push(this.#page());
      const length = Math.min(bytes.length - done, STAGE_PAGE - at);
      staged.pages[staged.pages.length - 1]!.set(bytes.subarray(done, done + length), at);
      done += length;
      staged.size += length;
      this.#stagedBytes += length;
    }
  }

  // Pages free or yet to be made.
  #pagesLeft(): number {
    return this.#freePages.length + STAGE_PAGES - this.#pagesMade;
  }

  // A free page (appendRecord has seen that one is free or may be made).
  #page(): Buffer {
    const page = this.#freePages.pop();
    if (page) return page;
    if (this.#pagesMade >= STAGE_PAGES) throw new Error('the spool gathered records in more pages than it has');
    this.#pagesMade += 1;
    return Buffer.allocUnsafeSlow(STAGE_PAGE);
  }

  // Send the streams that gather the most (at or above the average) to the file.
  #relieve(): void {
    const average = this.#stagedBytes / Math.max(1, this.#staged.size);
    for (const [stream, staged] of [...this.#staged]) if (staged.size >= average) this.#unstage(stream);
  }

  // Send what every stream gathered to the file.
  #unstageAll(): void {
    for (const stream of [...this.#staged.keys()]) this.#unstage(stream);
  }

  // Send what `stream` gathered to the file, as one run, and free its pages.
  #unstage(stream: number): void {
    const staged = this.#staged.get(stream);
    if (!staged) return;
    this.#staged.delete(stream);
    this.#stagedBytes -= staged.size;
    const parts = staged.pages.map((page, index) => page.subarray(0, Math.min(STAGE_PAGE, staged.size - index * STAGE_PAGE)));
    this.#appendRun(stream, parts);
    for (const page of staged.pages) this.#freePages.push(page);
  }

  // Append bytes of `stream` (whole records) after what the file holds.
  #appendRun(stream: number, parts: readonly Uint8Array[]): void {
    const position = this.#size;
    let length = 0;
    for (const part of parts) {
      this.#append(part);
      length += part.length;
    }
    const extents = this.#extents.get(stream);
    if (!extents) this.#extents.set(stream, [position, length]);
    else if (extents[extents.length - 2]! + extents[extents.length - 1]! === position) extents[extents.length - 1]! += length;
    else extents.push(position, length);
  }

  // The records of `stream`, in the order they were appended; the stream is no longer held after.
  // Each record is a view into a reused buffer, valid only until the next is asked for. The file
  // is read in pieces of up to READ_PIECE, READS_AHEAD of them under way at once: a stream's
  // records lie between other streams' ones, and each read past the page cache waits for the disk.
  async *takeRecords(stream: number): AsyncGenerator<Uint8Array> {
    this.#unstage(stream);
    const extents = this.#extents.get(stream);
    if (!extents) return;
    this.#extents.delete(stream);
    // The block being filled goes to the file as it is (it is written again once full), unless
    // nothing was appended since it last went: once input ends, streams are taken one after the
    // other with nothing appended between them (in bench (b), 200 writes of the same block).
    if (this.#size > this.#written) this.#writeBlock(this.#size - this.#blockStart);
    const pieces: number[] = [];
    for (let index = 0; index < extents.length; index += 2) {
      const end = extents[index]! + extents[index + 1]!;
      for (let at = extents[index]!; at < end; at += READ_PIECE) pieces.push(at, Math.min(end, at + READ_PIECE));
    }
    const buffers = (this.#readBuffers ??= this.#memoryFor(READS_AHEAD, READ_PIECE + 2 * DIRECT_ALIGN));
    const reads: Promise<Buffer>[] = [];
    const issue = (piece: number): void => {
      if (piece * 2 >= pieces.length) return;
      const reading = this.#readPiece(buffers[piece % READS_AHEAD]!, pieces[piece * 2]!, pieces[piece * 2 + 1]!);
      // Awaited in turn below; a read left behind (the taker gave up) must not fail unhandled.
      reading.catch(() => {});
      reads[piece % READS_AHEAD] = reading;
    };
    for (let piece = 0; piece < READS_AHEAD; piece++) issue(piece);
    // A record cut by the end of a piece is put together here: `partialNeed` bytes in all (its
    // length field, until that is known), `partialFilled` of them so far.
    let partial = Buffer.allocUnsafe(0);
    let partialNeed = 0;
    let partialFilled = 0;
    const room = (size: number): void => {
      if (partial.length >= size) return;
      const grown = Buffer.allocUnsafeSlow(Math.max(size, 2 * partial.length, 64 * 1024));
      partial.copy(grown, 0, 0, partialFilled);
      partial = grown;
    };
    for (let piece = 0; piece * 2 < pieces.length; piece++) {
      let bytes: Buffer;
      try {
        bytes = await reads[piece % READS_AHEAD]!;
      } catch (error) {
        // The reads already under way finish before the error goes up.
        await Promise.allSettled(reads);
        throw ioError(this.#label(), error, 'read');
      }
      let at = 0;
      while (partialFilled > 0 && at < bytes.length) {
        const take = Math.min(partialNeed - partialFilled, bytes.length - at);
        partial.set(bytes.subarray(at, at + take), partialFilled);
        partialFilled += take;
        at += take;
        if (partialNeed === RECORD_LENGTH && partialFilled === RECORD_LENGTH) {
          partialNeed = RECORD_LENGTH + partial.readUInt32LE(0);
          room(partialNeed);
        }
        if (partialFilled === partialNeed) {
          yield partial.subarray(RECORD_LENGTH, partialNeed);
          partialFilled = 0;
        }
      }
      while (at < bytes.length) {
        const remaining = bytes.length - at;
        const length = remaining >= RECORD_LENGTH ? RECORD_LENGTH + bytes.readUInt32LE(at) : RECORD_LENGTH;
        if (remaining >= RECORD_LENGTH && length <= remaining) {
          yield bytes.subarray(at + RECORD_LENGTH, at + length);
          at += length;
          continue;
        }
        // The rest of this piece begins a record that the next piece ends.
        partialNeed = length;
        room(partialNeed);
        partial.set(bytes.subarray(at), 0);
        partialFilled = remaining;
        at = bytes.length;
      }
      issue(piece + READS_AHEAD);
    }
    if (partialFilled > 0) throw ioError(this.#label(), shortSpool(), 'read');
    if (this.#extents.size === 0) {
      // Nothing held any more: the file is written over from its start. It keeps its length
      // until it is closed (cutting 0.8 GB back took a quarter of a second of the tail in (b)).
      this.#size = 0;
      this.#blockStart = 0;
      this.#written = 0;
    }
  }

  // Read the file's bytes [start, end) into `buffer` (aligned where direct); resolves to them.
  async #readPiece(buffer: Buffer, start: number, end: number): Promise<Buffer> {
    const direct = this.#direct;
    const from = direct ? start - (start % DIRECT_ALIGN) : start;
    const length = direct ? alignUp(end - from) : end - from;
    let filled = 0;
    while (filled < end - from) {
      let read: number;
      try {
        read = await readAt(this.#fd!, buffer, filled, length - filled, from + filled);
      } catch (error) {
        if (!this.#direct || !isAlignmentRefused(error)) throw error;
        // Direct reads refused after all: this piece and all after it the usual way.
        this.#useUsual();
        return this.#readPiece(buffer, start, end);
      }
      if (read === 0) throw shortSpool();
      filled += read;
    }
    return buffer.subarray(start - from, end - from);
  }

  // Copy bytes after what the file holds, writing each block once it is full.
  #append(bytes: Uint8Array): void {
    const block = this.#block!;
    for (let done = 0; done < bytes.length; ) {
      const at = this.#size - this.#blockStart;
      const length = Math.min(bytes.length - done, BLOCK - at);
      block.set(bytes.subarray(done, done + length), at);
      done += length;
      this.#size += length;
      if (at + length === BLOCK) {
        this.#writeBlock(BLOCK);
        this.#blockStart += BLOCK;
      }
    }
  }

  // Write the first `length` bytes of the block being filled at its place in the file (padded to
  // whole aligned units when direct; the padding is written over when the block is written again).
  #writeBlock(length: number): void {
    const block = this.#block!;
    const padded = this.#direct ? alignUp(length) : length;
    block.fill(0, length, padded);
    try {
      for (let done = 0; done < padded; ) done += this.#io(() => writeSync(this.#fd!, block, done, padded - done, this.#blockStart + done));
    } catch (error) {
      throw ioError(this.#label(), error, 'write');
    }
    this.#written = this.#blockStart + length;
  }

  // Run a read or write; when the file system refuses direct I/O after all, go on the usual way.
  #io(operation: () => number): number {
    try {
      return operation();
    } catch (error) {
      if (!this.#direct || !isAlignmentRefused(error)) throw error;
      this.#useUsual();
      return operation();
    }
  }

  // Go on the usual way, through the page cache, on the descriptor opened without O_DIRECT.
  #useUsual(): void {
    this.#direct = false;
    this.#fd = this.#usualFd;
  }

  // `count` buffers of `size` bytes: page-aligned while the file is direct.
  #memoryFor(count: number, size: number): Buffer[] {
    if (this.#direct) {
      try {
        return alignedBuffers(count, size);
      } catch {
        this.#useUsual();
      }
    }
    return Array.from({ length: count }, () => Buffer.allocUnsafeSlow(size));
  }

  // Remove the file (and its directory). Safe to call more than once.
  close(): void {
    const fds = new Set([this.#fd, this.#usualFd]);
    const dir = this.#dir;
    this.#fd = undefined;
    this.#usualFd = undefined;
    this.#dir = undefined;
    this.#direct = false;
    for (const fd of fds) {
      try {
        if (fd !== undefined) closeSync(fd);
      } catch {
        // Closing a temporary file cannot lose output: nothing to report.
      }
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    this.#extents.clear();
    this.#staged.clear();
    this.#stagedBytes = 0;
    this.#freePages = [];
    this.#pagesMade = 0;
    this.#size = 0;
    this.#blockStart = 0;
    this.#written = 0;
  }

  #open(): void {
    if (this.#fd !== undefined) return;
    try {
      this.#dir = mkdtempSync(join(tmpdir(), 'follow-tcp-'));
      this.#file = join(this.#dir, 'spool');
      this.#usualFd = openSync(this.#file, 'w+', 0o600);
      this.#fd = this.#usualFd;
    } catch (error) {
      throw ioError(this.#label(), error, 'create');
    }
    if (this.#tryDirect && O_DIRECT_FLAG !== undefined) {
      try {
        // A second descriptor on the same file, past the page cache (the first stays for the
        // usual way, should direct I/O be refused later: the file is gone from its directory).
        this.#fd = openSync(this.#file, constants.O_RDWR | O_DIRECT_FLAG);
        this.#direct = true;
      } catch {
        // Not offered here (tmpfs on older systems, some network file systems): the usual way.
      }
    }
    this.#block = this.#memoryFor(1, BLOCK)[0]!;
    // Where the system allows it, the file goes from the directory now and from the disk when
    // it is closed, even if the process is killed; elsewhere close() removes it.
    try {
      rmSync(this.#dir, { recursive: true, force: true });
      this.#dir = undefined;
    } catch {
      // Kept until close().
    }
  }
}
