// Oracle: for every stream direction in ../shared/captures/ORACLE.tsv (tshark's own Follow TCP
// Stream), the concatenated data rows must equal Follow's bytes (sha256). Where Follow is itself
// wrong (captures/README.md), the test asserts the right answer instead, from an independent
// rebuild, and says why.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCsv, runCli, SHARED, sha256, sharedAvailable } from './helpers.js';

const CAPTURES = join(SHARED, 'captures');

/** Files where Follow is wrong, and why the right answer differs. */
const FOLLOW_IS_WRONG: Record<string, string> = {
  'pcapplusplus-http-unidirectional-gap.pcap':
    'Follow drops everything after a hole that no ACK covers (there are no ACKs); we keep the data after the gap',
  'pcapplusplus-http-284-streams-server-only-gaps.pcap':
    'Follow silently drops data after un-ACKed holes in 78 streams; we keep it and write gap rows',
  'tcpflow-http-lines-randomized-order.pcapng':
    "Follow lets the first packet in the file fix a direction's start, so shuffled frames lose data; we place by sequence number",
  'zeek-tcp-reassembly-loss-retrans-conflict.pcap':
    'Follow keeps the copy that became in-order first (a later retransmission with different bytes); we keep the first captured copy',
};

interface OracleRow {
  file: string;
  stream: string;
  src: string;
  dst: string;
  bytes: number;
  sha256: string;
}

// Independent rebuild for the files where Follow is wrong: every captured payload byte placed at
// its sequence offset, the earliest captured copy kept (tshark -T fields, no follow-tcp code).
async function referenceBytes(path: string): Promise<Map<string, Buffer>> {
  const fields = ['tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'frame.time_epoch'];
  fields.push('tcp.seq_raw', 'tcp.flags.syn', 'tcp.payload');
  const args = ['-r', path, '-n', '-Y', 'tcp', '-T', 'fields', '-E', 'occurrence=l'];
  const { stdout } = await execa('tshark', [...args, ...fields.flatMap((field) => ['-e', field])], { maxBuffer: 1 << 30 });
  const frames = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line, order) => {
      const [stream, ip4s, ip6s, sport, ip4d, ip6d, dport, time, seq, syn, payload] = line.split('\t');
      const src = ip6s ? `[${ip6s}]:${sport}` : `${ip4s}:${sport}`;
      const dst = ip6d ? `[${ip6d}]:${dport}` : `${ip4d}:${dport}`;
      const [seconds, fraction = ''] = time!.split('.');
      const nanos = BigInt(seconds!) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
      return { key: `${stream}|${src}|${dst}`, nanos, order, seq: Number(seq), syn: syn === '1', payload: Buffer.from(payload ?? '', 'hex') };
    });
  const bases = new Map<string, number>();
  for (const frame of frames.filter((candidate) => candidate.syn)) if (!bases.has(frame.key)) bases.set(frame.key, frame.seq + 1);
  for (const frame of frames.filter((candidate) => candidate.payload.length > 0)) if (!bases.has(frame.key)) bases.set(frame.key, frame.seq);
  const placed = new Map<string, Map<number, number>>();
  const byCapture = [...frames].sort((a, b) => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : a.order - b.order));
  for (const frame of byCapture) {
    const start = frame.syn ? frame.seq + 1 : frame.seq;
    const offset = (start - bases.get(frame.key)!) >>> 0;
    if (offset >= 2 ** 31 || frame.payload.length === 0) continue; // before offset 0: stale
    const bytes = placed.get(frame.key) ?? new Map<number, number>();
    placed.set(frame.key, bytes);
    frame.payload.forEach((byte, index) => {
      if (!bytes.has(offset + index)) bytes.set(offset + index, byte);
    });
  }
  const result = new Map<string, Buffer>();
  for (const [key, bytes] of placed) {
    const offsets = [...bytes.keys()].sort((a, b) => a - b);
    result.set(key, Buffer.from(offsets.map((offset) => bytes.get(offset)!)));
  }
  return result;
}

const Oracle = suite('tshark Follow oracle');

