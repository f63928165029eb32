// Shared test helpers: chunked feeding, in-process CLI runs, frame and PDML builders, fixtures.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli.js';
import type { Frame } from '../src/frame.js';

/** Repository root, and the shared folder beside it (third-party captures, research). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const MKCAP_FIXTURES = join(ROOT, 'fixtures', 'mkcap');
export const PDML_FIXTURES = join(ROOT, 'fixtures', 'pdml');

// True when ../shared is present; otherwise print a visible notice (never allowed in CI).
export function sharedAvailable(what: string): boolean {
  if (existsSync(join(SHARED, 'captures'))) return true;
  if (process.env.CI) throw new Error(`../shared is missing in CI: ${what} cannot run`);
  console.log(`\n  NOTICE: skipping ${what}: ../shared/captures is not beside this checkout\n`);
  return false;
}

// Split text into chunks of `size` characters, as an async iterable.
export async function* chunked(text: string, size: number): AsyncGenerator<string> {
  for (let index = 0; index < text.length; index += size) yield text.slice(index, index + size);
}

// Collect an async iterable into an array.
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What an in-process CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

// Run follow-tcp in-process with these arguments; `stdin` is fed as standard input.
export async function runCli(argv: string[], stdin: string | Buffer = ''): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await main(argv, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
}

// A TCP frame with sensible defaults (10.0.0.1:1000 → 10.0.0.2:80, ACK set, payload from text).
export function frame(fields: Partial<Frame> & { data?: string }): Frame {
  const { data, ...rest } = fields;
  const payload = rest.payload ?? Buffer.from(data ?? '', 'latin1');
  return {
    number: 1,
    time: 1_700_000_000_000_000_000n,
    srcAddress: '10.0.0.1',
    dstAddress: '10.0.0.2',
    srcPort: 1000,
    dstPort: 80,
    stream: 0,
    seq: 1000,
    ack: 0,
    flags: 0x10,
    length: payload.length,
    payload,
    window: 1000,
    windowScaled: 1000,
    ipId: undefined,
    mss: undefined,
    windowShift: undefined,
    analysis: [],
    ...rest,
  };
}

// Parse a CSV produced by follow-tcp into records keyed by header (fields have no embedded newlines).
export function parseCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((line) => line !== '');
  const split = (line: string): string[] => {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let index = 0; index < line.length; index += 1) {
      const char = line[index]!;
      if (quoted) {
        if (char === '"' && line[index + 1] === '"') {
          cell += '"';
          index += 1;
        } else if (char === '"') quoted = false;
        else cell += char;
      } else if (char === '"') quoted = true;
      else if (char === ',') {
        cells.push(cell);
        cell = '';
      } else cell += char;
    }
    cells.push(cell);
    return cells;
  };
  const [header, ...rows] = lines.map(split);
  return rows.map((cells) => Object.fromEntries(header!.map((name, index) => [name, cells[index] ?? ''])));
}

// The golden CSV that sits next to a PDML fixture: X.pdml / X.pdml.gz → X.csv.
export function goldenName(pdml: string): string {
  return pdml.replace(/\.pdml(\.gz)?$/, '.csv');
}

// The command line a golden CSV is made with.
export function goldenArguments(pdmlPath: string): string[] {
  return ['--pdml', pdmlPath, '--all'];
}
