// Memory that starts on a page boundary, for reads and writes that go past the page cache
// (O_DIRECT needs the memory, the file position and the length aligned).

import { constants } from 'node:fs';

/** The alignment kept for O_DIRECT: memory, file positions and lengths (a page; the disk's
 *  logical blocks are 512 or 4096 bytes). */
export const DIRECT_ALIGN = 4096;

/** The O_DIRECT open flag, or undefined where the system has none. */
export const O_DIRECT_FLAG: number | undefined = constants.O_DIRECT as number | undefined;

// WebAssembly.Memory, typed here (the project's TypeScript libraries do not declare it). Its
// memory is the one a program can have that starts on a page boundary: 64 KiB pages.
type WasmMemory = new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: WasmMemory } }).WebAssembly.Memory;
/** WebAssembly memory's page: its memories start on one and grow by whole ones. */
export const WASM_PAGE = 64 * 1024;

/** `count` buffers of `size` bytes (rounded up to 64 KiB), each starting on a page boundary.
 *  Throws where the memory cannot be had (then plain buffers do, without O_DIRECT). */
export function alignedBuffers(count: number, size: number): Buffer[] {
  const each = Math.ceil(size / WASM_PAGE) * WASM_PAGE;
  const pages = (count * each) / WASM_PAGE;
  const memory = Buffer.from(new WasmMemory({ initial: pages, maximum: pages }).buffer);
  return Array.from({ length: count }, (_, index) => memory.subarray(index * each, index * each + size));
}

/** `length` rounded up to whole aligned units. */
export function alignUp(length: number): number {
  return Math.ceil(length / DIRECT_ALIGN) * DIRECT_ALIGN;
}

/** True for the error a direct read or write gives when the file system wants other alignment. */
export function isAlignmentRefused(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}