if (sharedAvailable('the tshark Follow oracle tests')) {
  const oracle: OracleRow[] = readFileSync(join(CAPTURES, 'ORACLE.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, stream, , src, dst, bytes, hash] = line.split('\t');
      return { file: file!, stream: stream!, src: src!, dst: dst!, bytes: Number(bytes), sha256: hash! };
    });
  for (const file of [...new Set(oracle.map((row) => row.file))]) {
    Oracle(file, async () => {
      const path = join(CAPTURES, file);
      const result = await runCli(['--pcap', path, '--all']);
      assert.is(result.code, 0, result.stderr);
      const data = new Map<string, Buffer[]>();
      for (const row of parseCsv(result.stdout.toString('utf8'))) {
        if (row.kind !== 'data') continue;
        const key = `${row.stream}|${row.src}|${row.dst}`;
        const list = data.get(key) ?? [];
        data.set(key, list);
        list.push(Buffer.from(row.data!, 'hex'));
      }
      const reason = FOLLOW_IS_WRONG[file];
      const reference = reason ? await referenceBytes(path) : undefined;
      const problems: string[] = [];
      let differsFromFollow = 0;
      for (const row of oracle.filter((candidate) => candidate.file === file)) {
        const key = `${row.stream}|${row.src}|${row.dst}`;
        const ours = Buffer.concat(data.get(key) ?? []);
        if (reference) {
          const right = reference.get(key) ?? Buffer.alloc(0);
          if (sha256(ours) !== sha256(right)) problems.push(`${key}: ${ours.length} bytes, the independent rebuild has ${right.length}`);
          if (sha256(ours) !== row.sha256) differsFromFollow += 1;
        } else if (sha256(ours) !== row.sha256) {
          problems.push(`${key}: ${ours.length} bytes, Follow has ${row.bytes} (sha256 differs)`);
        }
      }
      assert.equal(problems, [], problems.slice(0, 5).join('\n'));
      // The exceptions must really be exceptions: Follow's answer differs from the right one there.
      if (reason) assert.ok(differsFromFollow > 0, `expected Follow to be wrong here: ${reason}`);
    });
  }

  // The figures captures/README.md gives for the cases where Follow is wrong.
  const FIGURES: [file: string, key: string, bytes: number][] = [
    ['pcapplusplus-http-unidirectional-gap.pcap', '0|10.0.0.1:61541|81.218.72.15:80', 8528],
    ['tcpflow-http-lines-randomized-order.pcapng', '0|192.168.10.105:49392|69.163.156.173:80', 120],
    ['tcpflow-http-lines-randomized-order.pcapng', '0|69.163.156.173:80|192.168.10.105:49392', 1884],
  ];
  for (const [file, key, bytes] of FIGURES) {
    Oracle(`${file}: ${key} has all ${bytes} captured bytes`, async () => {
      const [stream, src, dst] = key.split('|');
      const result = await runCli(['--pcap', join(CAPTURES, file), '--stream', stream!, '--src', src!, '--dst', dst!, '--format', 'raw']);
      assert.is(result.code, 0, result.stderr);
      assert.is(result.stdout.length, bytes);
    });
  }

  Oracle('284 streams: every captured byte is kept (537,946), Follow emits 292,735', async () => {
    const result = await runCli(['--pcap', join(CAPTURES, 'pcapplusplus-http-284-streams-server-only-gaps.pcap'), '--all', '--data', 'none']);
    assert.is(result.code, 0, result.stderr);
    const rows = parseCsv(result.stdout.toString('utf8'));
    const total = rows.filter((row) => row.kind === 'data').reduce((sum, row) => sum + Number(row.length), 0);
    assert.is(total, 537_946);
  });

  Oracle('conflicting retransmission: bytes at 13366 come from frame 28 (first captured), not 64', async () => {
    const file = join(CAPTURES, 'zeek-tcp-reassembly-loss-retrans-conflict.pcap');
    const result = await runCli(['--pcap', file, '--stream', '0', '--src', '63.193.213.194:2564', '--data', 'none']);
    assert.is(result.code, 0, result.stderr);
    const row = parseCsv(result.stdout.toString('utf8')).find((candidate) => candidate.offset === '13366');
    assert.equal([row?.frame, row?.dup_frames, row?.conflict], ['28', '64', '1']);
  });
}

Oracle.run();
