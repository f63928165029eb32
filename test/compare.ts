// `compare` against mkcap's two-point ground truth: for every scenario with a.pcapng and b.pcapng,
// the packets and bytes lost between the points, reordering, the one-way delay figures and every
// chunk's status equal truth.json / byte-times.json; PDML inputs give the same figures; bad inputs fail
// with one line and the right exit code; the pure core's rounding, matching and clock handling.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareCaptures } from '../src/compare/compare.js';
import { type CaptureDirection, DirectionCollector } from '../src/compare/directions.js';
import { matchPackets } from '../src/compare/matching.js';
import { exactSum, roundLikePython } from '../src/compare/milliseconds.js';
import type { CapturedPacket } from '../src/compare/packet.js';
import { reorderingOf } from '../src/compare/reordering.js';
import type { ComparisonSummary } from '../src/compare/summary.js';
import { openFrames } from '../src/input.js';
import { MKCAP_FIXTURES, parseCsv, runCli } from './helpers.js';

interface LinkTruth {
  upstream: 'a' | 'b';
  downstream: 'a' | 'b';
  packets_up: number;
  packets_down: number;
  delivered: number;
  dropped_count: number;
  dropped_data_bytes: number;
  dropped: { frame_up: number; flags: string; offset: number; len: number; time: string }[];
  reordered_late: number;
  reordered_early: number;
  unmatched_down: number;
  ambiguous_matches: number;
  delay_ms: { min: number; p50: number; p90: number; max: number; mean: number } | null;
}
interface CaptureTruth {
  first_offset: number | null;
  syn: boolean;
  repeated_segments: number;
  missing: [number, number][];
}
interface DirectionTruth {
  src: string;
  dst: string;
  bytes: number;
  captures: Record<string, CaptureTruth>;
  link: LinkTruth;
}
interface Truth {
  connections: { id: number; directions: Record<string, DirectionTruth> }[];
  captures: Record<string, { file: string; removed_frames?: { conn: number; dir: string; range: [number, number] }[] }>;
}
type ByteTimes = { connections: Record<string, Record<string, Record<string, [number, number, number, string][]>>> };
interface SummaryDocument {
  directions: ComparisonSummary[];
  onlyA: unknown[];
  onlyB: unknown[];
}

const work = mkdtempSync(join(tmpdir(), 'follow-tcp-compare-'));
let runs = 0;

// Run compare on two inputs; the rows and the --summary-json document.
async function compare(a: string, b: string, extra: string[] = []): Promise<{ rows: Record<string, string>[]; summary: SummaryDocument; stderr: string }> {
  const json = join(work, `summary-${(runs += 1)}.json`);
  const result = await runCli(['compare', '--a', a, '--b', b, '--summary-json', json, ...extra]);
  assert.is(result.code, 0, result.stderr);
  return { rows: parseCsv(result.stdout.toString('utf8')), summary: JSON.parse(readFileSync(json, 'utf8')) as SummaryDocument, stderr: result.stderr };
}

