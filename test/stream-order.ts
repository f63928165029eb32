// One output, several streams: rows grouped by stream in the order the streams appeared, the
// stream whose turn it is written at once, the others held in a spool file that leaves nothing
// behind; and a spool that cannot be made is one clear IO error.

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FollowTcpError } from '../src/errors.js';
import { StreamSpool } from '../src/output/spool.js';
import { StreamOrderedWriter } from '../src/output/stream-order.js';
import type { WriterOptions } from '../src/output/writer.js';
import type { SegmentRow } from '../src/tcp/segment.js';
import type { DirectionRows } from '../src/tcp/streams.js';

const OPTIONS: WriterOptions = { format: 'csv', rows: 'segment', gapFill: 'none', time: 'epoch', data: 'hex' };
const TIME = 1_700_000_000_000_000_000n;

// A batch of `stream` whose one data row carries `text` (so each row says where it came from).
function batch(stream: number, text: string, streamEnd = false): DirectionRows {
  const row: SegmentRow = {
    kind: 'data',
    offset: 0,
    length: text.length,
    frame: 1,
    time: TIME,
    firstTime: TIME,
    deliveredTime: TIME,
    copies: 1,
    dupFrames: [],
    conflict: false,
    gapAcked: undefined,
    bytes: Buffer.from(text, 'latin1'),
  } as SegmentRow;
  const direction = { stream, srcAddress: '10.0.0.1', srcPort: 1000 + stream, dstAddress: '10.0.0.2', dstPort: 80, src: `10.0.0.1:${1000 + stream}`, dst: '10.0.0.2:80' };
  return { direction, origin: TIME, rows: [row], final: streamEnd, streamEnd } as unknown as DirectionRows;
}

// What the sink received so far: the hex of each data row, decoded (the header left out).
function rowTexts(chunks: Buffer[]): string[] {
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').slice(1).filter((line) => line !== '');
  return lines.map((line) => Buffer.from(line.slice(line.lastIndexOf(',') + 1), 'hex').toString('latin1'));
}

// Run `body` with os.tmpdir() pointing at a fresh empty directory; returns that directory.
async function withTmpdir(body: (dir: string) => Promise<void>, dir = mkdtempSync(join(tmpdir(), 'follow-tcp-test-'))): Promise<string> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    await body(dir);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  return dir;
}

const Order = suite('StreamOrderedWriter: grouped by stream, in the order streams appeared');

Order('the stream whose turn it is goes out at once; the others wait, then follow in order', async () => {
  await withTmpdir(async (dir) => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const order = [5, 2];
    const writer = new StreamOrderedWriter(sink, OPTIONS, order);
    await writer.write(batch(2, 'b1'));
    assert.equal(rowTexts(chunks), [], 'stream 2 waits for stream 5');
    assert.equal(readdirSync(dir), [], 'the spool file is already gone from the directory');
    await writer.write(batch(5, 'a1'));
    assert.equal(rowTexts(chunks), ['a1'], "stream 5's turn: written at once");
    order.push(9);
    await writer.write(batch(9, 'c1'));
    await writer.write(batch(2, 'b2', true));
    await writer.write(batch(5, 'a2'));
    await writer.write(batch(9, 'c2'));
    assert.equal(rowTexts(chunks), ['a1', 'a2']);
    await writer.write(batch(5, 'a3', true));
    // Stream 2 had ended while waiting: it is written out whole and stream 9's turn begins.
    assert.equal(rowTexts(chunks), ['a1', 'a2', 'a3', 'b1', 'b2', 'c1', 'c2']);
    await writer.write(batch(9, 'c3'));
    assert.equal(rowTexts(chunks).at(-1), 'c3');
    await writer.finish();
    assert.equal(rowTexts(chunks), ['a1', 'a2', 'a3', 'b1', 'b2', 'c1', 'c2', 'c3']);
    assert.is(Buffer.concat(chunks).toString('utf8').split('\n')[0], 'stream,src,dst,kind,offset,length,frame,time,rel_time,delivered_time,hol_delay,copies,dup_frames,conflict,gap_acked,data');
    assert.equal(readdirSync(dir), [], 'nothing left behind');
  });
});

Order('at the end, streams still waiting come out in order, after the one whose turn it was', async () => {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const order = [0, 1, 2, 3];
  const writer = new StreamOrderedWriter(sink, OPTIONS, order);
  // Many small batches, interleaved: the spool joins each stream's pieces back in order.
  const expected: string[] = [];
  for (let round = 0; round < 50; round++) for (const stream of [3, 1, 0, 2]) await writer.write(batch(stream, `s${stream}r${round}`));
  for (const stream of order) for (let round = 0; round < 50; round++) expected.push(`s${stream}r${round}`);
  assert.is(rowTexts(chunks).length, 50, 'only stream 0 so far');
  await writer.finish();
  assert.equal(rowTexts(chunks), expected);
});

Order('no header twice, and a header even when every row waited', async () => {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = new StreamOrderedWriter(sink, OPTIONS, [7, 8]);
  await writer.write(batch(8, 'x'));
  await writer.finish();
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line !== '');
  assert.is(lines.length, 2);
  assert.ok(lines[0]!.startsWith('stream,src,dst'));
  assert.equal(rowTexts(chunks), ['x']);
});

Order('a spool file that cannot be made: one IO error naming it and what to do', async () => {
  const missing = join(tmpdir(), 'follow-tcp-no-such-dir', 'deeper');
  await withTmpdir(async () => {
    const writer = new StreamOrderedWriter(new PassThrough(), OPTIONS, [0, 1]);
    try {
      await writer.write(batch(1, 'waits'));
      assert.unreachable('should have failed');
    } catch (error) {
      assert.instance(error, FollowTcpError);
      assert.is((error as FollowTcpError).code, 'IO');
      assert.match((error as Error).message, 'cannot create: no such file or directory');
      assert.match((error as Error).message, 'set TMPDIR');
    } finally {
      writer.close();
    }
  }, missing);
});

Order.run();

const Spool = suite('StreamSpool: text per stream, back in order, then gone');

Spool('pieces of one stream are joined in order; a stream taken is no longer held', () => {
  const spool = new StreamSpool();
  try {
    spool.append(1, 'ab');
    spool.append(2, Buffer.from('XY'));
    spool.append(1, 'cd');
    spool.append(1, '');
    spool.append(2, 'Z');
    assert.equal(spool.streams().sort(), [1, 2]);
    assert.is(Buffer.concat([...spool.take(1)]).toString('latin1'), 'abcd');
    assert.not.ok(spool.has(1));
    assert.is(Buffer.concat([...spool.take(1)]).length, 0);
    assert.is(Buffer.concat([...spool.take(2)]).toString('latin1'), 'XYZ');
    // Emptied: the file starts over, and holds new text correctly.
    spool.append(3, 'é');
    assert.is(Buffer.concat([...spool.take(3)]).toString('utf8'), 'é');
  } finally {
    spool.close();
    spool.close();
  }
});

Spool('a stream longer than one read piece comes back whole', () => {
  const spool = new StreamSpool();
  try {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let index = 0; index < big.length; index++) big[index] = (index * 7) % 251;
    spool.append(4, big.subarray(0, 1000));
    spool.append(5, 'other');
    spool.append(4, big.subarray(1000));
    const pieces = [...spool.take(4)];
    assert.ok(pieces.length > 3);
    assert.ok(Buffer.concat(pieces).equals(big));
  } finally {
    spool.close();
  }
});

Spool.run();
