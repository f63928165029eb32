// An output file written past the page cache (O_DIRECT) where the system allows it: text and
// bytes are copied into page-aligned blocks of 1 MiB, each written straight to the disk while the
// next fills. Large outputs then cost almost no system time: on a virtual machine where putting
// new pages in the page cache cost 6–11 s per GB, 1.6 GB took 1.0 s this way. Where O_DIRECT is
// not offered (another system, tmpfs, some network file systems) the file is written the usual
// way, with the same result; anything but a regular file (a FIFO, a device) is never opened so.

import { closeSync, constants, fstatSync, ftruncate, open, openSync, statSync, write } from 'node:fs';
import { Writable } from 'node:stream';
import { alignedBuffers, alignUp, isAlignmentRefused, O_DIRECT_FLAG } from './aligned-memory.js';

// Bytes per block.
const BLOCK = 1 << 20;
// Blocks in turn: one fills while the others are written.
const BLOCKS = 3;

interface Block {
  bytes: Buffer;
  /** The write of this block under way, if any. */
  pending: Promise<void> | undefined;
}

// True when `path` is a regular file, or is not there yet (it will be made one).
function isFileOrNothing(path: string): boolean {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats === undefined || stats.isFile();
  } catch {
    return false;
  }
}

/** True when a DirectFileWriter may be tried for `path`: the system has O_DIRECT, and the path
 *  is a regular file or nothing yet. */
export function mayWriteDirect(path: string): boolean {
  return O_DIRECT_FLAG !== undefined && isFileOrNothing(path);
}

// Open `path` with `flags` (mode 0666 before the umask) on a thread of libuv's pool.
function openFile(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, 0o666, (error, fd) => (error ? reject(error) : resolve(fd))));
}

function writeAt(fd: number, bytes: Buffer, length: number, position: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const step = (done: number): void => {
      if (done >= length) {
        resolve();
        return;
      }
      write(fd, bytes, done, length - done, position + done, (error, written) => (error ? reject(error) : step(done + written)));
    };
    step(0);
  });
}

/** A Writable over a new file at `path` (made empty), written with O_DIRECT when the system takes
 *  it (and `tryDirect` is left true). */
export class DirectFileWriter extends Writable {
  readonly #path: string;
  readonly #tryDirect: boolean;
  #fd: number | undefined;
  /** Descriptors given up for another (closed at the end: writes may still use them). */
  readonly #oldFds: number[] = [];
  /** True while writes go past the page cache; false once the file is written the usual way. */
  #direct = false;
  /** True once a last block was padded: the file is cut back to its length at the end. */
  #padded = false;
  readonly #blocks: Block[] = [];
  #current = 0;
  /** Bytes in the current block. */
  #filled = 0;
  /** Bytes of the file before the current block. */
  #position = 0;
  readonly #encoder = new TextEncoder();
  /** A chunk's bytes are copied into the blocks before its write's callback. */
  readonly copiesChunks = true;

  constructor(path: string, tryDirect = true) {
    super({ decodeStrings: false, highWaterMark: BLOCK });
    this.#path = path;
    this.#tryDirect = tryDirect;
  }