// The figures of one direction against its link truth; a list of problems (empty = equal).
function checkLink(mine: ComparisonSummary, truth: DirectionTruth, withOffsets: boolean): string[] {
  const link = truth.link;
  const problems: string[] = [];
  const same = (what: string, value: unknown, expected: unknown): void => {
    if (JSON.stringify(value) !== JSON.stringify(expected)) problems.push(`${what}: ${JSON.stringify(value)}, truth ${JSON.stringify(expected)}`);
  };
  same('upstream', mine.upstream, link.upstream);
  same('packets up', mine.packets.upstream, link.packets_up);
  same('packets down', mine.packets.downstream, link.packets_down);
  same('delivered', mine.packets.delivered, link.delivered);
  same('lost packets', mine.packets.lost, link.dropped_count);
  same('lost data bytes', mine.packets.lostDataBytes, link.dropped_data_bytes);
  same('only downstream', mine.packets.onlyDownstream, link.unmatched_down);
  same('ambiguous', mine.packets.ambiguous, link.ambiguous_matches);
  same('reordered late', mine.reordered.late, link.reordered_late);
  same('reordered early', mine.reordered.early, link.reordered_early);
  const delay = mine.delayMs && { min: mine.delayMs.min, p50: mine.delayMs.p50, p90: mine.delayMs.p90, max: mine.delayMs.max, mean: mine.delayMs.mean };
  same('delay ms', delay, link.delay_ms);
  same(
    'lost list',
    mine.lostPackets.map((lost) => [lost.frame, lost.flags, withOffsets ? lost.offset : 0, lost.length, lost.time]),
    link.dropped.map((lost) => [lost.frame_up, lost.flags, withOffsets ? lost.offset : 0, lost.len, lost.time]),
  );
  same('retransmissions', mine.retransmissions.total, truth.captures[link.upstream]!.repeated_segments);
  same('needed + spurious', mine.retransmissions.needed + mine.retransmissions.spurious, mine.retransmissions.total);
  return problems;
}

// Every chunk row of a direction against byte-times.json and the dropped frames; problems found.
function checkChunks(rows: Record<string, string>[], truth: DirectionTruth, firstCopies: Record<string, [number, number, number, string][]>): string[] {
  const problems: string[] = [];
  const link = truth.link;
  const up = link.upstream;
  const down = link.downstream;
  const dropped = new Set(link.dropped.map((lost) => lost.frame_up));
  // Without a SYN anywhere, offset 0 is the lowest byte either point captured; truth counts from ISN+1.
  const anySyn = truth.captures.a!.syn || truth.captures.b!.syn;
  const firsts = [truth.captures.a!.first_offset, truth.captures.b!.first_offset].filter((offset): offset is number => offset !== null);
  const shift = anySyn || firsts.length === 0 ? 0 : Math.min(...firsts);
  const firstAt = (point: string, offset: number): [number, number, number, string] | undefined =>
    firstCopies[point]?.find(([start, end]) => start <= offset && offset < end);
  let next = -1;
  let total = 0;
  for (const row of rows) {
    const offset = Number(row.offset) + shift;
    const length = Number(row.length);
    total += length;
    if (next !== -1 && offset < next) problems.push(`chunk at ${offset} overlaps the previous one`);
    next = offset + length;
    for (const point of ['a', 'b'] as const) {
      const first = firstAt(point, offset);
      const frame = row[`${point}_frame`];
      if (!first) {
        if (frame !== '') problems.push(`offset ${offset}: ${point}_frame ${frame}, but ${point} never carried it`);
        continue;
      }
      if (offset + length > first[1]) problems.push(`chunk at ${offset} (+${length}) runs past ${point}'s first copy (frame ${first[2]})`);
      if (Number(frame) !== first[2] || row[`${point}_time`] !== first[3]) {
        problems.push(`offset ${offset}: ${point} frame ${frame} at ${row[`${point}_time`]}, truth frame ${first[2]} at ${first[3]}`);
      }
    }
    const upFirst = firstAt(up, offset);
    const downFirst = firstAt(down, offset);
    let expected: string;
    if (!upFirst) expected = `only-${down}`;
    else if (!downFirst) expected = dropped.has(upFirst[2]) ? 'lost-between' : 'before-capture';
    else expected = dropped.has(upFirst[2]) ? 'retransmitted-then-delivered' : 'delivered';
    if (row.status !== expected) problems.push(`offset ${offset} (+${length}): status ${row.status}, truth ${expected}`);
    if (upFirst && downFirst) {
      const delay = BigInt(downFirst[3].replace('.', '')) - BigInt(upFirst[3].replace('.', ''));
      const shown = BigInt(row.delay!.replace('.', ''));
      if (shown !== delay) problems.push(`offset ${offset}: delay ${row.delay}, truth ${delay} ns`);
    }
  }
  const covered = (point: string): number => (firstCopies[point] ?? []).reduce((sum, [start, end]) => sum + end - start, 0);
  const union = truth.bytes - truth.captures.a!.missing.filter(([start, end]) => truth.captures.b!.missing.some(([s, e]) => s <= start && end <= e)).reduce((sum, [s, e]) => sum + e - s, 0);
  if (covered(up) + covered(down) > 0 && total !== union) problems.push(`chunks cover ${total} bytes, the points together ${union}`);
  return problems;
}

