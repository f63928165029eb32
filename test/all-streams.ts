// --all against following each stream alone: every stream's rows in the --all output are exactly
// its own output, in the same order, so --all grouped by stream (a stable sort, rows are written
// as they become final and so interleave) equals the per-stream outputs concatenated.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MKCAP_FIXTURES, runCli, SHARED, sharedAvailable } from './helpers.js';

// The CSV's header and its data lines (each line whole, data column included).
function csvLines(stdout: Buffer): { header: string; lines: string[] } {
  const [header = '', ...lines] = stdout.toString('utf8').split('\n');
  return { header, lines: lines.filter((line) => line !== '') };
}

// The stream column: the first field (a number, never quoted).
function streamOf(line: string): number {
  return Number(line.slice(0, line.indexOf(',')));
}

// Follow `input` (PDML) with --all, then each stream alone, and compare.
async function checkAllEqualsStreams(input: string): Promise<number> {
  const all = await runCli(['--pdml', input, '--all']);
  assert.is(all.code, 0, all.stderr);
  const { header, lines } = csvLines(all.stdout);
  const streams = [...new Set(lines.map(streamOf))].sort((a, b) => a - b);
  const concatenated: string[] = [];
  for (const stream of streams) {
    const alone = await runCli(['--pdml', input, '--stream', String(stream)]);
    assert.is(alone.code, 0, alone.stderr);
    const own = csvLines(alone.stdout);
    assert.is(own.header, header);
    assert.equal(
      lines.filter((line) => streamOf(line) === stream),
      own.lines,
      `stream ${stream}: its rows in --all are its own output`,
    );
    concatenated.push(...own.lines);
  }
  const grouped = lines
    .map((line, index) => ({ line, index, stream: streamOf(line) }))
    .sort((a, b) => a.stream - b.stream || a.index - b.index)
    .map(({ line }) => line);
  assert.equal(grouped, concatenated, '--all grouped by stream = the per-stream outputs concatenated');
  return streams.length;
}

// PDML of a capture, kept by --save-pdml while following it.
async function savedPdml(capture: string): Promise<string> {
  const pdml = join(mkdtempSync(join(tmpdir(), 'follow-tcp-all-')), 'capture.pdml');
  const run = await runCli(['--pcap', capture, '--all', '--save-pdml', pdml, '--data', 'none', '-o', '/dev/null']);
  assert.is(run.code, 0, run.stderr);
  return pdml;
}

const All = suite('--all equals the per-stream outputs');

All('mkcap multi-conn (3 parallel connections, ours)', async () => {
  const streams = await checkAllEqualsStreams(await savedPdml(join(MKCAP_FIXTURES, 'multi-conn', 'b.pcapng')));
  assert.is(streams, 3);
});

if (sharedAvailable('--all against per-stream outputs on zeek-http-49-streams.pcap')) {
  All('zeek-http-49-streams.pcap (third-party, read in place)', async () => {
    const streams = await checkAllEqualsStreams(await savedPdml(join(SHARED, 'captures', 'zeek-http-49-streams.pcap')));
    assert.is(streams, 49);
  });
}

All.run();
