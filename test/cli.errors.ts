// The CLI in-process: exit codes and the one-line error messages (no stack trace), plus the happy
// paths of --pdml - (stdin), --pdml FILE.gz and --pcap through the real tshark.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FOLLOW_FIELDS, TSHARK_FIELDS } from '../src/source/tshark.js';
import { findOnPath, TSHARK_STDOUT_BUFFER } from '../src/source/stdout-buffer.js';
import { MKCAP_FIXTURES, parseCsv, runCli } from './helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'follow-tcp-cli-'));
const LOSS_B = join(MKCAP_FIXTURES, 'loss-mss536', 'b.pcapng');
const NOT_A_CAPTURE = join(TMP, 'notes.pcap');
const MISSING = join(TMP, 'missing.pdml');
const NOT_EXECUTABLE = join(TMP, 'tshark-not-executable');
writeFileSync(NOT_A_CAPTURE, 'these are my notes, not a capture\n');
writeFileSync(NOT_EXECUTABLE, '#!/bin/sh\nexec tshark "$@"\n', { mode: 0o644 });

const HEAD = [
  '<?xml version="1.0" encoding="utf-8"?>',
  '<pdml version="0" creator="wireshark/4.0.17" time="Sun Nov 22 11:20:06 2026" capture_file="x.pcapng">',
].join('\n');

// A flat (-e form) packet as tshark writes it with the recommended field list.
function packet(
  number: number,
  micros: number,
  [src, srcPort, dst, dstPort]: [string, number, string, number],
  stream: number,
  seq: number,
  ack: number,
  flags: string,
  hex = '',
): string {
  const time = `1795346406.${String(micros * 1000).padStart(9, '0')}`;
  const fields: [string, string][] = [
    ['frame.number', String(number)],
    ['frame.time_epoch', time],
    ['ip.src', src],
    ['ip.dst', dst],
    ['tcp.srcport', String(srcPort)],
    ['tcp.dstport', String(dstPort)],
    ['tcp.stream', String(stream)],
    ['tcp.seq_raw', String(seq)],
    ['tcp.ack_raw', String(ack)],
    ['tcp.len', String(hex.length / 2)],
    ['tcp.flags', flags],
    ...(hex === '' ? [] : [['tcp.payload', hex] as [string, string]]),
  ];
  return [
    '<packet>',
    '  <proto name="geninfo" pos="0" showname="General information" size="66">',
    `    <field name="num" pos="0" show="${number}" showname="Number" value="${number.toString(16)}" size="66"/>`,
    `    <field name="timestamp" pos="0" show="Nov 22, 2026 11:20:06 UTC" showname="Captured Time" value="${time}" size="66"/>`,
    '  </proto>',
    ...fields.map(([name, value]) => `  <field name="${name}" value="${value}"/>`),
    '</packet>',
  ].join('\n');
}

const C: [string, number, string, number] = ['10.0.0.1', 1000, '10.0.0.2', 80];
const S: [string, number, string, number] = ['10.0.0.2', 80, '10.0.0.1', 1000];
const OTHER: [string, number, string, number] = ['10.0.0.3', 2000, '10.0.0.2', 80];

// One stream: handshake, "world" before "hello" (out of order), the server's "ok".
const PACKETS = [
  packet(1, 0, C, 0, 999, 0, '0x0002'),
  packet(2, 100, S, 0, 4999, 1000, '0x0012'),
  packet(3, 200, C, 0, 1005, 5000, '0x0018', '776f726c64'),
  packet(4, 300, C, 0, 1000, 5000, '0x0018', '68656c6c6f'),
  packet(5, 500, S, 0, 5000, 1010, '0x0018', '6f6b'),
];
const ONE_STREAM = `${HEAD}\n${PACKETS.join('\n')}\n</pdml>\n`;
const TWO_STREAMS = `${HEAD}\n${[...PACKETS, packet(6, 600, OTHER, 1, 7000, 0, '0x0018', '78')].join('\n')}\n</pdml>\n`;

const HEADER = 'stream,src,dst,kind,offset,length,frame,time,rel_time,delivered_time,hol_delay,copies,dup_frames,conflict,gap_acked,data';
const CLIENT_ROWS = [
  '0,10.0.0.1:1000,10.0.0.2:80,data,0,5,4,1795346406.000300000,0.000300000,1795346406.000300000,0.000000000,1,,0,,68656c6c6f',
  '0,10.0.0.1:1000,10.0.0.2:80,data,5,5,3,1795346406.000200000,0.000200000,1795346406.000300000,0.000100000,1,,0,,776f726c64',
];
const SERVER_ROWS = [
  '0,10.0.0.2:80,10.0.0.1:1000,data,0,2,5,1795346406.000500000,0.000500000,1795346406.000500000,0.000000000,1,,0,,6f6b',
];
const ONE_STREAM_CSV = `${[HEADER, ...CLIENT_ROWS, ...SERVER_ROWS].join('\n')}\n`;

