// Tell a PDML file from a capture by its first bytes: XML (after a BOM or blanks) is PDML, gzip
// whose content is XML is PDML.gz, anything else is a capture for tshark (pcap, pcapng, …).

import { open } from 'node:fs/promises';
import { constants, gunzipSync } from 'node:zlib';
import { ioError } from './file.js';

/** What an input file holds. */
export type InputKind = 'pdml' | 'capture';

const HEAD_BYTES = 4096;

// True when text bytes start (after a UTF-8 BOM and blanks) with '<'.
function looksLikeXml(head: Uint8Array): boolean {
  let index = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (index < head.length && (head[index] === 0x20 || head[index] === 0x09 || head[index] === 0x0a || head[index] === 0x0d)) index += 1;
  return head[index] === 0x3c;
}

// The kind of input the first bytes of a file show.
export function inputKindOf(head: Uint8Array): InputKind {
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      return looksLikeXml(gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES)) ? 'pdml' : 'capture';
    } catch {
      return 'capture';
    }
  }
  return looksLikeXml(head) ? 'pdml' : 'capture';
}

// Read the first bytes of `path` and tell its kind; '-' (standard input) is PDML.
export async function sniffInputKind(path: string): Promise<InputKind> {
  if (path === '-') return 'pdml';
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw ioError(path, error);
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES * 4);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return inputKindOf(buffer.subarray(0, bytesRead));
  } catch (error) {
    throw ioError(path, error);
  } finally {
    await file.close();
  }
}
