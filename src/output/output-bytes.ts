// Output text put together as bytes: text appended as UTF-8, payload bytes appended as lowercase
// hex digits written straight into the buffer (by the WebAssembly function in hex-module.ts, so no
// string of them is made), then taken out as one Buffer to write.

import { WASM_PAGE } from './aligned-memory.js';
import { encodeData } from './data.js';
import { HEX_WRITE_PAST, type HexFunction, type HexModule, hexModule } from './hex-module.js';

// With WebAssembly: the input to the hex function is copied to the memory's start, at most
// HEX_PIECE bytes at a time; the output text starts at TEXT_START (past the 15 bytes the function
// may read beyond a piece).
const HEX_PIECE = 64 * 1024;
const TEXT_START = 2 * HEX_PIECE;
// Room for text at first (it grows to hold what is put in before it is taken out).
const FIRST_ROOM = 512 * 1024;

/** Bytes of output text being put together, taken out with take(). */
export class OutputBytes {
  readonly #module: HexModule | undefined;
  readonly #hex: HexFunction | undefined;
  /** The memory text is put in (the WebAssembly memory, or a plain buffer without it). */
  #memory: Buffer;
  /** Where the text starts in #memory. */
  readonly #start: number;
  #length = 0;

  // With `useWasm` false (or where WebAssembly is not offered) hex goes through toString('hex').
  constructor(useWasm = true) {
    this.#module = useWasm ? hexModule() : undefined;
    this.#hex = this.#module?.hex;
    if (this.#module) {
      this.#start = TEXT_START;
      this.#module.memory.grow(Math.ceil((TEXT_START + FIRST_ROOM) / WASM_PAGE) - 1);
      this.#memory = Buffer.from(this.#module.memory.buffer);
    } else {
      this.#start = 0;
      this.#memory = Buffer.allocUnsafeSlow(FIRST_ROOM);
    }
  }

  /** True when hex digits are written by WebAssembly. */
  get wasm(): boolean {
    return this.#module !== undefined;
  }

  /** Bytes put in since the last take(). */
  get length(): number {
    return this.#length;
  }

  // Append text, as UTF-8.
  text(text: string): void {
    this.#room(3 * text.length);
    this.#length += this.#memory.write(text, this.#start + this.#length);
  }

  // Append one byte (a newline, a comma).
  byte(value: number): void {
    this.#room(1);
    this.#memory[this.#start + this.#length++] = value;
  }

  // Append the lowercase hex digits of `bytes` (two per byte).
  hex(bytes: Uint8Array): void {
    const hex = this.#hex;
    if (hex === undefined) {
      this.#room(2 * bytes.length);
      this.#length += this.#memory.write(encodeData(bytes, 'hex'), this.#start + this.#length, 'latin1');
      return;
    }
    for (let done = 0; done < bytes.length; done += HEX_PIECE) {
      const piece = bytes.subarray(done, done + HEX_PIECE);
      this.#room(2 * piece.length + HEX_WRITE_PAST);
      this.#memory.set(piece, 0);
      hex(0, piece.length, this.#start + this.#length);
      this.#length += 2 * piece.length;
    }
  }

  // Drop the text put in since the last take() or lend().
  clear(): void {
    this.#length = 0;
  }

  // The text put in since the last take() or lend(), as a view of this memory: the text starts
  // over, and the caller puts nothing more in until whoever it lent the view to is done with it.
  lend(): Buffer {
    const lent = this.#memory.subarray(this.#start, this.#start + this.#length);
    this.#length = 0;
    return lent;
  }

  // The text put in since the last take() or lend(), as a Buffer of its own; the text starts over.
  take(): Buffer {
    const taken = Buffer.allocUnsafe(this.#length);
    this.#memory.copy(taken, 0, this.#start, this.#start + this.#length);
    this.#length = 0;
    return taken;
  }

  // Make room for `bytes` more bytes of text.
  #room(bytes: number): void {
    const needed = this.#start + this.#length + bytes;
    if (needed <= this.#memory.length) return;
    if (this.#module) {
      this.#module.memory.grow(Math.ceil((needed - this.#memory.length) / WASM_PAGE));
      this.#memory = Buffer.from(this.#module.memory.buffer);
      return;
    }
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.#memory.length));
    this.#memory.copy(grown, 0, 0, this.#length);
    this.#memory = grown;
  }
}