  /** True when the file is written past the page cache. */
  get direct(): boolean {
    return this.#direct;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.#open().then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }

  // Open the file, made empty, on a thread of libuv's pool: emptying a large file that is there
  // takes the system a while (0.55 s for the 1.7 GB of bench (b)'s last output), and tshark's
  // output would wait for it, tshark stopping on the full socket.
  async #open(): Promise<void> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
    if (this.#tryDirect && mayWriteDirect(this.#path)) {
      try {
        this.#fd = await openFile(this.#path, flags | O_DIRECT_FLAG!);
        this.#direct = fstatSync(this.#fd).isFile();
        if (this.#direct) for (const bytes of alignedBuffers(BLOCKS, BLOCK)) this.#blocks.push({ bytes, pending: undefined });
      } catch {
        // O_DIRECT refused, or no memory for aligned blocks: the usual way below.
        this.#direct = false;
      }
    }
    if (!this.#direct) {
      if (this.#fd !== undefined) closeSync(this.#fd);
      this.#fd = await openFile(this.#path, flags);
      this.#blocks.length = 0;
      for (let index = 0; index < BLOCKS; index++) this.#blocks.push({ bytes: Buffer.allocUnsafeSlow(BLOCK), pending: undefined });
    }
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#put(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fds = [...this.#oldFds, ...(this.#fd === undefined ? [] : [this.#fd])];
    this.#fd = undefined;
    this.#oldFds.length = 0;
    Promise.allSettled(this.#blocks.map((block) => block.pending)).then(() => {
      try {
        for (const fd of fds) closeSync(fd);
      } catch (closeError) {
        callback(error ?? (closeError as Error));
        return;
      }
      callback(error);
    });
  }

  // Copy a chunk into blocks, sending each full block to be written.
  async #put(chunk: Buffer | string): Promise<void> {
    if (typeof chunk === 'string') {
      let text = chunk;
      for (;;) {
        const block = await this.#room();
        const { read, written } = this.#encoder.encodeInto(text, block.bytes.subarray(this.#filled));
        this.#filled += written;
        if (read >= text.length) return;
        text = text.slice(read);
        if (this.#filled < BLOCK) {
          // The next character's bytes do not fit whole: they are split between this block and
          // the next (every block but the last is full, so that each starts aligned).
          const units = (text.codePointAt(0) ?? 0) > 0xffff ? 2 : 1;
          await this.#putBytes(Buffer.from(text.slice(0, units), 'utf8'));
          text = text.slice(units);
          if (text.length === 0) return;
        }
      }
    }
    await this.#putBytes(chunk);
  }

  async #putBytes(chunk: Buffer): Promise<void> {
    for (let done = 0; done < chunk.length; ) {
      const block = await this.#room();
      const length = Math.min(chunk.length - done, BLOCK - this.#filled);
      chunk.copy(block.bytes, this.#filled, done, done + length);
      this.#filled += length;
      done += length;
    }
  }

  // The current block, once it has room: a full one is sent first, and a block still being
  // written is waited for.
  async #room(): Promise<Block> {
    if (this.#filled === BLOCK) this.#send(BLOCK);
    const block = this.#blocks[this.#current]!;
    if (block.pending) {
      await block.pending;
      block.pending = undefined;
    }
    return block;
  }

  // Write the current block's first `length` bytes and move on to the next block.
  #send(length: number): void {
    const block = this.#blocks[this.#current]!;
    block.pending = this.#writeBlock(block.bytes, length, this.#position);
    // A failed write is reported by whoever waits for the block next (never unhandled).
    block.pending.catch(() => {});
    this.#position += length;
    this.#current = (this.#current + 1) % BLOCKS;
    this.#filled = 0;
  }

  async #writeBlock(bytes: Buffer, length: number, position: number): Promise<void> {
    if (!this.#direct) return writeAt(this.#fd!, bytes, length, position);
    // A direct write covers whole aligned units: the last block is padded with zeros, and the
    // file cut back to its length at the end.
    const padded = alignUp(length);
    bytes.fill(0, length, padded);
    try {
      await writeAt(this.#fd!, bytes, padded, position);
      if (padded !== length) this.#padded = true;
    } catch (error) {
      if (!isAlignmentRefused(error)) throw error;
      // The file system wants other alignment after all: the rest is written the usual way.
      this.#fallBack();
      await writeAt(this.#fd!, bytes, length, position);
    }
  }

  // Go on writing the file through the page cache, on a descriptor opened without O_DIRECT.
  #fallBack(): void {
    if (!this.#direct) return;
    const fd = openSync(this.#path, constants.O_WRONLY);
    this.#oldFds.push(this.#fd!);
    this.#fd = fd;
    this.#direct = false;
  }

  async #finish(): Promise<void> {
    const end = this.#position + this.#filled;
    if (this.#filled > 0) this.#send(this.#filled);
    for (const block of this.#blocks) await block.pending;
    if (this.#padded) {
      await new Promise<void>((resolve, reject) => ftruncate(this.#fd!, end, (error) => (error ? reject(error) : resolve())));
    }
  }
}
