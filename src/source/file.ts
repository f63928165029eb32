// Read PDML text from a file, a gzip file, or standard input, as chunks of text.

import { createReadStream } from 'node:fs';
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

// Text chunks of a byte stream, gunzipped when it starts with gzip's magic bytes (0x1f 0x8b).
async function* decodedText(stream: Readable, label: string): AsyncGenerator<string> {
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
  const text = isGzip ? whole.pipe(createGunzip()) : whole;
  if (isGzip) whole.on('error', (error) => text.destroy(error));
  text.setEncoding('utf8');
  try {
    for await (const chunk of text) yield chunk as string;
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

// PDML text chunks from `path` ('-' = standard input); gzip is recognised by its magic bytes.
export async function* readPdmlText(path: string, stdin: Readable = process.stdin): AsyncGenerator<string> {
  if (path === '-') {
    yield* decodedText(stdin, 'stdin');
    return;
  }
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw ioError(path, error);
  }
  yield* decodedText(createReadStream(path, { highWaterMark: 1 << 20 }), path);
}
