// Open the user's input as TCP frames: a PDML file (or stdin, or .gz), or a capture run through tshark.

import type { Readable } from 'node:stream';
import type { EndpointSelector } from './endpoint.js';
import type { Frame } from './frame.js';
import { pdmlFrameBatches } from './pdml/frames.js';
import { pooledFrameBatches } from './pdml/pool.js';
import { readPdmlBytes } from './source/file.js';
import { tsharkPdmlBytes } from './source/tshark.js';

/** Where frames come from: exactly one of `pdml` and `pcap`. */
export interface InputOptions {
  pdml?: string;
  pcap?: string;
  tshark?: string;
  savePdml?: string;
  /** The fields to ask tshark for (default: every field any command reads). */
  tsharkFields?: readonly string[];
  /** Selection to push down into tshark as a display filter. */
  stream?: number;
  endpoints?: EndpointSelector[];
  stdin?: Readable;
  /** Worker threads parsing the PDML (0: parse on the main thread). */
  workers?: number;
  /** Told the length in bytes of every chunk of PDML read (for progress). */
  onText?: (length: number) => void;
  /** Called once tshark's process is started (with pcap). */
  onTsharkStarted?: () => void;
}

async function* counted(chunks: AsyncIterable<Uint8Array>, onText: (length: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    onText(chunk.length);
    yield chunk;
  }
}

function addressFilter(address: string): string {
  return address.includes(':') ? `ipv6.addr == ${address}` : `ip.addr == ${address}`;
}

// A tshark display filter for the selection; both directions are kept (ACKs matter to gaps).
export function displayFilter(stream: number | undefined, endpoints: readonly EndpointSelector[]): string {
  const terms = ['tcp'];
  if (stream !== undefined) terms.push(`tcp.stream eq ${stream}`);
  for (const endpoint of endpoints) {
    if (endpoint.address !== undefined) terms.push(addressFilter(endpoint.address));
    if (endpoint.port !== undefined) terms.push(`tcp.port == ${endpoint.port}`);
  }
  return terms.join(' && ');
}

// PDML bytes → frames in arrays, on worker threads when asked for.
function frameBatchesOf(chunks: AsyncIterable<Uint8Array>, source: string, options: InputOptions): AsyncGenerator<Frame[]> {
  const bytes = options.onText ? counted(chunks, options.onText) : chunks;
  const workers = options.workers ?? 0;
  return workers > 0 ? pooledFrameBatches(bytes, source, { workers }) : pdmlFrameBatches(bytes, source);
}

// The TCP frames of the input, in file order.
export async function* openFrames(options: InputOptions): AsyncGenerator<Frame> {
  for await (const frames of openFrameBatches(options)) yield* frames;
}

// The TCP frames of the input, in file order, in arrays as they are parsed (an await per array,
// not per frame: what the commands read).
export function openFrameBatches(options: InputOptions): AsyncGenerator<Frame[]> {
  if (options.pcap !== undefined) {
    const chunks = tsharkPdmlBytes({
      capture: options.pcap,
      displayFilter: displayFilter(options.stream, options.endpoints ?? []),
      ...(options.tshark !== undefined && { tshark: options.tshark }),
      ...(options.savePdml !== undefined && { savePdml: options.savePdml }),
      ...(options.tsharkFields !== undefined && { fields: options.tsharkFields }),
      ...(options.onTsharkStarted && { onStarted: options.onTsharkStarted }),
    });
    return frameBatchesOf(chunks, options.pcap, options);
  }
  const path = options.pdml ?? '-';
  const chunks = readPdmlBytes(path, options.stdin);
  return frameBatchesOf(chunks, path === '-' ? 'stdin' : path, options);
}