// Cut inside packet 5 (after its geninfo): packets 1–4 are complete.
const TRUNCATED = ONE_STREAM.slice(0, ONE_STREAM.indexOf('<field name="frame.number" value="5"/>'));
const TRUNCATED_PACKET_LINE = ONE_STREAM.slice(0, ONE_STREAM.lastIndexOf('<packet>', TRUNCATED.length)).split('\n').length;
const TRUNCATED_LAST_LINE = TRUNCATED.split('\n').length;

const STREAM_LIST = [
  'stream  client          server       frames  bytes c→s  bytes s→c',
  '     0  10.0.0.1:1000   10.0.0.2:80       5         10          2',
  '     1  10.0.0.3:2000?  10.0.0.2:80       1          1          0',
];
const ONE_STREAM_LIST = [
  'stream  client         server       frames  bytes c→s  bytes s→c',
  '     0  10.0.0.1:1000  10.0.0.2:80       5         10          2',
];

const gzipped = join(TMP, 'one.pdml.gz');
writeFileSync(gzipped, gzipSync(ONE_STREAM));

interface ErrorCase {
  name: string;
  argv: string[];
  stdin?: string;
  code: number;
  /** Lines before the error line (e.g. the stream list). */
  before?: string[];
  /** The error line, whole. */
  error: string | RegExp;
  /** What must be on stdout. */
  stdout?: string;
}

