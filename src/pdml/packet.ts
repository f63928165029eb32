// Turn one PDML packet's fields into a Frame; either PDML shape, numbers from `show` (or the `-e` value).

import { FollowTcpError } from '../errors.js';
import type { Frame } from '../frame.js';
import { parseEpoch } from '../time.js';
import type { PdmlField, PdmlPacket } from './parse.js';

// The display text of a field: `show` in the nested form, `value` in the flat `-e` form.
function text(packet: PdmlPacket, name: string): string | undefined {
  const field = packet.fields.get(name);
  return field?.show ?? field?.value;
}

// The leading integer of a field's display text (decimal, or hex with 0x), as tshark shows it.
function integer(packet: PdmlPacket, name: string): number | undefined {
  const shown = text(packet, name);
  return shown === undefined ? undefined : leadingInteger(shown);
}

/** The decimal or 0x-hex number at the start of `text` (after white space), or undefined: what
 *  /^\s*(0x[0-9a-f]+|\d+)/i reads, without a regular expression per field. */
export function leadingInteger(text: string): number | undefined {
  let at = 0;
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) > 127) return LEADING_INTEGER_FALLBACK(text); // other Unicode white space
  if (text.charCodeAt(at) === ZERO && (text.charCodeAt(at + 1) | 0x20) === LETTER_X) {
    let end = at + 2;
    while (end < text.length && hexDigit(text.charCodeAt(end)) >= 0) end++;
    return end > at + 2 ? Number(text.slice(at, end)) : 0;
  }
  let value = 0;
  let end = at;
  for (; end < text.length; end++) {
    const digit = text.charCodeAt(end) - ZERO;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  if (end === at) return undefined;
  // Past 2^53 the running sum rounds differently from Number(): let Number() read it.
  return end - at > 15 ? Number(text.slice(at, end)) : value;
}

const ZERO = 48;
const LEADING_INTEGER_FALLBACK = (text: string): number | undefined => {
  const match = /^\s*(0x[0-9a-f]+|\d+)/i.exec(text);
  return match ? Number(match[1]) : undefined;
};
const LETTER_X = 120;

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12;
}

// The value of a hex digit's character code, or -1.
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

// A raw 32-bit number: `tcp.seq_raw`/`tcp.ack_raw`, or else the on-wire hex `value` of `tcp.seq`/`tcp.ack`.
function raw32(packet: PdmlPacket, rawName: string, hexName: string): number | undefined {
  const direct = integer(packet, rawName);
  if (direct !== undefined) return direct;
  const field: PdmlField | undefined = packet.fields.get(hexName);
  // In the nested form `value` is the raw header bytes; in the flat form there is no `show`, so
  // `value` is tshark's relative number and cannot be used.
  if (field?.show !== undefined && field.value !== undefined && /^[0-9a-f]{8}$/i.test(field.value)) {
    return Number.parseInt(field.value, 16);
  }
  return undefined;
}

const ABOVE_LATIN1 = /[^\x00-\xff]/;

// Hex bytes as PDML writes them (`value` plain hex, `show` colon-separated); undefined if not hex.
function hexBytes(hex: string): Uint8Array | undefined {
  const plain = hex.includes(':') ? hex.replaceAll(':', '') : hex;
  // Node reads only the low byte of a character above U+00FF (so "9İ" would pass for "90"); for
  // the one-byte strings PDML gives, V8 answers this test without reading them.
  if (plain.length % 2 !== 0 || ABOVE_LATIN1.test(plain)) return undefined;
  // Node stops decoding at the first pair that is not hex: a short result means it was not all hex.
  const bytes = Buffer.from(plain, 'hex');
  return bytes.length * 2 === plain.length ? bytes : undefined;
}

function payloadOf(packet: PdmlPacket, length: number): Uint8Array {
  const payload = packet.fields.get('tcp.payload');
  if (payload) {
    const bytes = hexBytes(payload.value ?? payload.show ?? '');
    if (bytes) return bytes;
  }
  // RST data is dissected as `tcp.reset_cause`: its `value` holds the raw bytes in the nested form.
  const reset = packet.fields.get('tcp.reset_cause');
  if (reset?.value !== undefined && length > 0) {
    if (reset.show !== undefined) return hexBytes(reset.value) ?? new Uint8Array(0);
    // Flat form: only the display string (cut at the first NUL); use it only when it is whole and plain.
    if (reset.value.length === length && /^[\x20-\x5b\x5d-\x7e]*$/.test(reset.value)) return Buffer.from(reset.value, 'latin1');
  }
  return new Uint8Array(0);
}

