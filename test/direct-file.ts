// The -o FILE writer: text and bytes in 1 MiB aligned blocks written past the page cache where the
// system allows it, the usual way elsewhere. The file must hold exactly what was written: blocks
// filled across chunk edges, characters split across block edges, the last block cut back.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DirectFileWriter, mayWriteDirect } from '../src/output/direct-file.js';
import { put } from '../src/output/writer.js';

const MiB = 1 << 20;

// Write `chunks` through a DirectFileWriter at `path` (waiting when it asks to), then end it.
async function writeAll(path: string, chunks: (string | Buffer)[], tryDirect = true): Promise<DirectFileWriter> {
  const writer = new DirectFileWriter(path, tryDirect);
  for (const chunk of chunks) await put(writer, chunk);
  await new Promise<void>((resolve, reject) => {
    writer.on('error', reject);
    writer.end(resolve);
  });
  return writer;
}

function expected(chunks: (string | Buffer)[]): Buffer {
  return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)));
}

// Chunks whose edges fall everywhere: strings ending one byte short of a block with a two-,
// three- and four-byte character next, bytes across two blocks, and a last block not full.
function mixedChunks(): (string | Buffer)[] {
  const bytes = Buffer.alloc(MiB + 333);
  for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 7) % 251;
  return [
    'header,row\n',
    'a'.repeat(MiB - 11 - 1),
    'é and more',
    bytes,
    'b'.repeat(3 * MiB - (MiB + 10 + bytes.length) - 2),
    '€😀 end',
    Buffer.from('tail bytes'),
    'z'.repeat(4097),
  ];
}

const Direct = suite('DirectFileWriter: exactly the bytes written, direct or not');

const dir = mkdtempSync(join(tmpdir(), 'follow-tcp-direct-'));

Direct('strings and bytes across block edges, and a last block cut back, come out byte for byte', async () => {
  const chunks = mixedChunks();
  const path = join(dir, 'mixed.csv');
  const writer = await writeAll(path, chunks);
  const written = readFileSync(path);
  assert.is(written.length, expected(chunks).length);
  assert.ok(written.equals(expected(chunks)), `same bytes (direct: ${writer.direct})`);
  if (!writer.direct) console.log(`  notice: ${tmpdir()} does not take O_DIRECT here; the usual way was checked`);
});

Direct('a file that was longer before is made empty first; nothing written leaves an empty file', async () => {
  const path = join(dir, 'old.csv');
  writeFileSync(path, 'x'.repeat(3 * MiB));
  await writeAll(path, ['short\n']);
  assert.is(readFileSync(path, 'utf8'), 'short\n');
  await writeAll(path, []);
  assert.is(readFileSync(path).length, 0);
});

Direct('written the usual way (where O_DIRECT is refused), the same bytes', async () => {
  const chunks = mixedChunks();
  const path = join(dir, 'usual.csv');
  const writer = await writeAll(path, chunks, false);
  assert.not.ok(writer.direct);
  assert.ok(readFileSync(path).equals(expected(chunks)));
});

Direct('on tmpfs, where O_DIRECT may or may not be taken, the same bytes', async () => {
  if (!existsSync('/dev/shm')) {
    console.log('  notice: no /dev/shm here: the tmpfs case is not checked');
    return;
  }
  const shm = mkdtempSync('/dev/shm/follow-tcp-direct-');
  const chunks = mixedChunks();
  await writeAll(join(shm, 'mixed.csv'), chunks);
  assert.ok(readFileSync(join(shm, 'mixed.csv')).equals(expected(chunks)));
  rmSync(shm, { recursive: true, force: true });
});

Direct('only regular files (or new paths) are tried direct', () => {
  assert.not.ok(mayWriteDirect('/dev/null'));
  assert.not.ok(mayWriteDirect(dir));
  assert.is(mayWriteDirect(join(dir, 'new.csv')), process.platform === 'linux');
});

Direct('a file that cannot be made: an error event, no exception', async () => {
  const writer = new DirectFileWriter(join(dir, 'no-such-dir', 'out.csv'));
  const error = await new Promise<Error>((resolve) => writer.on('error', resolve));
  assert.is((error as NodeJS.ErrnoException).code, 'ENOENT');
});

Direct.after(() => rmSync(dir, { recursive: true, force: true }));

Direct.run();
