// --all against following each stream alone: the --all output is the per-stream outputs one
// after the other (streams in order, one header), byte for byte — also with --ack-settle 0, where
// rows of several streams become final while the others are still open and have to wait, and
// through tshark, where following one stream alone filters the others' frames out.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

// A flat (-e form) packet: [number, seconds after 1700000000, src, sport, dst, dport, stream, seq, ack, flags, payload].
type FlatPacket = [number, number, string, number, string, number, number, number, number, string, string];

// 1700000000 + `seconds`, as tshark writes an epoch time (microseconds are enough here).
function epoch(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  return `${1700000000 + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}000`;
}

function flatPdml(packets: FlatPacket[]): string {
  const body = packets.map(([number, at, src, sport, dst, dport, stream, seq, ack, flags, text]) => {
    const fields: [string, string][] = [
      ['frame.number', String(number)],
      ['frame.time_epoch', epoch(at)],
      ['ip.src', src],
      ['ip.dst', dst],
      ['ip.id', String(number)],
      ['tcp.srcport', String(sport)],
      ['tcp.dstport', String(dport)],
      ['tcp.stream', String(stream)],
      ['tcp.seq_raw', String(seq)],
      ['tcp.ack_raw', String(ack)],
      ['tcp.len', String(text.length)],
      ['tcp.flags', flags],
      ...(text === '' ? [] : [['tcp.payload', Buffer.from(text, 'latin1').toString('hex')] as [string, string]]),
    ];
    return ['<packet>', ...fields.map(([name, value]) => `  <field name="${name}" value="${value}"/>`), '</packet>'].join('\n');
  });
  return ['<?xml version="1.0" encoding="utf-8"?>', '<pdml version="0" creator="wireshark/4.0.17">', ...body, '</pdml>', ''].join('\n');
}

const C = '10.0.0.1';
const S = '10.0.0.2';

// Stream 0's handshake at `at` seconds: the client's ISN 1000, the server's 5000.
function handshake(at: number): FlatPacket[] {
  return [
    [0, at, C, 40000, S, 80, 0, 1000, 0, '0x0002', ''],
    [0, at + 0.01, S, 80, C, 40000, 0, 5000, 1001, '0x0012', ''],
    [0, at + 0.02, C, 40000, S, 80, 0, 1001, 5001, '0x0010', ''],
  ];
}

// Stream 0 ("hello" at 0.1 s, acknowledged at 0.2 s, sent again at 5.0 s, `extra` frames of its
// own in between), among other traffic and alone.
function lateCopyRuns(extra: FlatPacket[]): Promise<{ rows: string[]; late: number[] }> {
  return stream0AmongAndAlone([
    ...handshake(0),
    [0, 0.1, C, 40000, S, 80, 0, 1001, 5001, '0x0018', 'hello'],
    [0, 0.2, S, 80, C, 40000, 0, 5001, 1006, '0x0010', ''],
    ...extra,
    [0, 5.0, C, 40000, S, 80, 0, 1001, 5001, '0x0018', 'hello'],
    [0, 6.0, C, 40000, S, 80, 0, 1006, 5001, '0x0011', ''],
    [0, 6.01, S, 80, C, 40000, 0, 5001, 1007, '0x0011', ''],
    [0, 6.02, C, 40000, S, 80, 0, 1007, 5002, '0x0010', ''],
  ]);
}

