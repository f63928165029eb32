// One piece of a PDML document (whole packets, cut after a </packet>) parsed into Frames, as a
// worker thread does it for the pool (pool.ts) and as the pool re-does it to report an error.

import type { Frame } from '../frame.js';
import { toFrame } from './packet.js';
import { type PdmlPiece, PdmlParser } from './parse.js';

const PDML_END = Buffer.from('</pdml>');

/** A piece of PDML to parse: whole packets, with where the piece sits in the document. */
export interface PieceRequest {
  id: number;
  /** UTF-8 bytes of the piece (cut after an ASCII '>', so whole characters). */
  bytes: Uint8Array;
  source: string;
  /** The piece comes after the opening <pdml> tag (every piece but the first). */
  continued: boolean;
  /** Lines of the document before the piece (for error messages). */
  lineOffset: number;
}

/** The frames of a piece and its line breaks; `failed` when it holds bad input (re-read to report it). */
export interface PieceResult {
  id: number;
  /** The frames, every payload left empty: the bytes are in `payloads`, one after another. */
  frames: Frame[];
  payloads: Uint8Array;
  /** Each frame's payload length in `payloads`. */
  payloadLengths: Uint32Array;
  lineBreaks: number;
  failed: boolean;
  /** When failed: the piece's bytes, handed back for the pool to read again and report. */
  bytes: Uint8Array;
}

// A PDML parser that hands each TCP frame of its packets to `onFrame`.
export function frameParser(source: string, onFrame: (frame: Frame) => void, piece: PdmlPiece): PdmlParser {
  return new PdmlParser(
    source,
    (packet) => {
      const frame = toFrame(packet, source);
      if (frame) onFrame(frame);
    },
    piece,
  );
}

// Parse one piece, handing each frame to `onFrame`; throws FollowTcpError on bad input, after the
// frames before it. Returns the piece's line breaks.
export function parsePiece(request: PieceRequest, onFrame: (frame: Frame) => void): number {
  const parser = frameParser(request.source, onFrame, { lineOffset: request.lineOffset, continued: request.continued });
  parser.writeBytes(request.bytes);
  const lineBreaks = parser.lineBreaks;
  // The piece (never the document's end) closes the root itself, so that the parser checks it whole.
  parser.writeBytes(PDML_END);
  parser.end();
  return lineBreaks;
}

const NO_PAYLOAD = new Uint8Array(0);

// A piece's result for the pool, or `failed` on any error. The payloads travel in one buffer (sent
// as many small ones, each would become an ArrayBuffer of its own on arrival, which costs the
// main thread much garbage collection).
export function pieceResult(request: PieceRequest): PieceResult {
  const frames: Frame[] = [];
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    const lineBreaks = parsePiece(request, (frame) => {
      parts.push(frame.payload);
      total += frame.payload.length;
      frame.payload = NO_PAYLOAD;
      frames.push(frame);
    });
    const payloads = new Uint8Array(total);
    const payloadLengths = new Uint32Array(parts.length);
    let offset = 0;
    parts.forEach((part, index) => {
      payloads.set(part, offset);
      offset += part.length;
      payloadLengths[index] = part.length;
    });
    return { id: request.id, frames, payloads, payloadLengths, lineBreaks, failed: false, bytes: NO_PAYLOAD };
  } catch {
    const none = new Uint32Array(0);
    return { id: request.id, frames: [], payloads: NO_PAYLOAD, payloadLengths: none, lineBreaks: 0, failed: true, bytes: request.bytes };
  }
}

// The frames of a worker's result with their payloads back, as views of the buffer they came in
// (no copy: the reassembler copies what it holds, so the buffer lives only as long as its frames).
export function framesOf(result: PieceResult): Frame[] {
  let offset = 0;
  result.frames.forEach((frame, index) => {
    const length = result.payloadLengths[index] ?? 0;
    if (length > 0) frame.payload = result.payloads.subarray(offset, offset + length);
    offset += length;
  });
  return result.frames;
}
