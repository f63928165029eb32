// Reading a child's output eagerly: every chunk in order, read while the reader is busy, a bounded
// queue (the stream paused above it, resumed below half), errors after the chunks before them.

import { PassThrough } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eagerChunks } from '../src/source/eager-chunks.js';

const Eager = suite('eagerChunks');

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function text(chunks: Uint8Array[]): string {
  return Buffer.concat(chunks).toString('latin1');
}

Eager('every chunk in order; read from the stream while the reader holds a chunk', async () => {
  const stream = new PassThrough();
  const chunks = eagerChunks(stream);
  const input = Array.from({ length: 50 }, (_, index) => `chunk ${index};`);
  stream.write(bytes(input[0]!));
  const first = await chunks.next();
  assert.is(text([first.value as Uint8Array]), input[0]);
  // The reader is busy with the first chunk: what comes meanwhile leaves the stream all the same.
  for (const piece of input.slice(1)) stream.write(bytes(piece));
  await turn();
  assert.is(stream.readableLength, 0, 'nothing left waiting in the stream');
  stream.end();
  const rest: Uint8Array[] = [];
  for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) rest.push(chunk);
  assert.is(text(rest), input.slice(1).join(''));
  assert.is(stream.listenerCount('data'), 0, 'listeners removed at the end');
});

Eager('a reader that stays behind for thousands of chunks gets every one, in order', async () => {
  const stream = new PassThrough();
  const chunks = eagerChunks(stream);
  const first = chunks.next();
  const input = Array.from({ length: 3000 }, (_, index) => `${index};`);
  for (const piece of input) stream.write(bytes(piece));
  stream.end();
  const taken: Uint8Array[] = [(await first).value as Uint8Array];
  for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) taken.push(chunk);
  assert.is(taken.length, input.length);
  assert.is(text(taken), input.join(''));
});

Eager('the event loop turns between chunks (so the socket is read between them)', async () => {
  const stream = new PassThrough();
  const input = Array.from({ length: 20 }, (_, index) => `chunk ${index};`);
  const chunks = eagerChunks(stream);
  const first = chunks.next();
  for (const piece of input) stream.write(bytes(piece));
  stream.end();
  const taken: Uint8Array[] = [(await first).value as Uint8Array];
  let turns = 0;
  for (;;) {
    const before = turns;
    setImmediate(() => (turns += 1));
    const next = await chunks.next();
    if (next.done) break;
    assert.ok(turns > before, `a turn before chunk ${taken.length}`);
    taken.push(next.value);
  }
  assert.is(text(taken), input.join(''));
});

Eager('the queue is bounded: the stream is paused above the limit, resumed below half of it', async () => {
  const stream = new PassThrough({ highWaterMark: 16 });
  const pauses: boolean[] = [];
  const pause = stream.pause.bind(stream);
  stream.pause = () => {
    pauses.push(true);
    return pause();
  };
  const chunks = eagerChunks(stream, 40);
  const input = Array.from({ length: 30 }, (_, index) => `${String(index).padStart(2, '0')}-345678;`);
  const writing = (async () => {
    for (const piece of input) {
      if (!stream.write(bytes(piece))) await new Promise((resolve) => stream.once('drain', resolve));
    }
    stream.end();
  })();
  const taken: Uint8Array[] = [];
  const first = await chunks.next();
  taken.push(first.value as Uint8Array);
  // The reader holds on: the queue fills to its limit, then the stream is paused and the writer waits.
  for (let index = 0; index < 20; index++) await turn();
  assert.ok(pauses.length > 0, 'paused');
  assert.ok(stream.isPaused());
  for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) taken.push(chunk);
  await writing;
  assert.is(text(taken), input.join(''));
});

Eager('an error of the stream comes after the chunks before it', async () => {
  const stream = new PassThrough();
  const chunks = eagerChunks(stream);
  const first = chunks.next(); // the reader starts, and waits
  stream.write(bytes('one;'));
  stream.write(bytes('two;'));
  await turn();
  stream.destroy(new Error('broken pipe'));
  const taken: Uint8Array[] = [(await first).value as Uint8Array];
  try {
    for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) taken.push(chunk);
    assert.unreachable('no error');
  } catch (error) {
    assert.instance(error, Error);
    assert.is((error as Error).message, 'broken pipe');
  }
  assert.is(text(taken), 'one;two;');
});

Eager('a reader that stops early leaves no listener behind', async () => {
  const stream = new PassThrough();
  const chunks = eagerChunks(stream);
  stream.write(bytes('one;'));
  stream.write(bytes('two;'));
  for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) {
    assert.is(text([chunk]), 'one;');
    break;
  }
  assert.is(stream.listenerCount('data'), 0);
  assert.is(stream.listenerCount('error'), 0);
});

Eager.run();
