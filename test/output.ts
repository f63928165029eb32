// Output options of the main job on a real capture with capture holes (caploss: 3 frames deleted):
// byte rows, JSON lines, raw bytes with each gap fill, time formats, text data, --out-dir, --summary.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'csv-stringify/sync';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { directionLineHead, SEGMENT_COLUMNS, segmentCells, segmentLineStart } from '../src/output/columns.js';
import { csvRecord } from '../src/output/csv-record.js';
import { RowWriter, type WriterOptions } from '../src/output/writer.js';
import type { SegmentRow } from '../src/tcp/segment.js';
import type { DirectionRows } from '../src/tcp/streams.js';
import { formatIso, formatSeconds, parseEpoch } from '../src/time.js';
import { MKCAP_FIXTURES, PDML_FIXTURES, parseCsv, runCli } from './helpers.js';

const PDML = join(PDML_FIXTURES, 'caploss-b-caploss.pdml');
const SENT = gunzipSync(readFileSync(join(MKCAP_FIXTURES, 'caploss', 'payload', 'c0-a2b.bin.gz')));
const CLIENT = ['--pdml', PDML, '--stream', '0', '--src', '10.77.0.2'];
const HOLES: [number, number][] = [
  [14480, 15916],
  [33148, 34584],
  [40328, 41764],
];

const Output = suite('output options');

Output('--rows byte: one row per captured byte, each the byte sent at that offset', async () => {
  const result = await runCli([...CLIENT, '--rows', 'byte']);
  assert.is(result.code, 0, result.stderr);
  const rows = parseCsv(result.stdout.toString('utf8'));
  assert.is(rows.length, SENT.length - 3 * 1436);
  assert.equal(Object.keys(rows[0]!), ['stream', 'src', 'dst', 'offset', 'frame', 'time', 'delivered_time', 'hol_delay', 'byte']);
  const wrong = rows.filter((row) => Number.parseInt(row.byte!, 16) !== SENT[Number(row.offset)]);
  assert.is(wrong.length, 0);
  assert.not.ok(rows.some((row) => HOLES.some(([start, end]) => Number(row.offset) >= start && Number(row.offset) < end)));
});

Output('--format jsonl: the same rows as CSV, one JSON object per line', async () => {
  const csv = parseCsv((await runCli(CLIENT)).stdout.toString('utf8'));
  const result = await runCli([...CLIENT, '--format', 'jsonl']);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.is(lines.length, csv.length);
  assert.equal(lines.map((line) => `${line.kind}@${line.offset}+${line.length}:${line.frame}`), csv.map((row) => `${row.kind}@${row.offset}+${row.length}:${row.frame}`));
});

for (const [fill, expected] of [
  ['none', () => Buffer.concat([SENT.subarray(0, 14480), SENT.subarray(15916, 33148), SENT.subarray(34584, 40328), SENT.subarray(41764)])],
  ['zero', () => Buffer.concat([SENT.subarray(0, 14480), Buffer.alloc(1436), SENT.subarray(15916, 33148), Buffer.alloc(1436), SENT.subarray(34584, 40328), Buffer.alloc(1436), SENT.subarray(41764)])],
  ['marker', () => {
    const marker = Buffer.from('[1436 bytes missing in capture file]');
    return Buffer.concat([SENT.subarray(0, 14480), marker, SENT.subarray(15916, 33148), marker, SENT.subarray(34584, 40328), marker, SENT.subarray(41764)]);
  }],
] as const) {
  Output(`--format raw --gap-fill ${fill}`, async () => {
    const result = await runCli([...CLIENT, '--format', 'raw', '--gap-fill', fill]);
    assert.is(result.code, 0, result.stderr);
    assert.ok(result.stdout.equals(expected()), `raw output with --gap-fill ${fill}`);
  });
}