const ERROR_CASES: ErrorCase[] = [
  {
    name: 'unknown option → 2',
    argv: ['--pdml', '-', '--bogus'],
    code: 2,
    error: "follow-tcp: unknown option '--bogus' (see follow-tcp --help)",
  },
  {
    name: 'bad --stream value → 2',
    argv: ['--pdml', '-', '--stream', 'x'],
    code: 2,
    error: "follow-tcp: option '--stream <n>' argument 'x' is invalid. expected a stream index (0, 1, 2, …) (see follow-tcp --help)",
  },
  {
    name: '--idle 0 → 2',
    argv: ['--pdml', '-', '--idle', '0'],
    code: 2,
    error: "follow-tcp: option '--idle <seconds>' argument '0' is invalid. must be more than 0 seconds (see follow-tcp --help)",
  },
  {
    name: 'bad endpoint: IPv4 octet over 255 → 2',
    argv: ['--pdml', '-', '--src', '10.0.0.300:80'],
    code: 2,
    error: 'follow-tcp: bad endpoint "10.0.0.300:80": write ip, ip:port, [ipv6]:port or :port (e.g. 10.0.0.1:80, [fd00::1]:443, :80)',
  },
  {
    name: 'bad endpoint: host name and non-numeric port → 2',
    argv: ['--pdml', '-', '--src', 'host:x'],
    code: 2,
    error: 'follow-tcp: bad endpoint "host:x": write ip, ip:port, [ipv6]:port or :port (e.g. 10.0.0.1:80, [fd00::1]:443, :80)',
  },
  {
    name: '--pdml and --pcap together → 2',
    argv: ['--pdml', '-', '--pcap', LOSS_B],
    code: 2,
    error: 'follow-tcp: give either --pdml FILE or --pcap FILE, not both',
  },
  {
    name: 'no input → 2',
    argv: ['--stream', '0'],
    code: 2,
    error: 'follow-tcp: no input: give --pdml FILE (PDML, "-" for stdin, .gz ok) or --pcap FILE (run through tshark)',
  },
  {
    name: 'missing file → 1, naming the file',
    argv: ['--pdml', MISSING],
    code: 1,
    error: `follow-tcp: ${MISSING}: cannot read: no such file or directory`,
  },
  // An output file that cannot be made: one line naming it, exit 1 (follow-tcp once ended
  // silently with 0 here: the writer waited for a file that would never drain).
  ...[[], ['--all'], ['--stream', '0', '--src', '10.0.0.1'], ['streams'], ['frames']].map(
    (extra): ErrorCase => ({
      name: `-o in a missing directory (${extra.join(' ') || 'the main job'}) → 1, naming the file`,
      argv: [...(extra[0] === 'streams' || extra[0] === 'frames' ? [extra[0], '--pdml', gzipped] : ['--pdml', gzipped, ...extra]), '-o', join(TMP, 'no-such-dir', 'out.csv')],
      code: 1,
      error: `follow-tcp: ${join(TMP, 'no-such-dir', 'out.csv')}: cannot write: no such file or directory`,
    }),
  ),
  {
    // BUG: the column is one past the offending character: 'x' is line 3 column 15, reported 3:16.
    name: 'malformed PDML on stdin → 3, stdin:LINE:COL',
    argv: ['--pdml', '-'],
    stdin: '<pdml>\n<packet>\n  <field name=x/>\n</packet>\n</pdml>\n',
    code: 3,
    error: 'follow-tcp: stdin:3:15: malformed XML: Unquoted attribute value',
  },
  {
    // BUG: the column is one past the offending character: 'G' is line 1 column 1, reported 1:2.
    name: 'not PDML (plain text) → 3',
    argv: ['--pdml', '-'],
    stdin: 'GET / HTTP/1.1\r\n\r\n',
    code: 3,
    error: 'follow-tcp: stdin:1:1: not PDML (expected tshark -T pdml output): Non-whitespace before first tag.',
  },
  {
    name: 'not PDML (XML of another kind) → 3',
    argv: ['--pdml', '-'],
    stdin: '<?xml version="1.0"?>\n<svg width="1"/>\n',
    code: 3,
    error: 'follow-tcp: stdin:2: not PDML: the root element is <svg>, expected <pdml> (tshark -T pdml output)',
  },
  {
    name: 'empty PDML → 3',
    argv: ['--pdml', '-'],
    stdin: '',
    code: 3,
    error: 'follow-tcp: stdin: empty input: no PDML in it (expected tshark -T pdml output)',
  },
  {
    name: 'truncated PDML → rows of the complete packets on stdout, then a warning and 3',
    argv: ['--pdml', '-'],
    stdin: TRUNCATED,
    code: 3,
    error: `follow-tcp: stdin:${TRUNCATED_LAST_LINE}: PDML ends inside the <packet> that starts at line ${TRUNCATED_PACKET_LINE} without </pdml> (tshark killed or disk full?); every complete packet was used`,
    stdout: `${[HEADER, ...CLIENT_ROWS].join('\n')}\n`,
  },
  {
    name: 'several streams and no selection → 2, the stream list, then how to select',
    argv: ['--pdml', '-'],
    stdin: TWO_STREAMS,
    code: 2,
    before: STREAM_LIST,
    error: 'follow-tcp: stdin holds several TCP streams: select one with --stream N (or --all)',
    stdout: '',
  },
  {
    name: 'no such stream → 2, the stream list',
    argv: ['--pdml', '-', '--stream', '7'],
    stdin: ONE_STREAM,
    code: 2,
    before: ONE_STREAM_LIST,
    error: 'follow-tcp: stdin: no stream direction matches --stream 7; the streams are listed above',
    stdout: '',
  },
  {
    name: '--pcap with a tshark that does not exist → 1',
    argv: ['--pcap', LOSS_B, '--tshark', '/nonexistent/tshark'],
    code: 1,
    error: 'follow-tcp: /nonexistent/tshark: tshark not found: install it (Debian: apt-get install tshark) or pass --tshark PATH',
  },
  {
    name: '--pcap with a tshark that is not executable → 1',
    argv: ['--pcap', LOSS_B, '--tshark', NOT_EXECUTABLE],
    code: 1,
    error: `follow-tcp: ${NOT_EXECUTABLE}: cannot run tshark: permission denied (not an executable file); pass --tshark PATH`,
  },
  {
    name: "--pcap on a file that is not a capture → 1 with tshark's own message",
    argv: ['--pcap', NOT_A_CAPTURE],
    code: 1,
    error: `follow-tcp: ${NOT_A_CAPTURE}: tshark failed (exit code 2): tshark: The file "${NOT_A_CAPTURE}" isn't a capture file in a format TShark understands.`,
  },
  {
    name: '--format raw without --src/--dst → 2',
    argv: ['--pdml', '-', '--format', 'raw'],
    stdin: ONE_STREAM,
    code: 2,
    error: /^follow-tcp: --format raw writes one direction: choose it with --src and\/or --dst( \(or use --out-dir\))?$/,
    stdout: '',
  },
];

// Errors: exit code, exactly one error line (after any stream list), no stack trace, stdout as expected.
const Errors = suite('CLI errors: exit code and one stderr line');