// Stream 0's frames among 600 frames of stream 1 (1.0-4.6 s: enough for --all to sweep); then
// --all on everything against --stream 0 on stream 0's frames alone (what tshark's display filter
// leaves): stream 0's rows and late bytes must be the same. Returns them.
async function stream0AmongAndAlone(stream0: FlatPacket[]): Promise<{ rows: string[]; late: number[] }> {
  const stream1: FlatPacket[] = [];
  for (let index = 0; index < 300; index++) {
    const at = 1 + index * 0.012;
    stream1.push([0, at, '10.0.0.3', 40001, '10.0.0.4', 80, 1, 7001 + index * 10, 9001, '0x0018', 'xxxxxxxxxx']);
    stream1.push([0, at + 0.001, '10.0.0.4', 80, '10.0.0.3', 40001, 1, 9001, 7011 + index * 10, '0x0010', '']);
  }
  const numbered = (packets: FlatPacket[]): FlatPacket[] => packets.map((packet, index) => [index + 1, ...packet.slice(1)] as FlatPacket);
  const everything = numbered([...stream0, ...stream1].sort((a, b) => a[1] - b[1]));
  const dir = mkdtempSync(join(tmpdir(), 'follow-tcp-late-'));
  writeFileSync(join(dir, 'all.pdml'), flatPdml(everything));
  writeFileSync(join(dir, 'alone.pdml'), flatPdml(everything.filter((packet) => packet[6] === 0)));
  const all = await runCli(['--pdml', join(dir, 'all.pdml'), '--all', '--summary-json', join(dir, 'all.json')]);
  const own = await runCli(['--pdml', join(dir, 'alone.pdml'), '--stream', '0', '--summary-json', join(dir, 'alone.json')]);
  assert.is(all.code, 0, all.stderr);
  assert.is(own.code, 0, own.stderr);
  const rows = csvLines(all.stdout).lines.filter((line) => streamOf(line) === 0);
  assert.equal(rows, csvLines(own.stdout).lines, 'stream 0: the same rows with and without the other traffic');
  const late = (file: string): number[] =>
    (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { stream: number; lateBytes: number }[]).filter((d) => d.stream === 0).map((d) => d.lateBytes);
  assert.equal(late('alone.json'), late('all.json'));
  return { rows, late: late('all.json') };
}

All("a stream's rows do not depend on other streams' frames (which tshark filters out for --stream N)", async () => {
  // Nothing of stream 0 between the ACK and the copy: by the stream's own clock the bytes have
  // not settled, so the copy is counted in their row (copies 2, the copy's frame in dup_frames).
  const quiet = await lateCopyRuns([]);
  assert.ok(quiet.rows.some((line) => /,data,0,5,4,.*,2,\d+,0,,68656c6c6f$/.test(line)), quiet.rows.join('\n'));
  assert.equal(quiet.late, [0, 0]);
  // A frame of stream 0 at 3.0 s (an ACK, 2.8 s past the first one) settles them: the copy is late.
  const settled = await lateCopyRuns([[0, 3.0, '10.0.0.2', 80, '10.0.0.1', 40000, 0, 5001, 1006, '0x0010', '']]);
  assert.ok(settled.rows.some((line) => line.includes(',data,0,5,4,') && line.includes(',1,,0,,68656c6c6f')), settled.rows.join('\n'));
  assert.equal(settled.late, [5, 0]);
});

All('a copy after the stream closed is late with and without other traffic', async () => {
  // FINs both ways at 0.3 s, each acknowledged: the stream is closed, and the copy at 5.0 s comes
  // longer than --ack-settle after its last frame. It used to be late in --all (other streams'
  // frames caused a sweep that finished the stream) and counted in copies alone.
  const closed = await lateCopyRuns([
    [0, 0.3, C, 40000, S, 80, 0, 1006, 5001, '0x0011', ''],
    [0, 0.31, S, 80, C, 40000, 0, 5001, 1007, '0x0011', ''],
    [0, 0.32, C, 40000, S, 80, 0, 1007, 5002, '0x0010', ''],
  ]);
  assert.ok(closed.rows.some((line) => line.includes(',data,0,5,4,') && line.includes(',1,,0,,68656c6c6f')), closed.rows.join('\n'));
  assert.equal(closed.late, [5, 0]);
});

