// One output, several directions: rows grouped direction by direction in the follower's order,
// the direction whose turn it is written at once, the others held in a spool file that leaves
// nothing behind; and a spool that cannot be made is one clear IO error.

import { closeSync, constants as fsConstants, createWriteStream, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FollowTcpError } from '../src/errors.js';
import { StreamSpool } from '../src/output/spool.js';
import { StreamOrderedWriter } from '../src/output/stream-order.js';
import type { WriterOptions } from '../src/output/writer.js';
import { DirectionOrder } from '../src/tcp/direction-order.js';
import type { SegmentRow } from '../src/tcp/segment.js';
import type { DirectionKey, DirectionRows } from '../src/tcp/streams.js';

const OPTIONS: WriterOptions = { format: 'csv', rows: 'segment', gapFill: 'none', time: 'epoch', data: 'hex' };
const TIME = 1_700_000_000_000_000_000n;

// A direction of `stream` (a new object: the writer knows directions by identity, as the
// follower hands them out); `server` for the server's side (port 80 → 1000 + stream).
function key(stream: number, server = false): DirectionKey {
  const client = { address: '10.0.0.1', port: 1000 + stream };
  const peer = { address: '10.0.0.2', port: 80 };
  const [from, to] = server ? [peer, client] : [client, peer];
  return {
    stream,
    srcAddress: from.address,
    srcPort: from.port,
    dstAddress: to.address,
    dstPort: to.port,
    src: `${from.address}:${from.port}`,
    dst: `${to.address}:${to.port}`,
  };
}

// A batch of `direction` whose one data row carries `text` (so each row says where it came from).
function batch(direction: DirectionKey, text: string, final = false): DirectionRows {
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
  return { direction, origin: TIME, rows: [row], final } as unknown as DirectionRows;
}

// What the sink received so far: the hex of each data row, decoded (the header left out).
function rowTexts(chunks: Buffer[]): string[] {
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').slice(1).filter((line) => line !== '');
  return lines.map((line) => Buffer.from(line.slice(line.lastIndexOf(',') + 1), 'hex').toString('latin1'));
}

// Run `body` with os.tmpdir() pointing at `dir` (a fresh empty directory by default); returns it.
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

function collected(): { sink: PassThrough; chunks: Buffer[] } {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { sink, chunks };
}

const Order = suite('StreamOrderedWriter: direction by direction, in the follower\'s order');

Order('the direction whose turn it is goes out at once; the others wait, then follow in order', async () => {
  await withTmpdir(async (dir) => {
    const { sink, chunks } = collected();
    const a = key(5);
    const b = key(5, true);
    const c = key(2);
    const order: DirectionKey[] = [a, b];
    const writer = new StreamOrderedWriter(sink, OPTIONS, order);
    await writer.write(batch(b, 'b1'));
    assert.equal(rowTexts(chunks), [], "stream 5's server side waits for its client side");
    assert.equal(readdirSync(dir), [], 'the spool file is already gone from the directory');
    await writer.write(batch(a, 'a1'));
    assert.equal(rowTexts(chunks), ['a1'], "the client side's turn: written at once");
    order.push(c);
    await writer.write(batch(c, 'c1'));
    await writer.write(batch(b, 'b2', true));
    await writer.write(batch(a, 'a2'));
    await writer.write(batch(c, 'c2'));
    assert.equal(rowTexts(chunks), ['a1', 'a2']);
    await writer.write(batch(a, 'a3', true));
    // b had ended while waiting: it is written out whole, and c's turn begins.
    assert.equal(rowTexts(chunks), ['a1', 'a2', 'a3', 'b1', 'b2', 'c1', 'c2']);
    await writer.write(batch(c, 'c3'));
    assert.equal(rowTexts(chunks).at(-1), 'c3');
    await writer.finish();
    assert.equal(rowTexts(chunks), ['a1', 'a2', 'a3', 'b1', 'b2', 'c1', 'c2', 'c3']);
    assert.is(Buffer.concat(chunks).toString('utf8').split('\n')[0], 'stream,src,dst,kind,offset,length,frame,time,rel_time,delivered_time,hol_delay,copies,dup_frames,conflict,gap_acked,data');
    assert.equal(readdirSync(dir), [], 'nothing left behind');
  });
});

