// followFrames (a frame at a time) and followFrameBatches (frames in arrays, as the commands read
// them): the same row batches, in the same order, however the frames are grouped.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { followFrameBatches, followFrames } from '../src/follow.js';
import type { Frame } from '../src/frame.js';
import { pdmlFrames } from '../src/pdml/frames.js';
import type { DirectionRows, FollowOptions } from '../src/tcp/streams.js';
import { chunked, collect, PDML_FIXTURES } from './helpers.js';

const OPTIONS: FollowOptions = { policy: 'first', maxBuffer: 64 * 1024 * 1024, settle: 0n };

// A batch as comparable text: direction, finality and every row (times and bytes included).
function batchText(batch: DirectionRows): string {
  return JSON.stringify({ direction: batch.direction, final: batch.final, rows: batch.rows }, (_, value: unknown) =>
    typeof value === 'bigint' ? String(value) : value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value,
  );
}

async function* arrays(frames: readonly Frame[], size: number): AsyncGenerator<Frame[]> {
  for (let at = 0; at < frames.length; at += size) yield frames.slice(at, at + size);
}

async function* each(frames: readonly Frame[]): AsyncGenerator<Frame> {
  yield* frames;
}

const Follow = suite('followFrameBatches: the rows of followFrames, whatever the arrays');

Follow('reorder-b.pdml, frames in arrays of 1, 7 and 1000', async () => {
  const text = readFileSync(join(PDML_FIXTURES, 'reorder-b.pdml'), 'utf8');
  const frames = await collect(pdmlFrames(chunked(text, 65536), 'reorder-b.pdml'));
  assert.ok(frames.length > 100, `${frames.length} frames`);
  const expected = (await collect(followFrames(each(frames), OPTIONS).batches)).map(batchText);
  assert.ok(expected.length > 2, `${expected.length} batches`);
  for (const size of [1, 7, 1000]) {
    const got = (await collect(followFrameBatches(arrays(frames, size), OPTIONS).batches)).map(batchText);
    assert.equal(got, expected, `arrays of ${size}`);
  }
});

// Three streams' data in one array of frames, each written at once (--max-buffer 1 byte): the first
// batch handed on must be free to collect while the second is taken. Run in a node of its own,
// with its collector exposed; prints each batch's stream and finality, then released or kept.
const HANDED_ON = `
import { followFrameBatches } from ${JSON.stringify(new URL('../src/follow.ts', import.meta.url).href)};
import { frame } from ${JSON.stringify(new URL('./helpers.ts', import.meta.url).href)};
const frames = [0, 1, 2].map((stream) => frame({ stream, number: stream + 1, srcPort: 1000 + stream, data: 'x'.repeat(100) }));
async function* one() { yield frames; }
const batches = followFrameBatches(one(), { policy: 'first', maxBuffer: 1 }).batches;
let first = (await batches.next()).value;
const seen = [first.direction.stream + ':' + first.final];
const firstRef = new WeakRef(first);
first = undefined;
const second = (await batches.next()).value;
seen.push(second.direction.stream + ':' + second.final);
globalThis.gc();
await new Promise((resolve) => setTimeout(resolve, 10));
globalThis.gc();
process.stdout.write(seen.join(' ') + ' ' + (firstRef.deref() === undefined ? 'released' : 'kept'));
`;

Follow('a batch handed on is not kept alive by the batches handed on with it', async () => {
  const { stdout } = await execa(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', HANDED_ON], { env: { NODE_OPTIONS: '' } });
  assert.is(stdout.trim(), '0:false 1:false released');
});

Follow.run();