const Compare = suite('compare vs mkcap two-point truth');

const scenarios = readdirSync(MKCAP_FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(MKCAP_FIXTURES, entry.name))
  .filter((dir) => existsSync(join(dir, 'a.pcapng')) && existsSync(join(dir, 'b.pcapng')) && existsSync(join(dir, 'truth.json')));

for (const dir of scenarios) {
  const name = dir.split('/').pop()!;
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const byteTimes = JSON.parse(readFileSync(join(dir, 'byte-times.json'), 'utf8')) as ByteTimes;
  const directions = truth.connections.flatMap((connection) =>
    Object.entries(connection.directions).filter(([, direction]) => direction.link !== undefined).map(([key, direction]) => ({ id: connection.id, key, direction })),
  );

  Compare(`${name}: lost packets and bytes, reordering, delays equal truth.json`, async () => {
    const { summary } = await compare(join(dir, 'a.pcapng'), join(dir, 'b.pcapng'));
    const problems: string[] = [];
    for (const { direction } of directions) {
      const mine = summary.directions.find((candidate) => candidate.src === direction.src && candidate.dst === direction.dst);
      if (!mine) {
        if (direction.link.packets_up + direction.link.packets_down > 0) problems.push(`${direction.src}→${direction.dst}: not compared`);
        continue;
      }
      const withOffsets = direction.captures.a!.syn || direction.captures.b!.syn;
      problems.push(...checkLink(mine, direction, withOffsets).map((problem) => `${direction.src}→${direction.dst}: ${problem}`));
    }
    assert.equal(summary.onlyA, []);
    assert.equal(summary.onlyB, []);
    assert.equal(problems, []);
  });

  Compare(`${name}: every chunk's frames, times, delay and status equal byte-times.json`, async () => {
    const { rows } = await compare(join(dir, 'a.pcapng'), join(dir, 'b.pcapng'));
    const problems: string[] = [];
    for (const { id, key, direction } of directions) {
      const mine = rows.filter((row) => row.src === direction.src && row.dst === direction.dst);
      const firstCopies = byteTimes.connections[String(id)]?.[key] ?? {};
      problems.push(...checkChunks(mine, direction, firstCopies).map((problem) => `${direction.src}→${direction.dst}: ${problem}`));
    }
    assert.equal(problems.slice(0, 20), []);
  });

  Compare(`${name}: --packets rows agree with the summary (every packet, lost and reordered ones marked)`, async () => {
    const { rows, summary } = await compare(join(dir, 'a.pcapng'), join(dir, 'b.pcapng'), ['--packets']);
    for (const mine of summary.directions) {
      const packets = rows.filter((row) => row.src === mine.src && row.dst === mine.dst);
      const count = (predicate: (row: Record<string, string>) => boolean): number => packets.filter(predicate).length;
      assert.is(count((row) => row.status === 'lost-between'), mine.packets.lost, `${mine.src}: lost`);
      assert.is(count((row) => row.status === 'delivered'), mine.packets.delivered, `${mine.src}: delivered`);
      assert.is(count((row) => (row.status ?? '').startsWith('only-')), mine.packets.onlyDownstream, `${mine.src}: only downstream`);
      assert.is(count((row) => row.reordered_late === '1'), mine.reordered.late, `${mine.src}: late`);
      assert.is(count((row) => row.reordered_early === '1'), mine.reordered.early, `${mine.src}: early`);
      const lostFrames = packets.filter((row) => row.status === 'lost-between').map((row) => Number(row[`${mine.upstream}_frame`]));
      assert.equal(lostFrames, mine.lostPackets.map((lost) => lost.frame));
    }
  });

  const caploss = truth.captures['b-caploss'];
  if (caploss && existsSync(join(dir, caploss.file))) {
    Compare(`${name}: A against b-caploss: the deleted frames are lost between the points`, async () => {
      const { summary } = await compare(join(dir, 'a.pcapng'), join(dir, caploss.file));
      for (const { id, key, direction } of directions) {
        const mine = summary.directions.find((candidate) => candidate.src === direction.src && candidate.dst === direction.dst)!;
        const removed = (caploss.removed_frames ?? []).filter((frame) => frame.conn === id && frame.dir === key);
        const removedBytes = removed.reduce((sum, frame) => sum + frame.range[1] - frame.range[0], 0);
        if (direction.link.upstream === 'a') {
          assert.is(mine.packets.lost, direction.link.dropped_count + removed.length, `${direction.src}: lost packets`);
          assert.is(mine.bytes.lostBetween, removedBytes, `${direction.src}: bytes lost between`);
        } else {
          assert.is(mine.packets.onlyDownstream + mine.packets.lost, direction.link.dropped_count, `${direction.src}: no change upstream`);
        }
      }
    });
  }
}

