// Rows held for their turn go to the spool as compact records and must come back exactly:
// every kind of row, every optional field present and absent, offsets and times past 32 bits,
// records larger than the encoder's first buffer; bytes as views or as copies.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeHeldRows, HeldRowsEncoder } from '../src/output/held-rows.js';
import type { SegmentRow } from '../src/tcp/segment.js';

const ORIGIN = 1_700_000_000_123_456_789n;

function row(fields: Partial<SegmentRow>): SegmentRow {
  return {
    kind: 'data',
    offset: 0,
    length: 0,
    frame: undefined,
    time: undefined,
    firstTime: undefined,
    deliveredTime: undefined,
    copies: 0,
    dupFrames: [],
    conflict: false,
    gapAcked: undefined,
    bytes: undefined,
    ...fields,
  };
}

// Rows as plain values, their bytes as arrays of numbers (so deepEqual compares contents).
function plain(rows: SegmentRow[]): unknown[] {
  return rows.map((each) => ({ ...each, bytes: each.bytes && [...each.bytes] }));
}

const ROWS: SegmentRow[] = [
  row({
    offset: 5_000_000_000,
    length: 3,
    frame: 4_000_000_001,
    time: ORIGIN + 1n,
    firstTime: ORIGIN,
    deliveredTime: ORIGIN + 999_999_999n,
    copies: 3,
    dupFrames: [7, 4_294_967_296, 9],
    conflict: true,
    bytes: Uint8Array.of(0, 255, 10),
  }),
  row({ kind: 'gap', offset: 3, length: 2 ** 40, gapAcked: true }),
  row({ kind: 'gap', offset: 7, length: 1, gapAcked: false }),
  row({ kind: 'truncated', offset: 8, length: 100, frame: 12, time: -5n, firstTime: -5n, copies: 1 }),
  row({ offset: 108, length: 0, frame: 13, time: 0n, copies: 1, bytes: new Uint8Array(0) }),
];

const Held = suite('held rows: to spool records and back');

Held('every field of every kind of row comes back as it was, with the origin', () => {
  const encoder = new HeldRowsEncoder();
  encoder.begin(ORIGIN);
  for (const each of ROWS) encoder.add(each);
  assert.is(encoder.rows, ROWS.length);
  const held = decodeHeldRows(encoder.take(), false);
  assert.is(held.origin, ORIGIN);
  assert.equal(plain(held.rows), plain(ROWS));
  assert.is(held.rows[3]!.bytes, undefined, 'no bytes stays no bytes');
  assert.is(held.rows[4]!.bytes!.length, 0, 'empty bytes stay empty bytes');
});

Held('a new record starts empty; one larger than the first buffer grows it and keeps what came before', () => {
  const encoder = new HeldRowsEncoder();
  encoder.begin(1n);
  encoder.add(ROWS[0]!);
  encoder.begin(-2n);
  assert.is(encoder.rows, 0);
  assert.equal(decodeHeldRows(encoder.take(), false), { origin: -2n, rows: [] });
  const big = Uint8Array.from({ length: 700_000 }, (_, index) => (index * 7) % 251);
  const rows = [ROWS[1]!, row({ offset: 9, length: big.length, frame: 2, copies: 1, bytes: big }), row({ offset: 700_009, length: 3, frame: 3, copies: 1, bytes: big.subarray(1, 4) })];
  for (const each of rows) encoder.add(each);
  assert.equal(plain(decodeHeldRows(encoder.take(), false).rows), plain(rows));
});

Held('bytes are views into the record, or copies when asked for', () => {
  const encoder = new HeldRowsEncoder();
  encoder.begin(ORIGIN);
  encoder.add(ROWS[0]!);
  const record = Uint8Array.from(encoder.take());
  const views = decodeHeldRows(record, false).rows[0]!.bytes!;
  const copies = decodeHeldRows(record, true).rows[0]!.bytes!;
  record.fill(0x41);
  assert.equal([...views], [0x41, 0x41, 0x41], 'a view sees the record change');
  assert.equal([...copies], [0, 255, 10], 'a copy does not');
});

Held('a record cut short is an error, not rows made up', () => {
  const encoder = new HeldRowsEncoder();
  encoder.begin(ORIGIN);
  encoder.add(ROWS[0]!);
  const record = encoder.take();
  assert.throws(() => decodeHeldRows(record.subarray(0, record.length - 1), false), /does not decode/);
});

Held.run();
