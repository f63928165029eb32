// A WebAssembly function that writes the lowercase hex digits of bytes, 16 bytes per step with
// SIMD, from one place of its memory to another: the payload column's hex without a string made
// of it (toString('hex') and then copying the text out cost four times as long).
//
// Its text (WebAssembly's text format):
//
//   (module
//     (memory (export "memory") 1)
//     (func (export "hex") (param $src i32) (param $len i32) (param $dst i32)
//       (local $end i32) (local $v v128) (local $hi v128) (local $lo v128)
//       (local.set $end (i32.add (local.get $src) (local.get $len)))
//       (block $done (loop $step
//         (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
//         (local.set $v (v128.load align=1 (local.get $src)))
//         (local.set $hi (i8x16.swizzle (v128.const i8x16 DIGITS) (i8x16.shr_u (local.get $v) (i32.const 4))))
//         (local.set $lo (i8x16.swizzle (v128.const i8x16 DIGITS) (v128.and (local.get $v) (v128.const i8x16 15 …))))
//         (v128.store align=1 (local.get $dst) (i8x16.shuffle 0 16 1 17 … 7 23 (local.get $hi) (local.get $lo)))
//         (v128.store offset=16 align=1 (local.get $dst) (i8x16.shuffle 8 24 … 15 31 (local.get $hi) (local.get $lo)))
//         (local.set $src (i32.add (local.get $src) (i32.const 16)))
//         (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
//         (br $step))))
//
// It works in whole steps: it reads up to 15 bytes past the end of its input and writes up to 30
// past the end of its output, so callers leave room for that.

/** hex(src, len, dst): the 2·len hex digits of memory[src, src + len) at memory[dst…]. */
export type HexFunction = (src: number, len: number, dst: number) => void;

/** The memory the function reads and writes, and the function. */
export interface HexModule {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  hex: HexFunction;
}

/** Bytes the function may read past its input's end, and write past its output's end. */
export const HEX_READ_PAST = 15;
export const HEX_WRITE_PAST = 30;

// An unsigned LEB128 number, as the binary format writes sizes.
function leb128(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

// A section: its code, its size, its contents.
function section(code: number, contents: number[]): number[] {
  return [code, ...leb128(contents.length), ...contents];
}

const SIMD = 0xfd;
const [LOCAL_GET, LOCAL_SET, I32_CONST, I32_ADD, I32_GE_U] = [0x20, 0x21, 0x41, 0x6a, 0x4f];
const [V128_LOAD, V128_STORE, V128_CONST, I8X16_SHUFFLE, I8X16_SWIZZLE, V128_AND, I8X16_SHR_U] = [0x00, 0x0b, 0x0c, 0x0d, 0x0e, 0x4e, 0x6d];
const [BLOCK, LOOP, BR, BR_IF, END, VOID] = [0x02, 0x03, 0x0c, 0x0d, 0x0b, 0x40];
const [SRC, LEN, DST, END_AT, V, HI, LO] = [0, 1, 2, 3, 4, 5, 6];
const DIGITS = [...'0123456789abcdef'].map((digit) => digit.charCodeAt(0));
const LOW_NIBBLE = new Array<number>(16).fill(0x0f);
const FIRST_HALF = Array.from({ length: 16 }, (_, index) => (index >> 1) + (index & 1 ? 16 : 0));
const SECOND_HALF = FIRST_HALF.map((lane) => lane + 8);

const BODY = [
  ...[2, 1, 0x7f, 3, 0x7b], // locals: one i32 ($end), three v128 ($v $hi $lo)
  ...[LOCAL_GET, SRC, LOCAL_GET, LEN, I32_ADD, LOCAL_SET, END_AT],
  ...[BLOCK, VOID, LOOP, VOID],
  ...[LOCAL_GET, SRC, LOCAL_GET, END_AT, I32_GE_U, BR_IF, 1],
  ...[LOCAL_GET, SRC, SIMD, V128_LOAD, 0, 0, LOCAL_SET, V],
  ...[SIMD, V128_CONST, ...DIGITS, LOCAL_GET, V, I32_CONST, 4, SIMD, I8X16_SHR_U, SIMD, I8X16_SWIZZLE, LOCAL_SET, HI],
  ...[SIMD, V128_CONST, ...DIGITS, LOCAL_GET, V, SIMD, V128_CONST, ...LOW_NIBBLE, SIMD, V128_AND, SIMD, I8X16_SWIZZLE, LOCAL_SET, LO],
  ...[LOCAL_GET, DST, LOCAL_GET, HI, LOCAL_GET, LO, SIMD, I8X16_SHUFFLE, ...FIRST_HALF, SIMD, V128_STORE, 0, 0],
  ...[LOCAL_GET, DST, LOCAL_GET, HI, LOCAL_GET, LO, SIMD, I8X16_SHUFFLE, ...SECOND_HALF, SIMD, V128_STORE, 0, 16],
  ...[LOCAL_GET, SRC, I32_CONST, 16, I32_ADD, LOCAL_SET, SRC],
  ...[LOCAL_GET, DST, I32_CONST, 32, I32_ADD, LOCAL_SET, DST],
  ...[BR, 0, END, END, END],
];

const NAME = (text: string): number[] => [text.length, ...[...text].map((letter) => letter.charCodeAt(0))];

/** The module's bytes. */
export const HEX_MODULE_BYTES = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]), // one function type: (i32 i32 i32) → ()
  ...section(3, [1, 0]), // one function, of that type
  ...section(5, [1, 0, 1]), // one memory, one page at first, no maximum
  ...section(7, [2, ...NAME('memory'), 2, 0, ...NAME('hex'), 0, 0]), // exports
  ...section(10, [1, ...leb128(BODY.length), ...BODY]), // the function's code
]);

// WebAssembly, typed here (the project's TypeScript libraries do not declare it).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A new instance of the hex function with its own memory, or undefined where WebAssembly or its
 *  SIMD instructions are not offered (node --jitless): then callers use toString('hex'). */
export function hexModule(): HexModule | undefined {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return undefined;
  try {
    const { exports } = new wasm.Instance(new wasm.Module(HEX_MODULE_BYTES), {});
    return { memory: exports.memory as HexModule['memory'], hex: exports.hex as HexFunction };
  } catch {
    return undefined;
  }
}
