// --out-dir: one output file per stream direction, named so a person finds it, opened when its
// first rows come and closed after its last.

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ioError } from '../source/file.js';
import type { DirectionKey, DirectionRows } from '../tcp/streams.js';
import { RowWriter, type WriterOptions } from './writer.js';

// The file name of a direction: `stream-4_10.0.0.1.51234-10.0.0.2.80.csv` (IPv6 colons as `_`).
export function directionFileName(key: DirectionKey, extension: string): string {
  const end = (address: string, port: number): string => `${address.replaceAll(':', '_')}.${port}`;
  return `stream-${key.stream}_${end(key.srcAddress, key.srcPort)}-${end(key.dstAddress, key.dstPort)}.${extension}`;
}

interface OpenFile {
  stream: WriteStream;
  writer: RowWriter;
  failure: Error | undefined;
}

// Writes each direction's batches to its own file in `dir`.
export class DirectionFiles {
  readonly #dir: string;
  readonly #options: WriterOptions;
  readonly #open = new Map<string, OpenFile>();
  #made = false;

  constructor(dir: string, options: WriterOptions) {
    this.#dir = dir;
    this.#options = options;
  }

  /** The extension of the files, from the output format. */
  get extension(): string {
    return this.#options.format === 'raw' ? 'bin' : this.#options.format;
  }

  // Write a batch to its direction's file; returns the file name.
  async write(batch: DirectionRows): Promise<string> {
    const name = directionFileName(batch.direction, this.extension);
    let file = this.#open.get(name);
    if (!file) {
      if (!this.#made) {
        await mkdir(this.#dir, { recursive: true }).catch((error: unknown) => {
          throw ioError(this.#dir, error, 'create the directory');
        });
        this.#made = true;
      }
      const stream = createWriteStream(join(this.#dir, name));
      const opened: OpenFile = { stream, writer: new RowWriter(stream, this.#options), failure: undefined };
      stream.on('error', (error) => {
        opened.failure ??= error;
      });
      file = opened;
      this.#open.set(name, file);
    }
    await file.writer.write(batch);
    if (file.failure) throw ioError(join(this.#dir, name), file.failure, 'write');
    if (batch.final) await this.#close(name, file);
    return name;
  }

  // Close every file still open.
  async close(): Promise<void> {
    for (const [name, file] of this.#open) await this.#close(name, file);
  }

  async #close(name: string, file: OpenFile): Promise<void> {
    this.#open.delete(name);
    await new Promise<void>((resolve) => file.stream.end(() => resolve()));
    if (file.failure) throw ioError(join(this.#dir, name), file.failure, 'write');
  }
}
