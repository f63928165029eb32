// Ground truth: mkcap captures of real Linux TCP (fixtures/mkcap), checked byte for byte against
// what the sender's socket was given, the exact missing ranges, and the first capture of each byte
// (byte-times.json), through --pcap and through tshark's full PDML alike.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MKCAP_FIXTURES, parseCsv, runCli } from './helpers.js';

interface CaptureTruth {
  missing: [number, number][];
  first_offset: number;
  syn: boolean;
}
interface DirectionTruth {
  src: string;
  dst: string;
  bytes: number;
  payload_file: string;
  captures: Record<string, CaptureTruth>;
}
interface Truth {
  connections: { id: number; directions: Record<string, DirectionTruth> }[];
  captures: Record<string, { file: string }>;
}
type ByteTimes = { connections: Record<string, Record<string, Record<string, [number, number, number, string][]>>> };

const Truth = suite('mkcap ground truth');

// Rows of one direction checked against the truth; returns a list of problems (empty = right).
function checkDirection(
  rows: Record<string, string>[],
  truth: DirectionTruth,
  capture: CaptureTruth,
  payload: Buffer,
  firstCopies: [number, number, number, string][],
): string[] {
  const problems: string[] = [];
  // Without a SYN, offset 0 is the first byte captured (SPEC); truth counts from ISN+1.
  const shift = capture.syn ? 0 : capture.first_offset;
  const missing = capture.missing
    .map(([start, end]) => [Math.max(start, shift) - shift, end - shift] as const)
    .filter(([start, end]) => start < end);
  const gaps: [number, number][] = [];
  let next = 0;
  for (const row of rows) {
    const offset = Number(row.offset);
    const length = Number(row.length);
    if (offset !== next) problems.push(`row at ${offset} does not follow the previous end ${next}`);
    next = offset + length;
    if (row.kind === 'gap') {
      gaps.push([offset, offset + length]);
      continue;
    }
    if (row.kind !== 'data') {
      problems.push(`unexpected ${row.kind} row at ${offset}`);
      continue;
    }
    const expected = payload.subarray(offset + shift, offset + shift + length).toString('hex');
    if (row.data !== expected) problems.push(`bytes differ at offset ${offset} (+${length})`);
    const first = firstCopies.find(([start, end]) => start <= offset + shift && offset + shift < end);
    if (!first) problems.push(`byte-times has no entry for offset ${offset + shift}`);
    else {
      if (offset + shift + length > first[1]) problems.push(`row at ${offset} runs past the first copy's frame ${first[2]}`);
      if (Number(row.frame) !== first[2]) problems.push(`offset ${offset}: frame ${row.frame}, first capture is frame ${first[2]}`);
      if (row.time !== first[3]) problems.push(`offset ${offset}: time ${row.time}, first capture at ${first[3]}`);
    }
  }
  if (next !== truth.bytes - shift) problems.push(`rows end at ${next}, the direction has ${truth.bytes - shift} bytes`);
  const merged: [number, number][] = [];
  for (const gap of gaps) {
    const last = merged[merged.length - 1];
    if (last && last[1] === gap[0]) last[1] = gap[1];
    else merged.push([...gap]);
  }
  if (JSON.stringify(merged) !== JSON.stringify(missing)) {
    problems.push(`gaps ${JSON.stringify(merged)} but missing ${JSON.stringify(missing)}`);
  }
  return problems;
}

for (const scenario of readdirSync(MKCAP_FIXTURES, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
  const dir = join(MKCAP_FIXTURES, scenario.name);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const byteTimes = JSON.parse(readFileSync(join(dir, 'byte-times.json'), 'utf8')) as ByteTimes;
  for (const [captureName, { file }] of Object.entries(truth.captures)) {
    for (const via of ['pcap', 'full PDML'] as const) {
      Truth(`${scenario.name}/${file} via ${via}`, async () => {
        const path = join(dir, file);
        const argv = ['--all', '--data', 'hex'];
        let stdin = '';
        if (via === 'pcap') argv.push('--pcap', path);
        else {
          argv.push('--pdml', '-');
          stdin = (await execa('tshark', ['-r', path, '-T', 'pdml'], { maxBuffer: 1 << 30 })).stdout;
        }
        const result = await runCli(argv, stdin);
        assert.is(result.stderr, '', 'no warnings');
        assert.is(result.code, 0);
        const rows = parseCsv(result.stdout.toString('utf8'));
        const problems: string[] = [];
        for (const connection of truth.connections) {
          for (const [dirName, direction] of Object.entries(connection.directions)) {
            const capture = direction.captures[captureName]!;
            const mine = rows.filter((row) => row.src === direction.src && row.dst === direction.dst);
            const payload = gunzipSync(readFileSync(join(dir, direction.payload_file)));
            const firstCopies = byteTimes.connections[String(connection.id)]![dirName]![captureName] ?? [];
            if (direction.bytes === 0) {
              if (mine.length > 0) problems.push(`c${connection.id} ${dirName}: ${mine.length} rows for an empty direction`);
              continue;
            }
            for (const problem of checkDirection(mine, direction, capture, payload, firstCopies)) {
              problems.push(`c${connection.id} ${dirName}: ${problem}`);
            }
          }
        }
        assert.equal(problems, [], problems.slice(0, 5).join('\n'));
      });
    }
  }
}

Truth.run();