for (const row of ERROR_CASES) {
  Errors(row.name, async () => {
    const result = await runCli(row.argv, row.stdin ?? '');
    assert.is(result.code, row.code, `exit code; stderr: ${result.stderr}`);
    assert.ok(result.stderr.endsWith('\n'), 'stderr ends with a newline');
    const lines = result.stderr.slice(0, -1).split('\n');
    assert.equal(lines.slice(0, -1), row.before ?? [], 'lines before the error line');
    const error = lines[lines.length - 1]!;
    if (typeof row.error === 'string') assert.is(error, row.error);
    else assert.match(error, row.error);
    assert.not.match(result.stderr, /^\s+at /m, 'no stack trace');
    if (row.stdout !== undefined) assert.is(result.stdout.toString('utf8'), row.stdout, 'stdout');
  });
}

Errors.run();

// ---------------------------------------------------------------------------------------------

interface HappyCase {
  name: string;
  argv: string[];
  stdin?: string;
  stdout: string;
}

const HAPPY_CASES: HappyCase[] = [
  { name: '--pdml - reads PDML from stdin', argv: ['--pdml', '-'], stdin: ONE_STREAM, stdout: ONE_STREAM_CSV },
  { name: '--pdml FILE.gz is decompressed on the fly', argv: ['--pdml', gzipped], stdout: ONE_STREAM_CSV },
  {
    name: '--pdml - with --src selects one direction',
    argv: ['--pdml', '-', '--src', '10.0.0.2:80'],
    stdin: ONE_STREAM,
    stdout: `${[HEADER, ...SERVER_ROWS].join('\n')}\n`,
  },
];

// Happy paths: exit 0, nothing on stderr, the header and every row exactly.
const Happy = suite('CLI happy paths');

for (const row of HAPPY_CASES) {
  Happy(row.name, async () => {
    const result = await runCli(row.argv, row.stdin ?? '');
    assert.is(result.stderr, '');
    assert.is(result.code, 0);
    assert.is(result.stdout.toString('utf8'), row.stdout);
  });
}

// --pcap runs the installed tshark: the client's 60000 bytes of loss-mss536 (b side: nothing missing).
Happy('--pcap fixtures/mkcap/loss-mss536/b.pcapng --stream 0 --src 10.77.0.2', async () => {
  const result = await runCli(['--pcap', LOSS_B, '--stream', '0', '--src', '10.77.0.2']);
  assert.is(result.stderr, '');
  assert.is(result.code, 0);
  const text = result.stdout.toString('utf8');
  assert.is(text.slice(0, text.indexOf('\n')), HEADER);
  const rows = parseCsv(text);
  assert.ok(rows.length > 100, `${rows.length} rows`);
  let next = 0;
  let data = '';
  for (const row of rows) {
    assert.equal([row.stream, row.src, row.dst, row.kind, row.offset], ['0', '10.77.0.2:43764', '10.77.1.2:5001', 'data', String(next)]);
    next += Number(row.length);
    data += row.data;
  }
  const sent = gunzipSync(readFileSync(join(MKCAP_FIXTURES, 'loss-mss536', 'payload', 'c0-a2b.bin.gz')));
  assert.is(next, 60000);
  assert.ok(data === sent.toString('hex'), 'the bytes are exactly what the client sent');
});

// The tshark on PATH, by its full name (the recording tshark below runs it with PATH emptied).
const REAL_TSHARK = findOnPath('tshark', process.env.PATH) ?? 'tshark';

// A tshark that notes the stdout buffer stdbuf gave it (`_STDBUF_O`, empty for none) and its
// arguments, one per line, then runs the real one.
function recordingTshark(): { binary: string; calls: () => string[][] } {
  const dir = mkdtempSync(join(TMP, 'tshark-'));
  const log = join(dir, 'calls.log');
  const binary = join(dir, 'tshark');
  writeFileSync(
    binary,
    `#!/bin/sh\necho "_STDBUF_O=$_STDBUF_O" >> '${log}'\nprintf '%s\\n' "$@" >> '${log}'\necho '--' >> '${log}'\nexec '${REAL_TSHARK}' "$@"\n`,
    { mode: 0o755 },
  );
  const calls = (): string[][] =>
    readFileSync(log, 'utf8')
      .split('--\n')
      .filter((call) => call !== '')
      .map((call) => call.trimEnd().split('\n'));
  return { binary, calls };
}

// Run with PATH set to `path` for the time of `run`.
async function withPath<T>(path: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return await run();
  } finally {
    process.env.PATH = saved;
  }
}