Output('--time iso and relative rewrite the time columns exactly', async () => {
  const epoch = parseCsv((await runCli(CLIENT)).stdout.toString('utf8'));
  const iso = parseCsv((await runCli([...CLIENT, '--time', 'iso'])).stdout.toString('utf8'));
  const relative = parseCsv((await runCli([...CLIENT, '--time', 'relative'])).stdout.toString('utf8'));
  epoch.forEach((row, index) => {
    if (row.kind !== 'data') return;
    assert.is(iso[index]!.time, formatIso(parseEpoch(row.time!)!));
    assert.is(relative[index]!.time, row.rel_time);
  });
  assert.match(iso[0]!.time!, /^2026-11-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
});

Output('--data text escapes newlines and backslashes', async () => {
  const rows = parseCsv((await runCli([...CLIENT, '--data', 'text'])).stdout.toString('utf8'));
  assert.is(rows[0]!.data!.slice(0, 34), 'A0:000000000000\\nA0:000000000010\\n');
});

Output('--out-dir writes one file per direction and an index with summary figures', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'follow-tcp-')), 'out');
  const result = await runCli(['--pdml', PDML, '--all', '--out-dir', dir]);
  assert.is(result.code, 0, result.stderr);
  assert.equal(readdirSync(dir).sort(), [
    'index.csv',
    'stream-0_10.77.0.2.54034-10.77.1.2.5001.csv',
    'stream-0_10.77.1.2.5001-10.77.0.2.54034.csv',
  ]);
  const index = parseCsv(readFileSync(join(dir, 'index.csv'), 'utf8'));
  const client = index.find((row) => row.src === '10.77.0.2:54034')!;
  assert.equal([client.bytes, client.gaps, client.gap_bytes, client.gap_unacked_bytes], ['60000', '3', '4308', '0']);
  const all = parseCsv((await runCli(['--pdml', PDML, '--all'])).stdout.toString('utf8'));
  const file = parseCsv(readFileSync(join(dir, client.file!), 'utf8'));
  assert.equal(file, all.filter((row) => row.src === '10.77.0.2:54034'), 'the file holds that direction of the --all output');
});

Output('--summary prints the figures per direction on stderr', async () => {
  const result = await runCli([...CLIENT, '--summary', '--data', 'none']);
  assert.is(result.code, 0);
  assert.match(result.stderr, 'stream 0 10.77.0.2:54034 → 10.77.1.2:5001: 60000 bytes, 55692 captured in 40 data frames');
  assert.match(result.stderr, 'gaps: 3 (4308 bytes: 4308 acked, 0 not acked)');
});

for (const data of ['hex', 'text'] as const) Output(`a batch larger than one write group comes out as one CSV, in order (--data ${data})`, async () => {
  const time = 1_700_000_000_000_000_000n;
  const rows: SegmentRow[] = Array.from({ length: 300 }, (_, index) => ({
    kind: 'data',
    offset: index * 1448,
    length: 1448,
    frame: index + 1,
    time: time + BigInt(index),
    firstTime: time + BigInt(index),
    deliveredTime: time + BigInt(index),
    copies: 1,
    dupFrames: [],
    conflict: false,
    gapAcked: undefined,
    bytes: Buffer.alloc(1448, index % 256),
  }));
  const direction = {
    stream: 0,
    srcAddress: '10.0.0.1',
    srcPort: 1000,
    dstAddress: '10.0.0.2',
    dstPort: 80,
    src: '10.0.0.1:1000',
    dst: '10.0.0.2:80',
  };
  const batch = { direction, origin: time, rows, final: true } as unknown as DirectionRows;
  // Every byte value, so as text some cells hold , and " and must be quoted.
  const options: WriterOptions = { format: 'csv', rows: 'segment', gapFill: 'none', time: 'epoch', data };
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new RowWriter(sink, options).write(batch);
  const expected = stringify([[...SEGMENT_COLUMNS], ...rows.map((row) => segmentCells(batch, row, options))]);
  assert.ok(chunks.length > 3, 'written in several groups');
  assert.is(Buffer.concat(chunks).toString('utf8'), expected);
  // A sink that copies chunks is lent the writer's memory: it is not written again until the
  // sink calls back, here only after a turn of the event loop (and the sink takes many chunks
  // before it asks to drain).
  const copies: Buffer[] = [];
  const copying = Object.assign(
    new Writable({
      highWaterMark: 64 << 20,
      write(chunk: Buffer, _encoding, callback) {
        setImmediate(() => {
          copies.push(Buffer.from(chunk));
          callback();
        });
      },
    }),
    { copiesChunks: true },
  );
  const writer = new RowWriter(copying, options);
  await writer.write(batch);
  await writer.write(batch);
  await new Promise<void>((resolve) => copying.end(resolve));
  assert.ok(copies.length > 6, 'written in several groups');
  assert.is(Buffer.concat(copies).toString('utf8'), expected + expected.slice(expected.indexOf('\n') + 1));
});

