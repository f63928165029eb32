// Output bytes: hex digits written by the WebAssembly function (and without it, by toString('hex'))
// equal Buffer's own hex for every length and place, text goes in as UTF-8, and the buffer grows
// for what does not fit.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HEX_MODULE_BYTES, HEX_WRITE_PAST, hexModule } from '../src/output/hex-module.js';
import { OutputBytes } from '../src/output/output-bytes.js';

// Bytes that are not a pattern: every value, in a scrambled order.
function scrambled(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let index = 0; index < length; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

const Hex = suite('hex module: lowercase hex digits, 16 bytes a step');

Hex('the module is valid WebAssembly and offered here', () => {
  const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  assert.ok(wasm.validate(HEX_MODULE_BYTES));
  assert.ok(hexModule(), 'node offers WebAssembly with SIMD');
});

Hex("every length 0-100 at every alignment equals toString('hex'); nothing written past the promise", () => {
  const module = hexModule()!;
  const memory = Buffer.from(module.memory.buffer);
  for (let length = 0; length <= 100; length++) {
    for (let offset = 0; offset < 16; offset++) {
      const input = scrambled(length, length * 16 + offset);
      memory.set(input, 1000 + offset);
      memory.fill(0xee, 4000, 4400);
      module.hex(1000 + offset, length, 4000 + offset);
      assert.is(memory.toString('latin1', 4000 + offset, 4000 + offset + 2 * length), input.toString('hex'), `length ${length}`);
      const past = 4000 + offset + 2 * length + HEX_WRITE_PAST;
      assert.ok(memory.subarray(past, 4400).every((byte) => byte === 0xee), 'nothing written past what the module promises');
      assert.ok(memory.subarray(4000, 4000 + offset).every((byte) => byte === 0xee), 'nothing before the output');
    }
  }
  const all = Buffer.from(Array.from({ length: 256 }, (_, value) => value));
  memory.set(all, 0);
  module.hex(0, 256, 8192);
  assert.is(memory.toString('latin1', 8192, 8192 + 512), all.toString('hex'), 'every byte value');
});

const Bytes = suite('OutputBytes: text and hex put together, taken out as a Buffer');

for (const useWasm of [true, false]) {
  const how = useWasm ? 'WebAssembly' : "toString('hex')";

  Bytes(`${how}: text, bytes and hex in order; take() starts over`, () => {
    const bytes = new OutputBytes(useWasm);
    assert.is(bytes.wasm, useWasm);
    const payload = scrambled(1500, 7);
    bytes.text('0,10.0.0.1:80,');
    bytes.hex(payload);
    bytes.byte(0x0a);
    bytes.text('é€😀,');
    bytes.hex(new Uint8Array(0));
    bytes.hex(payload.subarray(3, 20));
    const expected = `0,10.0.0.1:80,${payload.toString('hex')}\né€😀,${payload.subarray(3, 20).toString('hex')}`;
    assert.is(bytes.length, Buffer.byteLength(expected));
    const taken = bytes.take();
    assert.is(taken.toString('utf8'), expected);
    assert.is(bytes.length, 0);
    bytes.text('next');
    assert.is(bytes.take().toString('utf8'), 'next');
    assert.is(taken.toString('utf8'), expected, 'a taken Buffer is its own copy');
  });

  Bytes(`${how}: payloads larger than a piece, and more than the first room, grow the buffer`, () => {
    const bytes = new OutputBytes(useWasm);
    const big = scrambled(300 * 1024 + 5, 11);
    const parts: string[] = [];
    for (let round = 0; round < 4; round++) {
      const view = big.subarray(round, big.length - round);
      bytes.text(`${round},`);
      bytes.hex(view);
      parts.push(`${round},${view.toString('hex')}`);
    }
    assert.ok(bytes.take().toString('latin1') === parts.join(''), 'the same text as toString');
  });
}

Hex.run();
Bytes.run();