Order("with the follower's DirectionOrder: the same rows, and the directions written out let go of", async () => {
  for (const letsGo of [true, false]) {
    await withTmpdir(async () => {
      const { sink, chunks } = collected();
      const [a, b, c] = [key(5), key(5, true), key(2)];
      const order = new DirectionOrder(letsGo);
      order.add(a);
      order.add(b);
      const writer = new StreamOrderedWriter(sink, OPTIONS, order);
      await writer.write(batch(b, 'b1'));
      await writer.write(batch(a, 'a1'));
      order.add(c);
      await writer.write(batch(c, 'c1'));
      await writer.write(batch(b, 'b2', true));
      assert.equal([order.at(0), order.at(1), order.at(2)], [a, b, c], 'nothing written out yet');
      await writer.write(batch(a, 'a2', true));
      assert.equal(rowTexts(chunks), ['a1', 'a2', 'b1', 'b2', 'c1']);
      assert.equal([order.at(0), order.at(1), order.at(2)], letsGo ? [undefined, undefined, c] : [a, b, c], `letsGo ${letsGo}`);
      // A late batch of a direction let go of is still written, not lost.
      await writer.write(batch(a, 'late'));
      await writer.write(batch(c, 'c2', true));
      await writer.finish();
      assert.equal(rowTexts(chunks), ['a1', 'a2', 'b1', 'b2', 'c1', 'late', 'c2']);
      assert.is(order.length, 3);
    });
  }
});

Order('DirectionOrder: places stay the same after the front is cut off; entries are the keys still held', () => {
  const keys = Array.from({ length: 3000 }, (_, index) => key(index));
  const order = new DirectionOrder(true);
  for (const each of keys) order.add(each);
  order.letGoBefore(10);
  assert.is(order.at(9), undefined);
  assert.is(order.at(10), keys[10]);
  order.letGoBefore(2500);
  assert.is(order.length, 3000);
  assert.is(order.at(2499), undefined);
  assert.is(order.at(2500), keys[2500]);
  assert.is(order.at(2999), keys[2999]);
  assert.is(order.add(key(3000)), 3000);
  assert.equal([...order.entries()].map(([place, each]) => [place, each.stream]), Array.from({ length: 501 }, (_, index) => [2500 + index, 2500 + index]));
  const kept = new DirectionOrder(false);
  for (const each of keys) kept.add(each);
  kept.letGoBefore(2500);
  assert.is(kept.at(0), keys[0]);
  assert.is([...kept.entries()].length, 3000);
});

Order('at the end, directions still waiting come out in order, after the one whose turn it was', async () => {
  const { sink, chunks } = collected();
  const order = [key(0), key(0, true), key(1), key(1, true)];
  const writer = new StreamOrderedWriter(sink, OPTIONS, order);
  // Many small batches, interleaved: the spool joins each direction's pieces back in order.
  const expected: string[] = [];
  for (let round = 0; round < 50; round++) for (const index of [3, 1, 0, 2]) await writer.write(batch(order[index]!, `d${index}r${round}`));
  for (let index = 0; index < order.length; index++) for (let round = 0; round < 50; round++) expected.push(`d${index}r${round}`);
  assert.is(rowTexts(chunks).length, 50, 'only the first direction so far');
  await writer.finish();
  assert.equal(rowTexts(chunks), expected);
});

Order('one header, even when every row waited; a direction outside the order is written, not lost', async () => {
  const { sink, chunks } = collected();
  const order = [key(7), key(8)];
  const writer = new StreamOrderedWriter(sink, OPTIONS, order);
  await writer.write(batch(order[1]!, 'x'));
  await writer.write(batch(key(9), 'stray'));
  await writer.finish();
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line !== '');
  assert.is(lines.length, 3);
  assert.ok(lines[0]!.startsWith('stream,src,dst'));
  assert.equal(rowTexts(chunks), ['stray', 'x']);
});