// Writers share the bytes they put CSV in: a batch that fails half-way (here a row without its
// dupFrames list) leaves nothing behind for the next writer.
Output('a batch that fails half-way leaves nothing in the next writer\'s output', async () => {
  const direction = { stream: 1, src: '10.0.0.1:1000', dst: '10.0.0.2:80' };
  const good: SegmentRow = {
    kind: 'data', offset: 0, length: 1, frame: 1, time: 5n, firstTime: 5n, deliveredTime: 5n,
    copies: 1, dupFrames: [], conflict: false, gapAcked: undefined, bytes: Uint8Array.of(0xab),
  };
  const broken = { ...good, offset: 1, dupFrames: undefined } as unknown as SegmentRow;
  const options: WriterOptions = { format: 'csv', rows: 'segment', gapFill: 'none', time: 'epoch', data: 'hex' };
  const batch = (rows: SegmentRow[]) => ({ direction, origin: 5n, rows }) as unknown as DirectionRows;
  const failing = new RowWriter(new PassThrough(), options, false);
  await failing.write(batch([good, broken])).then(
    () => assert.unreachable('the broken row fails'),
    (error: Error) => assert.instance(error, TypeError),
  );
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new RowWriter(sink, options, false).write(batch([good]));
  assert.is(Buffer.concat(chunks).toString('utf8'), csvRecord(segmentCells(batch([good]), good, options)));
});

// The hot path's line start equals csvRecord over segmentCells for every kind of row, every
// optional cell present and absent, negative relative times, each time format, and endpoints that
// would need quotes (none do in practice; the head quotes them as csv-stringify would).
Output('segmentLineStart + hex payload + newline = csvRecord(segmentCells) for every kind of row', () => {
  const origin = 1_700_000_000_123_456_789n;
  const base = { frame: undefined, time: undefined, firstTime: undefined, deliveredTime: undefined, copies: 0, dupFrames: [] };
  const rows: SegmentRow[] = [
    { ...base, kind: 'data', offset: 5_000_000_000, length: 3, frame: 4_000_000_001, time: origin + 1n, firstTime: origin, deliveredTime: origin + 999_999_999n, copies: 3, dupFrames: [7, 4_294_967_296, 9], conflict: true, gapAcked: undefined, bytes: Uint8Array.of(0, 255, 10) },
    { ...base, kind: 'gap', offset: 3, length: 2 ** 40, conflict: false, gapAcked: true, bytes: undefined },
    { ...base, kind: 'gap', offset: 7, length: 1, conflict: false, gapAcked: false, bytes: undefined },
    { ...base, kind: 'truncated', offset: 8, length: 100, frame: 12, time: origin - 5n, firstTime: origin - 5n, copies: 1, conflict: false, gapAcked: undefined, bytes: undefined },
    { ...base, kind: 'data', offset: 108, length: 0, frame: 13, time: origin, copies: 1, conflict: false, gapAcked: undefined, bytes: new Uint8Array(0) },
  ];
  for (const [src, dst] of [['10.0.0.1:1000', '[2001:db8::1]:80'], ['a,b', 'say "hi"']]) {
    const batch = { direction: { stream: 4, src, dst }, origin } as unknown as DirectionRows;
    const head = directionLineHead(batch);
    for (const time of ['epoch', 'relative', 'iso'] as const) {
      const format = { time, data: 'hex' } as const;
      for (const row of rows) {
        const line = `${segmentLineStart(head, batch, row, format)}${row.bytes ? Buffer.from(row.bytes).toString('hex') : ''}\n`;
        assert.is(line, csvRecord(segmentCells(batch, row, format)), `${src} ${time} ${row.kind}`);
      }
    }
  }
});

