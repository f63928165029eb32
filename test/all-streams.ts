// --all against following each stream alone: the --all output is the per-stream outputs one
// after the other (streams in order, one header), byte for byte — also with --ack-settle 0, where
// rows of several streams become final while the others are still open and have to wait, and
// through tshark, where following one stream alone filters the others' frames out.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeBenchPcap } from '../scripts/make-bench-pcap.js';
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

// Follow `input` (PDML, or a capture with `--pcap`) with --all, then each stream alone, and
// compare; returns the stream count. With --pcap, each stream alone is what tshark's display
// filter lets through: follow-tcp sees none of the other streams' frames, and its rows become
// final at other moments — the output must not change.
async function checkAllEqualsStreams(input: string, extra: string[] = [], form = '--pdml'): Promise<number> {
  const all = await runCli([form, input, '--all', ...extra]);
  assert.is(all.code, 0, all.stderr);
  const { header, lines } = csvLines(all.stdout);
  const streams = [...new Set(lines.map(streamOf))].sort((a, b) => a - b);
  const concatenated: string[] = [];
  for (const stream of streams) {
    const alone = await runCli([form, input, '--stream', String(stream), ...extra]);
    assert.is(alone.code, 0, alone.stderr);
    const own = csvLines(alone.stdout);
    assert.is(own.header, header);
    concatenated.push(...own.lines);
  }
  assert.equal(lines, concatenated, '--all = the per-stream outputs concatenated');
  const expected = Buffer.from([header, ...concatenated, ''].join('\n'), 'utf8');
  assert.ok(all.stdout.equals(expected), '--all = one header, then the per-stream outputs, byte for byte');
  return streams.length;
}

// Run --all with TMPDIR pointing nowhere: if rows had to wait for their stream's turn, the spool
// file cannot be made and follow-tcp stops with one line naming it (exit 1); else it succeeds.
async function holdsRowsBack(input: string, extra: string[]): Promise<boolean> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = join(tmpdir(), 'follow-tcp-no-such-dir', 'deeper');
  try {
    const run = await runCli(['--pdml', input, '--all', ...extra, '-o', '/dev/null']);
    if (run.code === 0) return false;
    assert.is(run.code, 1, run.stderr);
    assert.is(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /follow-tcp-no-such-dir.*set TMPDIR.*cannot create: no such file or directory/);
    return true;
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
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
  const pdml = await savedPdml(join(MKCAP_FIXTURES, 'multi-conn', 'b.pcapng'));
  assert.is(await checkAllEqualsStreams(pdml), 3);
  assert.is(await checkAllEqualsStreams(pdml, ['--ack-settle', '0']), 3);
  assert.ok(await holdsRowsBack(pdml, ['--ack-settle', '0']), 'the streams overlap: rows were held back');
});

All('through tshark: --pcap --all = --pcap --stream N one after the other (mkcap multi-conn, synthetic)', async () => {
  const capture = join(MKCAP_FIXTURES, 'multi-conn', 'b.pcapng');
  assert.is(await checkAllEqualsStreams(capture, ['--ack-settle', '0'], '--pcap'), 3);
  // The bench's synthetic traffic (3 streams side by side, loss, reordering): alone, a stream's
  // rows become final at other frames than in --all, and its two directions used to interleave
  // differently.
  const synthetic = join(mkdtempSync(join(tmpdir(), 'follow-tcp-all-')), 'bench.pcap');
  writeBenchPcap({ frames: 6000, streams: 3, out: synthetic });
  assert.is(await checkAllEqualsStreams(synthetic, ['--ack-settle', '0', '--data', 'none'], '--pcap'), 3);
});

if (sharedAvailable('--all against per-stream outputs on zeek-http-49-streams.pcap')) {
  All('zeek-http-49-streams.pcap (third-party, read in place)', async () => {
    const pdml = await savedPdml(join(SHARED, 'captures', 'zeek-http-49-streams.pcap'));
    assert.is(await checkAllEqualsStreams(pdml), 49);
    assert.is(await checkAllEqualsStreams(pdml, ['--ack-settle', '0']), 49);
  });
}

All.run();
