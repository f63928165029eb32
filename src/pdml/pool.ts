// PDML → Frames on a pool of worker threads: the bytes are cut after a </packet> into pieces of
// about a megabyte, each worker decodes and parses pieces with its own sax parser, and the frames
// come back merged in document order. The reassembly stays on the main thread.

import { Worker } from 'node:worker_threads';
import type { Frame } from '../frame.js';
import type { PdmlParser } from './parse.js';
import { frameParser, framesOf, type PieceRequest, type PieceResult, parsePiece } from './piece.js';

/** How the pool cuts and spreads the work. */
export interface PoolOptions {
  /** Worker threads (at least 1). */
  workers: number;
  /** Bytes gathered before a piece is cut (default 1 MiB). */
  pieceSize?: number;
  /** Pieces in flight per worker before reading waits (default 2). */
  depth?: number;
  /** Pieces parsed on the main thread before any worker starts (default 8): small inputs start none. */
  inThreadPieces?: number;
}

const PACKET_END = Buffer.from('</packet>');
// Input that holds no </packet> past this many bytes is read on the main thread from there on
// (a packet this large is not PDML, and sax should say so without the input being held).
const MAX_UNCUT = 32 * 1024 * 1024;

// A worker's young generation is kept small: it holds one piece at a time, and the default
// (16 MiB semi-spaces) costs ~40 MB of resident memory per worker for no speed.
const WORKER_OPTIONS = { resourceLimits: { maxYoungGenerationSizeMb: 8 } };

// A worker running piece-worker next to this module. From TypeScript source (tests run under
// tsx), the worker first registers tsx's loader, which threads do not inherit.
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./piece-worker.js', import.meta.url), WORKER_OPTIONS);
  const loader = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./piece-worker.ts', import.meta.url).href);
  return new Worker(`import(${loader}).then((tsx) => { tsx.register(); return import(${entry}); });`, { ...WORKER_OPTIONS, eval: true });
}

// One worker and the pieces it has been sent, answered in the order sent.
class PieceWorker {
  readonly #worker: Worker;
  readonly #waiting: { resolve: (result: PieceResult) => void; reject: (error: unknown) => void }[] = [];
  #broken: unknown;

  constructor() {
    this.#worker = startWorker();
    this.#worker.unref();
    this.#worker.on('message', (result: PieceResult) => this.#waiting.shift()?.resolve(result));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`PDML worker exited (code ${code})`)));
  }

  // The worker's answer for a piece; rejects if the worker cannot run.
  parse(request: PieceRequest): Promise<PieceResult> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#worker.postMessage(request, [request.bytes.buffer as ArrayBuffer]); // the piece's bytes move there
    });
  }

  #fail(error: unknown): void {
    this.#broken ??= error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  async terminate(): Promise<void> {
    this.#broken ??= new Error('PDML worker stopped');
    await this.#worker.terminate();
  }
}

interface PieceInFlight {
  request: PieceRequest;
  /** The worker's answer; undefined: parsed on the main thread when merged. */
  result: Promise<PieceResult> | undefined;
}

// The TCP frames of a PDML text stream, in document order, parsed on `options.workers` threads.
export async function* pooledFrames(chunks: AsyncIterable<Uint8Array>, source: string, options: PoolOptions): AsyncGenerator<Frame> {
  for await (const frames of pooledFrameBatches(chunks, source, options)) yield* frames;
}