Output.run();

// csvRecord: what csv-stringify writes with its defaults, cell for cell.
const Record = suite('csvRecord: csv-stringify\'s output for number and string cells');

const SPECIAL_CELLS: (string | number)[] = [
  '', 'a', 'a,b', 'a"b', '"', '""', 'a\nb', 'a\rb', '\r\n', ' padded ', '=1+2', '-3', '\t', 'é', '\\x00',
  0, -0, 7, -12, 1.5, 2 ** 53, 1e21, 1e-7, Number.NaN,
];

Record('hand-picked cells, alone and together', () => {
  for (const cell of SPECIAL_CELLS) assert.is(csvRecord([cell]), stringify([[cell]]), JSON.stringify(cell));
  assert.is(csvRecord(SPECIAL_CELLS), stringify([SPECIAL_CELLS]));
});

Record('2,000 generated records (commas, quotes, CR, LF, spaces, numbers)', () => {
  let seed = 42;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const alphabet = ['a', '0', ',', '"', '\n', '\r', ' ', 'é', ':', '.'];
  for (let record = 0; record < 2000; record++) {
    const cells: (string | number)[] = [];
    for (let cell = next() % 17; cell > 0; cell--) {
      if (next() % 4 === 0) cells.push((next() % 20001) - 10000);
      else cells.push(Array.from({ length: next() % 6 }, () => alphabet[next() % alphabet.length]!).join(''));
    }
    assert.is(csvRecord(cells), stringify([cells]), JSON.stringify(cells));
  }
});

Record('with plainLast, a last cell without , " CR LF comes out the same, unsearched', () => {
  const hex = Buffer.from('any bytes, "quoted"\r\n', 'latin1').toString('hex');
  for (const cells of [['a,b', 7, hex], [hex], ['x', '']]) assert.is(csvRecord(cells, true), stringify([cells]));
  assert.is(csvRecord(['a', 'b,c'], true), 'a,b,c\n', 'the caller vouches for the last cell: it is not searched');
});

Record('with newline false, the line without its newline (the caller ends it)', () => {
  assert.is(csvRecord(['a,b', 7, ''], true, false), '"a,b",7,');
  assert.is(csvRecord(['x'], false, false), 'x');
});

// formatSeconds: every decimal, for epochs, durations and negative ones (hol_delay never is,
// rel_time is before a stream's first frame in a reordered capture).
Record('formatSeconds: all 9 decimals, whatever the size and sign', () => {
  const cases: [bigint, string][] = [
    [0n, '0.000000000'],
    [1n, '0.000000001'],
    [999_999_999n, '0.999999999'],
    [1_000_000_000n, '1.000000000'],
    [12_000_340_000n, '12.000340000'],
    [1_795_346_406_651_105_569n, '1795346406.651105569'],
    [-1n, '-0.000000001'],
    [-1_000_000_001n, '-1.000000001'],
    [123_456_789_012_345_678_901_234n, '123456789012345.678901234'],
  ];
  for (const [nanos, text] of cases) {
    assert.is(formatSeconds(nanos), text, String(nanos));
    assert.is(parseEpoch(text), nanos, `${text} reads back`);
  }
});

Record.run();