Order('to a file, rows that waited are read back into reused buffers and written whole', async () => {
  // Two waiting directions whose small batches alternate (so each comes back in many small
  // pieces, which a file takes without asking to wait) and a few large ones (pieces of a
  // megabyte): with a file, which is done with a chunk when it calls back, the spool reuses its
  // read buffer, and the file must hold what a pass-through stream got.
  const order = [key(0), key(0, true), key(1)];
  const text = (round: number, length: number): string =>
    String.fromCharCode(...Array.from({ length: 256 }, (_, index) => (index * 31 + round) % 256)).repeat(Math.ceil(length / 256)).slice(0, length);
  const rounds = Array.from({ length: 200 }, (_, round) => [1, 2].map((place) => text(round + place, round % 50 === 0 ? 700_000 : 3000)));
  const run = async (writer: StreamOrderedWriter): Promise<void> => {
    for (const texts of rounds) for (const place of [1, 2]) await writer.write(batch(order[place]!, texts[place - 1]!));
    await writer.write(batch(order[0]!, 'client', true));
    await writer.finish();
  };
  const { sink, chunks } = collected();
  await run(new StreamOrderedWriter(sink, OPTIONS, order));
  const path = join(mkdtempSync(join(tmpdir(), 'follow-tcp-test-')), 'out.csv');
  const file = createWriteStream(path);
  await run(new StreamOrderedWriter(file, OPTIONS, order));
  await new Promise<void>((resolve) => file.end(resolve));
  const written = readFileSync(path);
  assert.ok(written.length > 6 * 1024 * 1024, `${written.length} bytes`);
  assert.ok(written.equals(Buffer.concat(chunks)), 'the file holds the same bytes');
  assert.equal(rowTexts([written]), ['client', ...rounds.map((texts) => texts[0]!), ...rounds.map((texts) => texts[1]!)]);
});

Order('raw bytes that waited are handed to the sink as copies (a sink may keep what it was given)', async () => {
  // The pass-through sink keeps every chunk it was given: were they views into the spool's read
  // buffer, the later records read into it would overwrite the earlier ones.
  const raw: WriterOptions = { ...OPTIONS, format: 'raw' };
  const order = [key(0), key(1)];
  const { sink, chunks } = collected();
  const writer = new StreamOrderedWriter(sink, raw, order);
  const texts = Array.from({ length: 40 }, (_, round) => String.fromCharCode(65 + (round % 26)).repeat(100_000));
  for (const text of texts) await writer.write(batch(order[1]!, text));
  await writer.write(batch(order[0]!, 'first', true));
  await writer.finish();
  assert.ok(Buffer.concat(chunks).equals(Buffer.from(`first${texts.join('')}`, 'latin1')));
});

