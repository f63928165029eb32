// streams, frames and --summary against mkcap ground truth: at the sender every repeated segment
// is a retransmission, at the receiver every hole-filling segment is out of order, byte counts,
// gaps, client/server and endings equal the truth.

import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MKCAP_FIXTURES, parseCsv, runCli } from './helpers.js';

interface CaptureTruth {
  missing_bytes: number;
  first_offset: number;
  data_segments: number;
  repeated_segments: number;
  hole_filling_segments: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
}
interface DirectionTruth {
  src: string;
  dst: string;
  bytes: number;
  captures: Record<string, CaptureTruth>;
}
interface Truth {
  connections: { client: { endpoint: string }; server: { endpoint: string }; directions: Record<string, DirectionTruth> }[];
  captures: Record<string, { file: string }>;
}

const RETRANSMITTED = new Set(['retransmission', 'partial-retransmission', 'conflict']);

const Report = suite('streams, frames, summary vs mkcap truth');

for (const scenario of readdirSync(MKCAP_FIXTURES, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
  const dir = join(MKCAP_FIXTURES, scenario.name);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  for (const [captureName, { file }] of Object.entries(truth.captures)) {
    const path = join(dir, file);
    Report(`${scenario.name}/${file}: frames classes`, async () => {
      const result = await runCli(['frames', '--pcap', path]);
      assert.is(result.code, 0, result.stderr);
      const frames = parseCsv(result.stdout.toString('utf8'));
      const problems: string[] = [];
      for (const connection of truth.connections) {
        for (const direction of Object.values(connection.directions)) {
          const capture = direction.captures[captureName]!;
          const mine = frames.filter((row) => row.src === direction.src && row.dst === direction.dst && Number(row.len) > 0);
          const count = (predicate: (row: Record<string, string>) => boolean): number => mine.filter(predicate).length;
          const repeated = count((row) => RETRANSMITTED.has(row.class!) || row.class === 'stale');
          const holes = count((row) => row.class === 'out-of-order');
          const label = `${direction.src}→${direction.dst}`;
          if (repeated !== capture.repeated_segments) problems.push(`${label}: ${repeated} retransmitted, truth ${capture.repeated_segments}`);
          if (holes !== capture.hole_filling_segments) problems.push(`${label}: ${holes} out of order, truth ${capture.hole_filling_segments}`);
          const data = count((row) => row.class !== 'keep-alive' && row.class !== 'capture-duplicate');
          if (data !== capture.data_segments) problems.push(`${label}: ${data} data frames, truth ${capture.data_segments}`);
        }
      }
      assert.equal(problems, [], problems.join('\n'));
    });

    Report(`${scenario.name}/${file}: frames --problems has no ok frame`, async () => {
      const result = await runCli(['frames', '--pcap', path, '--problems']);
      assert.is(result.code, 0, result.stderr);
      const rows = parseCsv(result.stdout.toString('utf8'));
      assert.equal(rows.filter((row) => row.class === 'ok').length, 0);
    });

    Report(`${scenario.name}/${file}: streams`, async () => {
      const result = await runCli(['streams', '--pcap', path, '--format', 'csv']);
      assert.is(result.code, 0, result.stderr);
      const rows = parseCsv(result.stdout.toString('utf8'));
      assert.is(rows.length, truth.connections.length, 'one row per connection');
      for (const connection of truth.connections) {
        const row = rows.find((candidate) => candidate.client === connection.client.endpoint);
        assert.ok(row, `a row with client ${connection.client.endpoint}`);
        assert.is(row.server, connection.server.endpoint);
        const [c2s, s2c] = [connection.directions.a2b!, connection.directions.b2a!].sort((a) => (a.src === connection.client.endpoint ? -1 : 1));
        for (const [direction, suffix] of [
          [c2s!, 'c2s'],
          [s2c!, 's2c'],
        ] as const) {
          const capture = direction.captures[captureName]!;
          const shift = capture.syn ? 0 : capture.first_offset;
          if (capture.syn) assert.is(row[`bytes_${suffix}`], String(direction.bytes), `bytes_${suffix}`);
          assert.is(row[`gap_bytes_${suffix}`], String(capture.missing_bytes - shift), `gap_bytes_${suffix}`);
        }
        const fins = Object.values(connection.directions).every((direction) => direction.captures[captureName]!.fin);
        assert.is(row.end, fins ? 'fin' : row.end);
        assert.is(row.client_guessed, Object.values(connection.directions).some((d) => d.captures[captureName]!.syn) ? '0' : row.client_guessed);
      }
    });
  }

  Report(`${scenario.name}: --summary-json figures`, async () => {
    const summaryPath = join(tmpdir(), `follow-tcp-summary-${process.pid}-${scenario.name}.json`);
    const result = await runCli(['--pcap', join(dir, 'b.pcapng'), '--all', '--data', 'none', '-o', '/dev/null', '--summary-json', summaryPath]);
    assert.is(result.code, 0, result.stderr);
    const summaries = JSON.parse(readFileSync(summaryPath, 'utf8')) as {
      src: string;
      dst: string;
      bytes: number;
      gaps: { bytes: number };
      retransmissions: { frames: number };
      partialOverlaps: number;
      conflicts: number;
      outOfOrderFrames: number;
      dataFrames: number;
    }[];
    for (const connection of truth.connections) {
      for (const direction of Object.values(connection.directions)) {
        const capture = direction.captures.b!;
        const summary = summaries.find((candidate) => candidate.src === direction.src && candidate.dst === direction.dst);
        if (direction.bytes === 0 && !summary) continue;
        assert.ok(summary, `a summary for ${direction.src}`);
        const shift = capture.syn ? 0 : capture.first_offset;
        assert.is(summary.bytes, direction.bytes - shift, 'bytes');
        assert.is(summary.gaps.bytes, capture.missing_bytes - shift, 'gap bytes');
        assert.is(summary.retransmissions.frames + summary.partialOverlaps, capture.repeated_segments, 'repeated segments');
        assert.is(summary.outOfOrderFrames, capture.hole_filling_segments, 'hole-filling segments');
        assert.is(summary.dataFrames, capture.data_segments, 'data segments');
      }
    }
  });
}

Report.run();
