// A child's output read as soon as it comes, not only when the reader asks: tshark writes into a
// socket that holds ~200 KB, about 2 ms of its output, and stops when it is full. Read the usual
// way, a stream is read when its reader has emptied it, so every few milliseconds the reader
// spends on something else (a collection, a batch of rows) stopped tshark. Here the chunks go into
// a queue of up to EAGER_QUEUE_BYTES as they arrive, and the reader lets the event loop turn after
// each chunk it takes, so the socket is emptied between chunks. In bench (b), tshark's time stopped
// on the full socket: 2.4 s against 3.1–3.4 s.

import type { Readable } from 'node:stream';

/** Bytes queued before the stream is paused (it is resumed below half of it). */
export const EAGER_QUEUE_BYTES = 4 << 20;

// Chunks taken (their places emptied) the queue's array keeps before dropping them.
const TAKEN_KEPT = 1024;

// One turn of the event loop (its poll phase reads what the socket holds).
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// The chunks of `stream` in order, read into a queue as they come (at most `limit` bytes
// waiting); an error of the stream is thrown after the chunks before it.
export async function* eagerChunks(stream: Readable, limit = EAGER_QUEUE_BYTES): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let head = 0; // queue[head] is the next chunk to hand on
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const onData = (chunk: Uint8Array): void => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued > limit) stream.pause();
    wake?.();
  };
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };
  const onError = (error: unknown): void => {
    failure ??= { error };
    onEnd();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onError);
  try {
    for (;;) {
      if (head < queue.length) {
        const chunk = queue[head]!;
        queue[head] = EMPTY;
        head += 1;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        } else if (head >= TAKEN_KEPT) {
          // A reader always a chunk or more behind: the chunks taken are dropped from the array.
          queue.splice(0, head);
          head = 0;
        }
        queued -= chunk.length;
        if (queued <= limit / 2 && stream.isPaused() && !ended) stream.resume();
        yield chunk;
        await nextTurn();
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    if (failure) throw failure.error;
  } finally {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('close', onEnd);
    stream.off('error', onError);
  }
}

const EMPTY = new Uint8Array(0);
