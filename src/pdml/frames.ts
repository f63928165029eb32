// PDML text → TCP frames, as an async pipeline: parse packets, keep the TCP ones.

import type { Frame } from '../frame.js';
import { toFrame } from './packet.js';
import { parsePdml } from './parse.js';

// The TCP frames of a PDML text (or UTF-8 byte) stream, in file order; `source` names the input in error messages.
export async function* pdmlFrames(chunks: AsyncIterable<string | Uint8Array>, source: string): AsyncGenerator<Frame> {
  for await (const packet of parsePdml(chunks, source)) {
    const frame = toFrame(packet, source);
    if (frame) yield frame;
  }
}