Compare('PDML on either side (full nested .gz at A, flat -e at B) gives the same figures as the captures', async () => {
  const dir = join(MKCAP_FIXTURES, 'ipv6-loss');
  const nested = join(work, 'a.pdml.gz');
  const { stdout } = await execa('tshark', ['-r', join(dir, 'a.pcapng'), '-n', '-T', 'pdml', '-Y', 'tcp', '-o', 'tcp.desegment_tcp_streams:FALSE'], {
    encoding: 'buffer',
    maxBuffer: 1 << 30,
  });
  writeFileSync(nested, gzipSync(stdout));
  const flat = join(work, 'b.pdml');
  const saved = await runCli(['--pcap', join(dir, 'b.pcapng'), '--all', '--save-pdml', flat, '-o', join(work, 'ignored.csv')]);
  assert.is(saved.code, 0, saved.stderr);
  const fromPdml = await compare(nested, flat);
  const fromCaptures = await compare(join(dir, 'a.pcapng'), join(dir, 'b.pcapng'));
  assert.equal(fromPdml.summary.directions, fromCaptures.summary.directions);
  assert.equal(fromPdml.rows, fromCaptures.rows);
});

Compare('--src/--dst and --stream-a narrow the comparison to one direction', async () => {
  const dir = join(MKCAP_FIXTURES, 'multi-conn');
  const { summary, rows } = await compare(join(dir, 'a.pcapng'), join(dir, 'b.pcapng'), ['--stream-a', '1', '--src', ':5001']);
  assert.is(summary.directions.length, 1);
  assert.is(summary.directions[0]!.src, '10.77.1.2:5001');
  assert.ok(rows.every((row) => row.src === '10.77.1.2:5001' && row.stream === '1'));
});

Compare('--a-side overrides the TTL: the other point becomes upstream', async () => {
  const dir = join(MKCAP_FIXTURES, 'loss-mss536');
  const { summary } = await compare(join(dir, 'a.pcapng'), join(dir, 'b.pcapng'), ['--a-side', '10.77.1.2']);
  assert.equal(
    summary.directions.map((direction) => [direction.src, direction.upstream, direction.upstreamReason]),
    [
      ['10.77.0.2:43764', 'b', 'a-side'],
      ['10.77.1.2:5001', 'a', 'a-side'],
    ],
  );
});

