// The worker pool: frames parsed on worker threads, cut into pieces after </packet>, equal the
// frames of the one-thread parser, whatever the chunking and piece size; bad, truncated and
// failing input give the same frames before the same error.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FollowTcpError } from '../src/errors.js';
import type { Frame } from '../src/frame.js';
import { pdmlFrames } from '../src/pdml/frames.js';
import { type PoolOptions, pooledFrames } from '../src/pdml/pool.js';
import { readPdmlBytes, utf8Text } from '../src/source/file.js';
import { collect, PDML_FIXTURES, runCli } from './helpers.js';

const SOURCE = 'x.pdml';

// Bytes in chunks of `size`, as an async iterable; throws `failure` after them when given.
async function* byteChunks(bytes: Uint8Array, size: number, failure?: Error): AsyncGenerator<Uint8Array> {
  for (let index = 0; index < bytes.length; index += size) yield bytes.subarray(index, index + size);
  if (failure) throw failure;
}

// A frame as compared here: payload as hex (the pool's are Uint8Array, the thread's Buffers).
function view(frame: Frame): unknown {
  return { ...frame, payload: Buffer.from(frame.payload).toString('hex') };
}

/** The frames yielded and the error that ended the run, if any. */
interface Outcome {
  frames: unknown[];
  error: [string, string] | undefined;
}

async function outcome(frames: AsyncIterable<Frame>): Promise<Outcome> {
  const seen: unknown[] = [];
  try {
    for await (const frame of frames) seen.push(view(frame));
  } catch (error) {
    if (!(error instanceof FollowTcpError)) throw error;
    return { frames: seen, error: [error.code, error.message] };
  }
  return { frames: seen, error: undefined };
}

// The one-thread parser's outcome on the same bytes.
function threadOutcome(bytes: Uint8Array, failure?: Error): Promise<Outcome> {
  return outcome(pdmlFrames(utf8Text(byteChunks(bytes, 65536, failure)), SOURCE));
}

// Pool settings tried on every input: pieces of ~one packet up to many, all on workers or mixed.
// (Workers start slowly from TypeScript source, so each input gets a few well-chosen settings.)
const POOLS: (PoolOptions & { chunk: number })[] = [
  { workers: 1, pieceSize: 1, inThreadPieces: 0, chunk: 4096 },
  { workers: 2, pieceSize: 3000, inThreadPieces: 2, chunk: 7 },
  { workers: 3, pieceSize: 20000, inThreadPieces: 1, depth: 1, chunk: 1001 },
];

async function fixtureBytes(name: string): Promise<Buffer> {
  return Buffer.concat(await collect(readPdmlBytes(join(PDML_FIXTURES, name))));
}

const FIXTURES = readdirSync(PDML_FIXTURES).filter((name) => /\.pdml(\.gz)?$/.test(name));

const Pool = suite('pooledFrames: worker threads give the one-thread frames and errors');

for (const name of FIXTURES) {
  Pool(`${name}: same frames, every piece size and chunking`, async () => {
    const bytes = await fixtureBytes(name);
    const expected = await threadOutcome(bytes);
    assert.ok(expected.frames.length > 20, 'fixture has frames');
    assert.is(expected.error, undefined);
    for (const { chunk, ...pool } of POOLS) {
      const got = await outcome(pooledFrames(byteChunks(bytes, chunk), SOURCE, pool));
      assert.equal(got, expected, `${JSON.stringify(pool)}, chunks of ${chunk}`);
    }
  });
}

// A defect placed in the middle of a real (full, nested) PDML: the frames before it, then the same error.
const DEFECTS: { name: string; edit: (text: string) => string; code: string }[] = [
  {
    name: 'malformed tag in a read field',
    edit: (text) => replaceNth(text, '<field name="tcp.srcport"', '<field name=tcp.srcport', 60),
    code: 'BAD_INPUT',
  },
  {
    name: 'malformed tag in a layer that is skimmed away',
    edit: (text) => replaceNth(text, '<field name="tcp.checksum"', '<field name="tcp.checksum" show="a & b"', 70),
    code: 'BAD_INPUT',
  },
  {
    name: 'packet without tcp.seq_raw or tcp.seq',
    edit: (text) => replaceNth(replaceNth(text, 'name="tcp.seq_raw"', 'name="tcp.seq_rax"', 80), 'name="tcp.seq"', 'name="tcp.seqx"', 80),
    code: 'BAD_INPUT',
  },
  {
    name: 'input cut inside a packet',
    edit: (text) => text.slice(0, nthIndex(text, '<field name="tcp.len"', 90) + 5),
    code: 'TRUNCATED_INPUT',
  },
  {
    name: 'no </pdml> at the end',
    edit: (text) => text.slice(0, text.lastIndexOf('</pdml>')),
    code: 'TRUNCATED_INPUT',
  },
];

