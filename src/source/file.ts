// Read PDML from a file, a gzip file, or standard input, as chunks of bytes (or of text).

import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FollowTcpError } from '../errors.js';

// An I/O failure as one line that names the file and what went wrong.
export function ioError(label: string, error: unknown, verb = 'read'): FollowTcpError {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOSPC: 'no space left on the device',
  };
  const reason = (code && reasons[code]) ?? (error as Error).message;
  return new FollowTcpError('IO', `${label}: cannot ${verb}: ${reason}`, { cause: error });
}

// The bytes of a stream, gunzipped when it starts with gzip's magic bytes (0x1f 0x8b).
async function* plainBytes(stream: Readable, label: string): AsyncGenerator<Buffer> {
  const bytes = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await bytes.next();
  } catch (error) {
    throw ioError(label, error);
  }
  if (first.done) return;
  const head = first.value;
  const isGzip = head[0] === 0x1f && head[1] === 0x8b;
  const whole = Readable.from(
    (async function* () {
      yield head;
      for (let next = await bytes.next(); !next.done; next = await bytes.next()) yield next.value;
    })(),
  );
  const plain = isGzip ? whole.pipe(createGunzip()) : whole;
  if (isGzip) whole.on('error', (error) => plain.destroy(error));
  try {
    for await (const chunk of plain) yield chunk as Buffer;
  } catch (error) {
    if (isGzip && String((error as NodeJS.ErrnoException).code).startsWith('Z_')) {
      throw new FollowTcpError(
        'TRUNCATED_INPUT',
        `${label}: the gzip data is damaged or cut short (${(error as Error).message}); every complete packet was used`,
      );
    }
    throw ioError(label, error);
  }
}

// UTF-8 text of byte chunks, a character split between chunks kept whole.
export async function* utf8Text(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    const text = decoder.write(chunk as Buffer);
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

// PDML text chunks from `path` ('-' = standard input); gzip is recognised by its magic bytes.
export function readPdmlText(path: string, stdin: Readable = process.stdin): AsyncGenerator<string> {
  return utf8Text(readPdmlBytes(path, stdin));
}

// PDML byte chunks from `path` ('-' = standard input), gunzipped when gzip's magic bytes start it.
export async function* readPdmlBytes(path: string, stdin: Readable = process.stdin): AsyncGenerator<Buffer> {
  if (path === '-') {
    yield* plainBytes(stdin, 'stdin');
    return;
  }
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw ioError(path, error);
  }
  yield* plainBytes(createReadStream(path, { highWaterMark: 1 << 20 }), path);
}
