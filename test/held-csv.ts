// CSV made straight from a held record must be the text the rows decoded from it make, byte for
// byte: every time format, times on and around whole seconds, before the origin, before 1970, and
// far enough from the origin (past 2^52 ns) to leave the plain-number way; rendered whole or a
// few bytes at a time.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { directionLineHead, segmentLineStart } from '../src/output/columns.js';
import { HeldCsvRecord } from '../src/output/held-csv.js';
import { decodeHeldRows, HeldRowsEncoder } from '../src/output/held-rows.js';
import { OutputBytes } from '../src/output/output-bytes.js';
import type { SegmentRow } from '../src/tcp/segment.js';
import type { DirectionKey } from '../src/tcp/streams.js';
import type { Nanos, TimeFormat } from '../src/time.js';

const DIRECTION = { stream: 4, src: '10.0.0.1:51234', dst: '[2001:db8::2]:80' } as unknown as DirectionKey;
const FORMATS: readonly TimeFormat[] = ['epoch', 'relative', 'iso'];
const ORIGINS: readonly Nanos[] = [
  1_700_000_000_123_456_789n,
  1_700_000_000_000_000_000n,
  1_699_999_999_999_999_999n,
  0n,
  -1_500_000_000n,
  9_000_000_000_000_000_000n,
];
// Distances from the origin: none, a nanosecond either way, whole seconds and a nanosecond off
// them, a day, the edge of the plain-number way (2^52) and past it, centuries.
const DISTANCES: readonly bigint[] = [
  0n,
  1n,
  -1n,
  999_999_999n,
  1_000_000_000n,
  1_000_000_001n,
  -999_999_999n,
  -1_000_000_000n,
  -1_000_000_001n,
  86_400_000_000_001n,
  2n ** 52n - 1n,
  2n ** 52n,
  2n ** 52n + 4_294_967_295n,
  -(2n ** 52n) - 1n,
  2n ** 53n + 12_345n,
  -(2n ** 60n),
  3_000_000_000_000_000_000n,
];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// A small deterministic generator (the same rows every run).
function numbers(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

// Rows of every kind with times spread over DISTANCES from `origin` (kept within int64).
function rowsAround(origin: Nanos, seed: number): SegmentRow[] {
  const random = numbers(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const time = (): Nanos | undefined => {
    if (random() < 0.15) return undefined;
    const value = origin + pick(DISTANCES);
    return value < INT64_MIN || value > INT64_MAX ? origin : value;
  };
  const rows: SegmentRow[] = [];
  let offset = 0;
  for (let index = 0; index < 400; index++) {
    const kind = pick(['data', 'data', 'data', 'gap', 'truncated'] as const);
    const length = Math.floor(random() * 40);
    const first = time();
    const sent = random() < 0.5 ? first : time();
    rows.push({
      kind,
      offset,
      length,
      frame: random() < 0.9 ? Math.floor(random() * 5_000_000_000) : undefined,
      time: sent,
      firstTime: first,
      deliveredTime: random() < 0.5 ? sent : time(),
      copies: Math.floor(random() * 4),
      dupFrames: Array.from({ length: Math.floor(random() * 3) }, () => Math.floor(random() * 2 ** 33)),
      conflict: random() < 0.2,
      gapAcked: kind === 'gap' ? random() < 0.5 : undefined,
      bytes: kind === 'data' && random() < 0.95 ? Uint8Array.from({ length }, () => Math.floor(random() * 256)) : undefined,
    });
    offset += length;
  }
  return rows;
}

function record(origin: Nanos, rows: readonly SegmentRow[]): Uint8Array {
  const encoder = new HeldRowsEncoder();
  encoder.begin(origin);
  for (const row of rows) encoder.add(row);
  return Uint8Array.from(encoder.take());
}

// What the rows decoded from the record make: the writer's way before held records were rendered.
function expected(bytes: Uint8Array, format: TimeFormat): string {
  const { origin, rows } = decodeHeldRows(bytes, false);
  const batch = { direction: DIRECTION, origin };
  const head = directionLineHead(batch);
  const cellFormat = { time: format, data: 'hex' as const };
  return rows.map((row) => `${segmentLineStart(head, batch, row, cellFormat)}${row.bytes ? Buffer.from(row.bytes).toString('hex') : ''}\n`).join('');
}

// The record rendered `room` bytes at a time (the writer sends each share on before the next).
function rendered(bytes: Uint8Array, format: TimeFormat, room: number): string {
  const held = new HeldCsvRecord(bytes, format);
  const head = directionLineHead({ direction: DIRECTION, origin: held.origin });
  const out = new OutputBytes();
  let text = '';
  let done = false;
  while (!done) {
    done = held.render(out, head, room);
    text += out.take().toString('utf8');
  }
  return text;
}

const HeldCsv = suite('held csv: CSV straight from spool records');

HeldCsv('the same text as the decoded rows make, in every time format and origin', () => {
  ORIGINS.forEach((origin, index) => {
    const bytes = record(origin, rowsAround(origin, index + 1));
    for (const format of FORMATS) {
      const want = expected(bytes, format);
      assert.ok(want.length > 10_000);
      assert.is(rendered(bytes, format, 1 << 30), want, `origin ${origin}, ${format}`);
    }
  });
});

HeldCsv('rendered a share at a time, the text is the same and each share stops once past its room', () => {
  const origin = ORIGINS[0]!;
  const bytes = record(origin, rowsAround(origin, 99));
  const want = expected(bytes, 'epoch');
  for (const room of [1, 100, 4096]) assert.is(rendered(bytes, 'epoch', room), want, `room ${room}`);
  const held = new HeldCsvRecord(bytes, 'epoch');
  const out = new OutputBytes();
  assert.is(held.render(out, '', 1), false, 'one row, then stop');
  assert.is(out.take().toString('utf8').split('\n').length, 2);
});

HeldCsv('times on the plain-number way are the ones the BigInt way writes (a sweep across seconds)', () => {
  const origin = 1_700_000_000_999_999_990n;
  const rows: SegmentRow[] = [];
  for (let step = -30n; step <= 30n; step++) {
    const time = origin + step * 333_333_333n + (step % 3n);
    rows.push({ kind: 'data', offset: rows.length, length: 1, frame: 1, time, firstTime: origin, deliveredTime: time + 7n, copies: 1, dupFrames: [], conflict: false, gapAcked: undefined, bytes: Uint8Array.of(1) });
  }
  const bytes = record(origin, rows);
  for (const format of FORMATS) assert.is(rendered(bytes, format, 1 << 30), expected(bytes, format), format);
});

HeldCsv('a record cut short is an error, not rows made up', () => {
  const bytes = record(ORIGINS[0]!, rowsAround(ORIGINS[0]!, 5).slice(0, 3));
  assert.throws(() => rendered(bytes.subarray(0, bytes.length - 1), 'epoch', 1 << 30), /does not decode/);
  assert.throws(() => new HeldCsvRecord(bytes.subarray(0, 7), 'epoch'), /shorter than its head/);
});

HeldCsv.run();