Order('a spool file that cannot be made: one IO error naming it and what to do', async () => {
  const missing = join(tmpdir(), 'follow-tcp-no-such-dir', 'deeper');
  await withTmpdir(async () => {
    const order = [key(0), key(1)];
    const writer = new StreamOrderedWriter(new PassThrough(), OPTIONS, order);
    try {
      await writer.write(batch(order[1]!, 'waits'));
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

const Spool = suite('StreamSpool: records per stream, back in order, then gone');

// The records of `stream`, copied out (each view is valid only until the next is read).
async function copies(spool: StreamSpool, stream: number): Promise<Buffer[]> {
  const taken: Buffer[] = [];
  for await (const record of spool.takeRecords(stream)) taken.push(Buffer.from(record));
  return taken;
}

async function records(spool: StreamSpool, stream: number): Promise<string[]> {
  return (await copies(spool, stream)).map((record) => record.toString('latin1'));
}

// `length` bytes of a pattern that repeats only every `modulus` bytes (byte i = i × step mod modulus).
function patterned(length: number, step: number, modulus: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * step) % modulus;
  return bytes;
}

// True when files in the temporary directory can be opened with O_DIRECT.
const TAKES_DIRECT = ((): boolean => {
  const flag = fsConstants.O_DIRECT as number | undefined;
  if (flag === undefined) return false;
  const dir = mkdtempSync(join(tmpdir(), 'follow-tcp-test-'));
  try {
    closeSync(openSync(join(dir, 'probe'), fsConstants.O_RDWR | fsConstants.O_CREAT | flag));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

// Each case twice: past the page cache where the file system takes it, and the usual way.
for (const tryDirect of [true, false]) {
  const mode = tryDirect ? 'direct where offered' : 'the usual way';
  Spool(`records of one stream come back whole and in order; a stream taken is no longer held (${mode})`, async () => {
    const spool = new StreamSpool(tryDirect);
    try {
      spool.appendRecord(1, Buffer.from('ab'));
      spool.appendRecord(2, Buffer.from('XY'));
      spool.appendRecord(1, Buffer.from('cd'));
      spool.appendRecord(1, new Uint8Array(0));
      spool.appendRecord(1, Buffer.from('e'));
      spool.appendRecord(2, Buffer.from('Z'));
      assert.ok(spool.has(1) && spool.has(2));
      assert.equal(await records(spool, 1), ['ab', 'cd', 'e']);
      assert.not.ok(spool.has(1));
      assert.equal(await records(spool, 1), []);
      assert.equal(await records(spool, 2), ['XY', 'Z']);
      // Emptied: the file starts over, and holds new records correctly.
      spool.appendRecord(3, Buffer.from('é'));
      assert.equal((await copies(spool, 3)).map((record) => record.toString('utf8')), ['é']);
    } finally {
      spool.close();
      spool.close();
    }
  });

  Spool(`records across read pieces, and one larger than a piece, come back whole (${mode})`, async () => {
    const spool = new StreamSpool(tryDirect);
    try {
      // Records of odd sizes, so that many straddle the edge of a megabyte read piece.
      const small = Array.from({ length: 900 }, (_, index) => patterned(1000 + (index % 7) * 333, index % 5 + 1, 241));
      const big = patterned(3 * 1024 * 1024 + 17, 7, 251);
      small.forEach((record, index) => {
        spool.appendRecord(4, record);
        if (index % 100 === 0) spool.appendRecord(5, Buffer.from('other'));
      });
      spool.appendRecord(4, big);
      spool.appendRecord(4, small[1]!);
      const back = await copies(spool, 4);
      assert.is(back.length, small.length + 2);
      assert.ok(back.every((record, index) => record.equals(index < small.length ? small[index]! : index === small.length ? big : small[1]!)));
      // Appended after a take wrote out the block being filled: that block is filled on and
      // written again, and reads back whole.
      spool.appendRecord(5, Buffer.from('after'));
      assert.equal(await records(spool, 5), [...Array.from({ length: 9 }, () => 'other'), 'after']);
      // Where the file system takes O_DIRECT, every read and write above was aligned as it
      // asks (a refused one would have turned the spool to the usual way).
      if (tryDirect && TAKES_DIRECT) assert.ok(spool.direct, 'still direct after every read and write');
      if (tryDirect && !TAKES_DIRECT) console.log(`  notice: ${tmpdir()} does not take O_DIRECT here; the spool was checked the usual way`);
      if (!tryDirect) assert.not.ok(spool.direct);
    } finally {
      spool.close();
    }
  });

  Spool(`a record whose length field is cut by the edge of a read piece comes back whole (${mode})`, async () => {
    const spool = new StreamSpool(tryDirect);
    try {
      // Pieces are 128 KiB of the file: the first record ends 2 bytes short of a MiB, so the
      // second one's 4-byte length is cut in two, and the second is larger than the first
      // buffer records are put together in.
      const first = patterned(1024 * 1024 - 6, 5, 241);
      const second = patterned(1_500_000, 11, 239);
      spool.appendRecord(8, first);
      spool.appendRecord(8, second);
      spool.appendRecord(8, Buffer.from('third'));
      const back = await copies(spool, 8);
      assert.is(back.length, 3);
      assert.ok(back[0]!.equals(first) && back[1]!.equals(second));
      assert.is(back[2]!.toString('latin1'), 'third');
    } finally {
      spool.close();
    }
  });

  Spool(`read back into a few reused buffers however much is read, each record whole until the next is asked for (${mode})`, async () => {
    const spool = new StreamSpool(tryDirect);
    try {
      // 12 MB, in records that often straddle two read pieces, between another stream's records.
      for (let index = 0; index < 40; index++) {
        spool.appendRecord(6, patterned(300_000, index + 1, 253));
        if (index % 3 === 0) spool.appendRecord(7, patterned(5000, 3, 7));
      }
      const buffers = new Set<ArrayBufferLike>();
      const taken: Buffer[] = [];
      for await (const record of spool.takeRecords(6)) {
        buffers.add(record.buffer);
        taken.push(Buffer.from(record));
      }
      // The reads ahead, and the buffer records cut between pieces are put together in.
      assert.ok(buffers.size <= 6, `${buffers.size} buffers`);
      assert.is(taken.length, 40);
      assert.ok(taken.every((record, index) => record.equals(patterned(300_000, index + 1, 253))));
      assert.is((await records(spool, 7)).length, 14);
    } finally {
      spool.close();
    }
  });

  Spool(`small records gather per stream into runs, and come back in order through every way they reach the file (${mode})`, async () => {
    const spool = new StreamSpool(tryDirect);
    try {
      // 60 streams taking turns with records of 2–10 KB: 11 MB in all, more than the 4 MiB of
      // pages records gather in, so the streams holding the most go to the file as runs.
      const sent = new Map<number, Buffer[]>();
      const send = (stream: number, record: Buffer): void => {
        spool.appendRecord(stream, record);
        sent.set(stream, [...(sent.get(stream) ?? []), record]);
      };
      for (let round = 0; round < 30; round++) {
        for (let stream = 0; stream < 60; stream++) send(stream, patterned(2000 + ((round * 6101 + stream * 1777) % 8000), stream + 1, 241));
      }
      // Each stream's 30 records, never next to each other as they came, lie in a few runs.
      const runs = [...sent.keys()].map((stream) => spool.runs(stream).inFile + (spool.runs(stream).gathered ? 1 : 0));
      assert.ok(Math.max(...runs) <= 10, `runs per stream: ${runs.join(' ')}`);
      assert.ok([...sent.keys()].some((stream) => spool.runs(stream).inFile > 0), 'some runs went to the file');
      // A record too long to gather goes to the file after those gathered for its stream.
      send(1, patterned(200_000, 3, 251));
      send(1, Buffer.from('after the long one'));
      // Taken in the middle: what stream 2 gathered comes back with what is in the file.
      assert.ok(spool.runs(2).gathered || spool.runs(2).inFile > 0);
      const two = await copies(spool, 2);
      assert.ok(two.length === 30 && two.every((record, index) => record.equals(sent.get(2)![index]!)), 'stream 2 whole and in order');
      send(3, Buffer.from('more for stream 3'));
      // No more records: everything gathered goes to the file, and is read back from there.
      spool.endAppends();
      assert.equal(spool.runs(4).gathered, false);
      for (const stream of [...sent.keys()].filter((key) => key !== 2)) {
        const back = await copies(spool, stream);
        const want = sent.get(stream)!;
        assert.is(back.length, want.length, `stream ${stream}`);
        assert.ok(back.every((record, index) => record.equals(want[index]!)), `stream ${stream} whole and in order`);
      }
      // Records come after endAppends too (an output that goes on), gathered again.
      spool.appendRecord(9, Buffer.from('later'));
      assert.equal(await records(spool, 9), ['later']);
    } finally {
      spool.close();
    }
  });

  Spool(`when the streams gathering the most free too few pages for a record, every stream gives way (${mode})`, async () => {
    const spool = new StreamSpool(tryDirect);
    try {
      // Stream 0 fills a page; streams 1–511 hold a few bytes in a page each: all 512 pages are
      // taken. A 60 KB record needs 8: stream 0, the only one above the average, frees one.
      spool.appendRecord(0, patterned(8000, 1, 241));
      for (let stream = 1; stream < 512; stream++) spool.appendRecord(stream, patterned(10, stream, 251));
      spool.appendRecord(600, patterned(60_000, 2, 239));
      assert.ok(spool.runs(600).gathered, 'the long record is gathered');
      assert.ok([0, 1, 255, 511].every((stream) => spool.runs(stream).inFile === 1 && !spool.runs(stream).gathered), 'the others went to the file');
      assert.ok((await copies(spool, 600))[0]!.equals(patterned(60_000, 2, 239)));
      assert.ok((await copies(spool, 0))[0]!.equals(patterned(8000, 1, 241)));
      for (const stream of [1, 255, 511]) assert.ok((await copies(spool, stream))[0]!.equals(patterned(10, stream, 251)));
    } finally {
      spool.close();
    }
  });
}

Spool.run();