Compare('nothing in common: one line naming both files and their connections, exit 2', async () => {
  const result = await runCli(['compare', '--a', join(MKCAP_FIXTURES, 'loss-mss536', 'a.pcapng'), '--b', join(MKCAP_FIXTURES, 'reorder', 'b.pcapng')]);
  assert.is(result.code, 2);
  const lines = result.stderr.trim().split('\n');
  assert.is(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^follow-tcp: .*loss-mss536\/a\.pcapng and .*reorder\/b\.pcapng share no TCP connection \(same 4-tuple and ISN\): A has 2 \(stream 0 10\.77\.0\.2:43764 → /);
  assert.is(result.stdout.length, 0);
});

Compare('a selection that matches nothing at one point: one line, exit 2', async () => {
  const dir = join(MKCAP_FIXTURES, 'loss-mss536');
  const result = await runCli(['compare', '--a', join(dir, 'a.pcapng'), '--b', join(dir, 'b.pcapng'), '--stream-b', '7']);
  assert.is(result.code, 2);
  assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /b\.pcapng: nothing matches --stream-b 7/);
});

Compare('a missing file: one line naming it, exit 1', async () => {
  const missing = join(work, 'no-such.pcapng');
  const result = await runCli(['compare', '--a', missing, '--b', join(MKCAP_FIXTURES, 'reorder', 'b.pcapng')]);
  assert.is(result.code, 1);
  assert.is(result.stderr, `follow-tcp: ${missing}: cannot read: no such file or directory\n`);
});

Compare('usage errors: --b missing, a bad endpoint, both on stdin: exit 2', async () => {
  const a = join(MKCAP_FIXTURES, 'reorder', 'a.pcapng');
  assert.is((await runCli(['compare', '--a', a])).code, 2);
  const bad = await runCli(['compare', '--a', a, '--b', a, '--src', '10.0.0.300']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /bad endpoint "10\.0\.0\.300"/);
  assert.is((await runCli(['compare', '--a', '-', '--b', '-'])).code, 2);
});

Compare('not PDML and not a capture: tshark refuses it, one line, exit 1', async () => {
  const junk = join(work, 'junk.bin');
  writeFileSync(junk, 'this is not a capture\n');
  const result = await runCli(['compare', '--a', junk, '--b', join(MKCAP_FIXTURES, 'reorder', 'b.pcapng')]);
  assert.is(result.code, 1);
  assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /junk\.bin: tshark failed/);
});

// Directions of a capture through the library, for the clock tests.
async function directionsOf(path: string): Promise<CaptureDirection[]> {
  const collector = new DirectionCollector();
  for await (const frame of openFrames({ pcap: path })) collector.push(frame);
  return collector.directions();
}

Compare('clocks out of sync: the same matches and losses, negative delays warned with the offset', async () => {
  const dir = join(MKCAP_FIXTURES, 'loss-mss536');
  const a = await directionsOf(join(dir, 'a.pcapng'));
  const b = await directionsOf(join(dir, 'b.pcapng'));
  const skew = 20_000_000n; // B's clock 20 ms behind
  const skewed = b.map((direction) => ({ ...direction, packets: direction.packets.map((packet) => ({ ...packet, time: packet.time - skew })) }));
  const straight = compareCaptures(a, b);
  const shifted = compareCaptures(a, skewed);
  for (const [index, direction] of shifted.directions.entries()) {
    const reference = straight.directions[index]!.summary;
    assert.is(direction.summary.packets.lost, reference.packets.lost);
    assert.is(direction.summary.packets.delivered, reference.packets.delivered);
    const lost = (summary: ComparisonSummary): unknown[] => summary.lostPackets.map((packet) => [packet.frame, packet.flags, packet.offset, packet.length]);
    assert.equal(lost(direction.summary), lost(reference));
  }
  const aToB = shifted.directions.find((direction) => direction.upstream.upstream === 'a')!.summary;
  assert.ok(aToB.delay!.negative > 0);
  assert.match(aToB.warnings.join('\n'), /clocks are not in sync; B's clock is at least 14\.\d{6} ms behind A's/);
  assert.match(aToB.warnings.join('\n'), /B's clock is about (19|20)\.\d{6} ms behind A's/);
  assert.ok(shifted.clockOffset! < -19_000_000n && shifted.clockOffset! > -21_000_000n);
});

