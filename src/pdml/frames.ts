// PDML text → TCP frames, as an async pipeline: parse packets, keep the TCP ones.

import type { Frame } from '../frame.js';
import { toFrame } from './packet.js';
import { parsePdmlBatches } from './parse.js';

// The TCP frames of a PDML text (or UTF-8 byte) stream, in file order, one array per chunk read
// (an await per chunk, not per frame); `source` names the input in error messages. A packet that
// is not a usable TCP frame throws after the frames before it.
export async function* pdmlFrameBatches(chunks: AsyncIterable<string | Uint8Array>, source: string): AsyncGenerator<Frame[]> {
  for await (const packets of parsePdmlBatches(chunks, source)) {
    const frames: Frame[] = [];
    try {
      for (const packet of packets) {
        const frame = toFrame(packet, source);
        if (frame) frames.push(frame);
      }
    } finally {
      if (frames.length > 0) yield frames;
    }
  }
}

// The TCP frames of a PDML text (or UTF-8 byte) stream, in file order; `source` names the input in error messages.
export async function* pdmlFrames(chunks: AsyncIterable<string | Uint8Array>, source: string): AsyncGenerator<Frame> {
  for await (const frames of pdmlFrameBatches(chunks, source)) yield* frames;
}