function nthIndex(text: string, needle: string, n: number): number {
  let at = -1;
  for (let count = 0; count < n; count++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`fewer than ${n} of ${needle}`);
  }
  return at;
}

function replaceNth(text: string, needle: string, replacement: string, n: number): string {
  const at = nthIndex(text, needle, n);
  return text.slice(0, at) + replacement + text.slice(at + needle.length);
}

for (const defect of DEFECTS) {
  Pool(`bad input in the middle: ${defect.name}`, async () => {
    const bytes = Buffer.from(defect.edit((await fixtureBytes('loss-mss536-b.pdml.gz')).toString('utf8')));
    const expected = await threadOutcome(bytes);
    assert.is(expected.error?.[0], defect.code, 'the one-thread parser fails as intended');
    assert.ok(expected.frames.length > 20, 'frames come before the error');
    for (const { chunk, ...pool } of POOLS.slice(1, 2)) {
      const got = await outcome(pooledFrames(byteChunks(bytes, chunk), SOURCE, pool));
      assert.equal(got, expected, `${JSON.stringify(pool)}, chunks of ${chunk}`);
    }
  });
}

Pool('byte by byte: a multi-byte character or </packet> split between chunks', async () => {
  const text = (await fixtureBytes('reorder-b.pdml')).toString('utf8').replace('<packet>', '<packet>\n<!-- £ · € -->');
  const bytes = Buffer.from(text);
  const expected = await threadOutcome(bytes);
  const got = await outcome(pooledFrames(byteChunks(bytes, 1), SOURCE, { workers: 2, pieceSize: 5000, inThreadPieces: 1 }));
  assert.equal(got, expected);
});

Pool('input that fails while read: every whole packet before it, then that error', async () => {
  const text = (await fixtureBytes('reorder-b.pdml')).toString('utf8');
  const bytes = Buffer.from(text.slice(0, nthIndex(text, '<field name="tcp.len"', 100)));
  const failure = new FollowTcpError('IO', 'x.pdml: cannot read: device gone');
  const expected = await threadOutcome(bytes, failure);
  assert.equal(expected.error, ['IO', 'x.pdml: cannot read: device gone']);
  for (const { chunk, ...pool } of POOLS) {
    const got = await outcome(pooledFrames(byteChunks(bytes, chunk, failure), SOURCE, pool));
    assert.equal(got, expected, `${JSON.stringify(pool)}, chunks of ${chunk}`);
  }
});

Pool('input with no </packet> at all is parsed on the main thread and fails at once', async () => {
  const bytes = Buffer.from(`<?xml version="1.0"?>\n<pdml>\n${'<packet>\n'.repeat(5000)}`);
  const expected = await threadOutcome(bytes);
  const got = await outcome(pooledFrames(byteChunks(bytes, 100), SOURCE, { workers: 2, pieceSize: 64, inThreadPieces: 0 }));
  assert.equal(got, expected);
  assert.is(got.error?.[0], 'TRUNCATED_INPUT');
});

Pool('CLI: --workers 0 and --workers 2 write the same CSV; a bad count is a usage error', async () => {
  const input = join(PDML_FIXTURES, 'reorder-b.pdml');
  const one = await runCli(['--pdml', input, '--all', '--workers', '0']);
  const two = await runCli(['--pdml', input, '--all', '--workers', '2']);
  assert.is(one.code, 0);
  assert.is(two.code, 0);
  assert.ok(one.stdout.length > 100000);
  assert.ok(one.stdout.equals(two.stdout));
  const bad = await runCli(['--pdml', input, '--all', '--workers', 'many']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--workers/);
  assert.is(bad.stderr.trim().split('\n').length, 1);
});

Pool.run();