function required(packet: PdmlPacket, source: string, name: string, value: number | undefined): number {
  if (value === undefined) {
    throw new FollowTcpError(
      'BAD_INPUT',
      `${source}:${packet.line}: TCP packet without ${name}: export the PDML with tshark -T pdml (full) or list ${name} with -e`,
    );
  }
  return value;
}

// A Frame from a PDML packet, or undefined when the packet is not TCP over IP.
export function toFrame(packet: PdmlPacket, source: string): Frame | undefined {
  const srcPort = integer(packet, 'tcp.srcport');
  const dstPort = integer(packet, 'tcp.dstport');
  if (srcPort === undefined || dstPort === undefined) return undefined;
  const ipv6Src = text(packet, 'ipv6.src');
  const srcAddress = ipv6Src ?? text(packet, 'ip.src');
  const dstAddress = text(packet, 'ipv6.dst') ?? text(packet, 'ip.dst');
  if (srcAddress === undefined || dstAddress === undefined) return undefined;
  const number = required(packet, source, 'frame.number', integer(packet, 'frame.number') ?? integer(packet, 'num'));
  const timeText = text(packet, 'frame.time_epoch') ?? packet.fields.get('timestamp')?.value;
  const time = timeText === undefined ? undefined : parseEpoch(timeText);
  if (time === undefined) {
    throw new FollowTcpError(
      'BAD_INPUT',
      `${source}:${packet.line}: frame ${number} has no readable time (frame.time_epoch): export it with tshark -T pdml`,
    );
  }
  const seq = required(packet, source, 'tcp.seq_raw', raw32(packet, 'tcp.seq_raw', 'tcp.seq'));
  const flags = required(packet, source, 'tcp.flags', flagsOf(packet));
  const length = integer(packet, 'tcp.len') ?? 0;
  const ipIdText = text(packet, 'ip.id');
  return {
    number,
    time,
    srcAddress,
    dstAddress,
    srcPort,
    dstPort,
    stream: integer(packet, 'tcp.stream'),
    seq,
    ack: raw32(packet, 'tcp.ack_raw', 'tcp.ack') ?? 0,
    flags,
    length,
    payload: payloadOf(packet, length),
    window: integer(packet, 'tcp.window_size_value'),
    windowScaled: integer(packet, 'tcp.window_size'),
    ipId: ipv6Src === undefined && ipIdText !== undefined ? leadingInteger(ipIdText) : undefined,
    mss: integer(packet, 'tcp.options.mss_val'),
    windowShift: integer(packet, 'tcp.options.wscale.shift'),
    analysis: packet.analysis,
    ...optionalFields(packet),
  };
}

// The optional Frame fields two-point matching uses (flow label, TTL, TCP timestamps), only those present.
function optionalFields(packet: PdmlPacket): Pick<Frame, 'flowLabel' | 'ttl' | 'tsval' | 'tsecr'> {
  // Flow label 0 means "not labelled" (RFC 6437): left out like an absent one.
  const flowLabel = integer(packet, 'ipv6.flow') || undefined;
  const ttl = integer(packet, 'ipv6.hlim') ?? integer(packet, 'ip.ttl');
  const tsval = integer(packet, 'tcp.options.timestamp.tsval');
  const tsecr = integer(packet, 'tcp.options.timestamp.tsecr');
  return {
    ...(flowLabel !== undefined && { flowLabel }),
    ...(ttl !== undefined && { ttl }),
    ...(tsval !== undefined && { tsval }),
    ...(tsecr !== undefined && { tsecr }),
  };
}

// tcp.flags: `show="0x0018"` (nested) or `value="0x0018"` (flat); the masked hex `value` as a fallback.
function flagsOf(packet: PdmlPacket): number | undefined {
  const field = packet.fields.get('tcp.flags');
  const shown = field?.show ?? field?.value;
  if (shown === undefined) return undefined;
  // tshark writes "0x0018": read that directly, anything else the general way.
  if (shown.length === 6 && shown.startsWith('0x')) {
    const high = hexDigit(shown.charCodeAt(4));
    const low = hexDigit(shown.charCodeAt(5));
    if (high >= 0 && low >= 0 && hexDigit(shown.charCodeAt(2)) >= 0 && hexDigit(shown.charCodeAt(3)) >= 0) return high * 16 + low;
  }
  const hex = /^\s*(?:0x)?([0-9a-f]+)/i.exec(shown);
  return hex ? Number.parseInt(hex[1]!, 16) & 0xff : undefined;
}