Compare('a direction never seen downstream (its reverse is): every packet of it lost between the points', async () => {
  const dir = join(MKCAP_FIXTURES, 'loss-mss536');
  // Capture A without the server's packets, as if none of them had crossed the path.
  const a = (await directionsOf(join(dir, 'a.pcapng'))).filter((direction) => direction.key.srcPort !== 5001);
  const comparison = compareCaptures(a, await directionsOf(join(dir, 'b.pcapng')));
  assert.equal(comparison.onlyA, []);
  assert.equal(comparison.onlyB, []);
  const serverData = comparison.directions.find((direction) => direction.pair.b.key.srcPort === 5001)!;
  assert.is(serverData.upstream.upstream, 'b');
  assert.is(serverData.upstream.reason, 'ttl-of-reverse');
  assert.is(serverData.summary.packets.lost, serverData.pair.b.packets.length);
  assert.is(serverData.summary.bytes.lostBetween, 30000);
  assert.ok(serverData.chunks.every((chunk) => chunk.status === 'lost-between'));
});

function packet(index: number, seq: number, time: bigint, ipId = index): CapturedPacket {
  return { index, frame: index + 1, time, seq, ack: 1, flags: 0x10, length: 100, window: 100, ipId, flowLabel: undefined, tsval: undefined, tsecr: undefined, ttl: undefined };
}

Compare('matching: identical copies first in, first out; not before they were sent; RFC 4737 late and early', () => {
  const up = [packet(0, 0, 0n, 1), packet(1, 100, 1n, 2), packet(2, 200, 2n, 3), packet(3, 300, 3n, 4)];
  // Arrival: 2, 0, 1, 3 — packet 2 overtook 0 and 1 (early); 0 and 1 are late.
  const down = [packet(0, 200, 10n, 3), packet(1, 0, 11n, 1), packet(2, 100, 12n, 2), packet(3, 300, 13n, 4)];
  const match = matchPackets(up, down, false);
  assert.equal(match.downOf, [1, 2, 0, 3]);
  const reordering = reorderingOf(match);
  assert.equal([reordering.lateCount, reordering.earlyCount], [2, 1]);
  assert.equal(reordering.early, [false, false, true, false]);
  // Two identical upstream copies (no IP ID): the first downstream copy takes the first one.
  const twins = matchPackets([packet(0, 0, 0n, 0), { ...packet(1, 0, 5n, 0) }], [packet(0, 0, 6n, 0)], false);
  assert.equal(twins.downOf, [0, undefined]);
  assert.is(twins.ambiguous, 1);
  // A downstream copy earlier than the only candidate's send time matches nothing (clocks in sync).
  const early = matchPackets([packet(0, 0, 0n, 7), packet(1, 0, 50n, 9)], [packet(0, 0, 10n, 7), packet(1, 0, 20n, 9)], false);
  assert.equal(early.downOf, [0, 1]);
  assert.is(early.clockSlack, 30n);
});

Compare('milliseconds are rounded as Python rounds floats (truth.py), mean by exact sum', () => {
  const cases: [number, number][] = [
    [0.03125, 0.0312],
    [1.00005, 1.0001],
    [10.03125, 10.0312],
    [-0.03125, -0.0312],
    [5.00015, 5.0001],
    [15.55595, 15.5559],
    [10.86605, 10.866],
    [21.84175, 21.8418],
    [27.55735, 27.5573],
    [12.27045, 12.2705],
    [17.02675, 17.0267],
    [2.88395, 2.884],
    [2.34395, 2.3439],
    [5.061659, 5.0617],
  ];
  for (const [value, expected] of cases) assert.is(roundLikePython(value, 4), expected, String(value));
  assert.is(exactSum([5.0929, 5.00005, 7.12345, 1e-6, 3.3333333]), 20.5497343);
  assert.is(exactSum([0.1, 0.2, 0.3]), 0.6);
});

Compare.after(() => rmSync(work, { recursive: true, force: true }));

Compare.run();
