// The async shell around the reassembler: frames in (async), row batches out as they become final.

import { FollowTcpError } from './errors.js';
import type { Frame } from './frame.js';
import { type DirectionRows, type FollowOptions, StreamFollower } from './tcp/streams.js';

/** A running follow: the follower (for stream lists and counters) and its row batches. */
export interface FollowRun {
  follower: StreamFollower;
  batches: AsyncGenerator<DirectionRows>;
}

async function* singly(frames: AsyncIterable<Frame>): AsyncGenerator<Frame[]> {
  for await (const frame of frames) yield [frame];
}

// The batches of `ready`, taken out of it first and each let go once it is handed on: a batch
// holds views of its direction's payload chunks, and an array of batches handed on whole kept
// every batch in it alive until the last was written (in bench (many), 8 MB of chunks).
function* handOn(ready: DirectionRows[]): Generator<DirectionRows> {
  const taken: (DirectionRows | undefined)[] = ready.splice(0);
  for (let index = 0; index < taken.length; index += 1) {
    const batch = taken[index]!;
    taken[index] = undefined;
    yield batch;
  }
}

// Follow every selected direction of `frames`. Bad or truncated input still yields the rows of
// every complete packet before the error is rethrown.
export function followFrames(frames: AsyncIterable<Frame>, options: FollowOptions): FollowRun {
  return followFrameBatches(singly(frames), options);
}

// followFrames for frames that come in arrays (openFrameBatches): an await per array, not per frame.
export function followFrameBatches(frameBatches: AsyncIterable<readonly Frame[]>, options: FollowOptions): FollowRun {
  const ready: DirectionRows[] = [];
  const follower = new StreamFollower(options, (batch) => ready.push(batch));
  async function* batches(): AsyncGenerator<DirectionRows> {
    let inputError: FollowTcpError | undefined;
    try {
      for await (const frames of frameBatches) {
        for (const frame of frames) follower.push(frame);
        if (ready.length > 0) yield* handOn(ready);
      }
    } catch (error) {
      if (!(error instanceof FollowTcpError) || (error.code !== 'TRUNCATED_INPUT' && error.code !== 'BAD_INPUT')) throw error;
      inputError = error;
    }
    // Stream by stream, so only one stream's final rows are built and waiting at a time.
    while (follower.finishNext()) yield* handOn(ready);
    yield* handOn(ready);
    if (inputError) throw inputError;
  }
  return { follower, batches: batches() };
}