All('a FIN answered while bytes are missing does not close the stream: the late retransmission fills the hole', async () => {
  // The server's "world" (5001-5005) is not captured; its FIN (5006) is answered with ACK 5001
  // (and the client's own FIN), so the server sends "world" again 3.2 s later.
  const { rows } = await stream0AmongAndAlone([
    ...handshake(0),
    [0, 0.3, S, 80, C, 40000, 0, 5006, 1001, '0x0011', ''],
    [0, 0.31, C, 40000, S, 80, 0, 1001, 5001, '0x0011', ''],
    [0, 0.32, S, 80, C, 40000, 0, 5007, 1002, '0x0010', ''],
    [0, 3.5, S, 80, C, 40000, 0, 5001, 1002, '0x0018', 'world'],
    [0, 3.51, C, 40000, S, 80, 0, 1002, 5008, '0x0010', ''],
  ]);
  assert.ok(rows.some((line) => /^0,10\.0\.0\.2:80,10\.0\.0\.1:40000,data,0,5,\d+,1700000003\.500000000,.*,776f726c64$/.test(line)), rows.join('\n'));
  assert.not.ok(rows.some((line) => line.includes(',gap,')), rows.join('\n'));
});

All("a client's reset from SYN-SENT does not end its stream: the SYN sent again continues it", async () => {
  // The client's SYN meets a stray ACK, the client answers with a reset and sends the SYN again
  // 4.98 s later with the same ISN (RFC 9293 3.10.7.3; tshark keeps the stream index): one
  // connection, "hello" 5.1 s into it. It used to become a second connection in --all only
  // (another stream's frames caused a sweep that finished the reset stream).
  const { rows } = await stream0AmongAndAlone([
    [0, 0.0, C, 40000, S, 80, 0, 1000, 0, '0x0002', ''],
    [0, 0.01, S, 80, C, 40000, 0, 777, 4242, '0x0010', ''],
    [0, 0.02, C, 40000, S, 80, 0, 4242, 0, '0x0004', ''],
    ...handshake(5.0),
    [0, 5.1, C, 40000, S, 80, 0, 1001, 5001, '0x0018', 'hello'],
    [0, 5.2, S, 80, C, 40000, 0, 5001, 1006, '0x0010', ''],
  ]);
  assert.ok(rows.some((line) => /,data,0,5,\d+,1700000005\.100000000,5\.100000000,/.test(line)), rows.join('\n'));
  // The stray ACK (4242) acknowledges none of the client's bytes: no acked gap before "hello".
  assert.not.ok(rows.some((line) => line.includes(',gap,')), rows.join('\n'));
});

if (sharedAvailable('--all against per-stream outputs on zeek-http-49-streams.pcap')) {
  All('zeek-http-49-streams.pcap (third-party, read in place)', async () => {
    const pdml = await savedPdml(join(SHARED, 'captures', 'zeek-http-49-streams.pcap'));
    assert.is(await checkAllEqualsStreams(pdml), 49);
    assert.is(await checkAllEqualsStreams(pdml, ['--ack-settle', '0']), 49);
  });
}

if (sharedAvailable('--all against per-stream outputs on suricata-verify-tls-http-68streams-retrans-ooo.pcap')) {
  All('suricata-verify-tls-http-68streams-retrans-ooo.pcap through tshark (third-party, read in place)', async () => {
    // Stream 3 is reset, and its client sends its SYN again 3 s later under the same index.
    const capture = join(SHARED, 'captures', 'suricata-verify-tls-http-68streams-retrans-ooo.pcap');
    assert.is(await checkAllEqualsStreams(capture, ['--data', 'none'], '--pcap'), 66); // 2 and 20 carry no data
    // Streams close at different times here: the summaries and the --out-dir index still list
    // the directions in output order, not in the order they finished.
    const dir = mkdtempSync(join(tmpdir(), 'follow-tcp-all-'));
    const run = await runCli(['--pcap', capture, '--all', '--data', 'none', '--out-dir', join(dir, 'out'), '--summary-json', join(dir, 'summary.json')]);
    assert.is(run.code, 0, run.stderr);
    const summaries = (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { stream: number }[]).map((d) => d.stream);
    const indexed = readFileSync(join(dir, 'out', 'index.csv'), 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(',')[1]));
    assert.ok(summaries.length > 130, `${summaries.length} directions`);
    assert.equal(summaries, [...summaries].sort((a, b) => a - b));
    assert.equal(indexed, summaries);
  });
}

All.run();