Happy('tshark is asked for what each command reads; saved PDML has every field', async () => {
  const tshark = recordingTshark();
  const fields = (call: string[]): string[] => call.filter((_, index) => call[index - 1] === '-e');
  assert.is((await runCli(['--pcap', LOSS_B, '--all', '--tshark', tshark.binary, '-o', join(TMP, 'follow.csv')])).code, 0);
  const saved = join(TMP, 'saved.pdml');
  assert.is((await runCli(['--pcap', LOSS_B, '--all', '--tshark', tshark.binary, '--save-pdml', saved, '-o', join(TMP, 'follow2.csv')])).code, 0);
  assert.is((await runCli(['frames', '--pcap', LOSS_B, '--tshark', tshark.binary, '-o', join(TMP, 'frames.csv')])).code, 0);
  const [follow, followSaving, frames] = tshark.calls();
  assert.equal(fields(follow!), [...FOLLOW_FIELDS]);
  assert.not.ok(fields(follow!).includes('tcp.window_size'));
  assert.equal(fields(followSaving!), [...TSHARK_FIELDS]);
  assert.equal(fields(frames!), [...TSHARK_FIELDS]);
  assert.match(readFileSync(saved, 'utf8'), '<field name="ip.ttl" value="');
  assert.ok(readFileSync(join(TMP, 'follow.csv')).equals(readFileSync(join(TMP, 'follow2.csv'))), 'the same rows either way');
});

// tshark writes its PDML through a 128 KiB stdout buffer where stdbuf is on PATH (stdio's own, for a
// pipe, is 4 KiB), and runs as it is where there is no stdbuf; the rows are the same.
Happy('tshark runs through stdbuf -o 128K where stdbuf is on PATH, plainly where not', async () => {
  const tshark = recordingTshark();
  const run = (output: string) => runCli(['--pcap', LOSS_B, '--all', '--tshark', tshark.binary, '-o', join(TMP, output)]);
  assert.ok(findOnPath('stdbuf', process.env.PATH), 'stdbuf is on PATH here (coreutils)');
  assert.is((await run('buffered.csv')).code, 0);
  const empty = mkdtempSync(join(TMP, 'empty-path-'));
  assert.is((await withPath(empty, () => run('plain.csv'))).code, 0);
  const [buffered, plain] = tshark.calls();
  assert.is(TSHARK_STDOUT_BUFFER, '128K');
  assert.is(buffered![0], `_STDBUF_O=${128 * 1024}`, 'stdbuf hands tshark the size in bytes');
  assert.is(plain![0], '_STDBUF_O=');
  assert.equal(buffered!.slice(1), plain!.slice(1), 'the same arguments');
  assert.ok(readFileSync(join(TMP, 'buffered.csv')).equals(readFileSync(join(TMP, 'plain.csv'))), 'the same rows either way');
  const missing = await withPath(empty, () => runCli(['--pcap', LOSS_B, '--all', '--tshark', join(empty, 'tshark')]));
  assert.is(missing.code, 1);
  assert.is(missing.stderr, `follow-tcp: ${join(empty, 'tshark')}: tshark not found: install it (Debian: apt-get install tshark) or pass --tshark PATH\n`);
  const notExecutable = await withPath(empty, () => runCli(['--pcap', LOSS_B, '--all', '--tshark', NOT_EXECUTABLE]));
  assert.is(notExecutable.code, 1);
  assert.is(notExecutable.stderr, `follow-tcp: ${NOT_EXECUTABLE}: cannot run tshark: permission denied (not an executable file); pass --tshark PATH\n`);
});

Happy.after(() => {
  rmSync(TMP, { recursive: true, force: true });
});

// --help on the main job and every subcommand: exit 0, usage and every option on stdout (it once
// failed on the bigint default of --ack-settle).
Happy('--help on every command', async () => {
  for (const command of [[], ['streams'], ['frames'], ['compare']]) {
    const result = await runCli([...command, '--help']);
    assert.is(result.code, 0, command.join(' '));
    assert.is(result.stderr, '', command.join(' '));
    const help = result.stdout.toString('utf8');
    assert.match(help, /^Usage: follow-tcp/, command.join(' '));
    if (command.length === 0) {
      for (const option of ['--pdml', '--pcap', '--workers', '--all', '--ack-settle', '--max-buffer']) assert.match(help, option);
      assert.match(help, /--ack-settle <seconds>[^]*\(default: 0.5\)/);
    }
  }
});

Happy.run();