// The TCP frames of a PDML text stream, in document order and in arrays (a piece's, or a chunk's
// once the input is parsed here), parsed on `options.workers` threads. Errors surface after the
// frames of every packet before them, with their line, as when parsing on one thread: a piece a
// worker could not read whole comes back and is read again here to say where and why.
export async function* pooledFrameBatches(chunks: AsyncIterable<Uint8Array>, source: string, options: PoolOptions): AsyncGenerator<Frame[]> {
  const pieceSize = options.pieceSize ?? 1 << 20;
  const inThreadPieces = options.inThreadPieces ?? 8;
  const workers: PieceWorker[] = []; // started with the first piece sent to one
  const workerCount = Math.max(1, options.workers);
  const maxInFlight = workerCount * (options.depth ?? 2);
  const inFlight: PieceInFlight[] = [];
  let pieces = 0;
  let lineOffset = 0; // line breaks in the pieces already merged
  let pending: Buffer[] = []; // bytes read since the last cut
  let pendingLength = 0;
  let streaming: PdmlParser | undefined; // set once the input can no longer be cut into pieces
  const streamed: Frame[] = [];

  const send = (bytes: Uint8Array): void => {
    const request: PieceRequest = { id: pieces, bytes, source, continued: pieces > 0, lineOffset: 0 };
    pieces += 1;
    if (request.id < inThreadPieces) {
      inFlight.push({ request, result: undefined });
      return;
    }
    if (workers.length === 0) for (let index = 0; index < workerCount; index++) workers.push(new PieceWorker());
    const result = workers[request.id % workerCount]!.parse(request);
    result.catch(() => {}); // looked at when its turn comes
    inFlight.push({ request, result });
  };

  // The frames of the oldest piece in flight; a piece kept here, or that a worker could not read
  // whole, is parsed here (with its place in the document, for error messages).
  async function* merge(): AsyncGenerator<Frame[]> {
    const piece = inFlight.shift()!;
    let request = piece.request;
    if (piece.result) {
      let result: PieceResult;
      try {
        result = await piece.result;
      } catch (error) {
        throw new Error(`PDML worker failed: ${(error as Error).message}`, { cause: error });
      }
      if (!result.failed) {
        lineOffset += result.lineBreaks;
        const frames = framesOf(result);
        if (frames.length > 0) yield frames;
        return;
      }
      request = { ...request, bytes: result.bytes };
    }
    const frames: Frame[] = [];
    try {
      lineOffset += parsePiece({ ...request, lineOffset }, (frame) => frames.push(frame));
    } finally {
      if (frames.length > 0) yield frames;
    }
  }

  const startStreaming = (): PdmlParser => frameParser(source, (frame) => streamed.push(frame), { lineOffset, continued: pieces > 0 });

  // Take in a chunk, noting where its last </packet> ends (one split between chunks counts too).
  let lastEnd = -1; // where the last </packet> in the pending bytes ends, -1 if none
  let tail: Buffer = Buffer.alloc(0); // the pending bytes' last few bytes, to find a </packet> split between chunks
  const take = (chunk: Buffer): void => {
    const at = chunk.lastIndexOf(PACKET_END);
    if (at !== -1) {
      lastEnd = pendingLength + at + PACKET_END.length;
    } else {
      const seam = Buffer.concat([tail, chunk.subarray(0, PACKET_END.length - 1)]);
      const across = seam.lastIndexOf(PACKET_END);
      if (across !== -1) lastEnd = pendingLength - tail.length + across + PACKET_END.length;
    }
    // (A view of a long chunk, which `pending` holds anyway; only short chunks are joined.)
    const keep = PACKET_END.length - 1;
    tail = chunk.length >= keep ? chunk.subarray(-keep) : Buffer.concat([tail, chunk]).subarray(-keep);
    pending.push(chunk);
    pendingLength += chunk.length;
  };

  // Send the pending bytes up to the end of their last </packet> as a piece.
  const cut = (): void => {
    const whole = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLength);
    send(new Uint8Array(whole.subarray(0, lastEnd))); // a copy of its own: a view would carry all of `whole`
    pending = lastEnd < whole.length ? [whole.subarray(lastEnd)] : [];
    pendingLength = whole.length - lastEnd;
    lastEnd = -1;
  };

  // Feed the main-thread parser, handing on the frames it finished even when it throws.
  function* stream(parser: PdmlParser, bytes: Uint8Array): Generator<Frame[]> {
    try {
      parser.writeBytes(bytes);
    } finally {
      if (streamed.length > 0) yield streamed.splice(0);
    }
  }

  const input = chunks[Symbol.asyncIterator]();
  let inputDone = false;
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await input.next();
      } catch (error) {
        // The input failed (I/O, tshark): every packet read whole before it comes first.
        inputDone = true;
        if (streaming) throw error;
        if (lastEnd !== -1) cut();
        while (inFlight.length > 0) yield* merge();
        throw error;
      }
      if (next.done) break;
      const chunk = next.value;
      if (streaming) {
        yield* stream(streaming, chunk);
        continue;
      }
      take(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (pendingLength < pieceSize) continue;
      if (lastEnd !== -1) {
        cut();
        while (inFlight.length >= maxInFlight) yield* merge();
      } else if (pendingLength > MAX_UNCUT) {
        while (inFlight.length > 0) yield* merge();
        streaming = startStreaming();
        const held = pending;
        pending = [];
        pendingLength = 0;
        for (const bytes of held) yield* stream(streaming, bytes);
      }
    }
    inputDone = true;
    while (inFlight.length > 0) yield* merge();
    const last = streaming ?? startStreaming();
    for (const bytes of pending) yield* stream(last, bytes);
    try {
      last.end();
    } finally {
      if (streamed.length > 0) yield streamed.splice(0);
    }
  } finally {
    if (!inputDone) await input.return?.();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
