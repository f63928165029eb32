// Turn one PDML packet's fields into a Frame; either PDML shape, numbers from `show` (or the `-e` value).

import { FollowTcpError } from '../errors.js';
import type { Frame } from '../frame.js';
import { parseEpoch } from '../time.js';
import { fieldCode } from './fields.js';
import type { PdmlField, PdmlPacket } from './parse.js';

// The codes of the fields read here (their slots in PdmlPacket.fields).
const NUM = fieldCode('num');
const TIMESTAMP = fieldCode('timestamp');
const FRAME_NUMBER = fieldCode('frame.number');
const FRAME_TIME = fieldCode('frame.time_epoch');
const IP_SRC = fieldCode('ip.src');
const IP_DST = fieldCode('ip.dst');
const IP_ID = fieldCode('ip.id');
const IP_TTL = fieldCode('ip.ttl');
const IPV6_SRC = fieldCode('ipv6.src');
const IPV6_DST = fieldCode('ipv6.dst');
const IPV6_FLOW = fieldCode('ipv6.flow');
const IPV6_HLIM = fieldCode('ipv6.hlim');
const SRC_PORT = fieldCode('tcp.srcport');
const DST_PORT = fieldCode('tcp.dstport');
const STREAM = fieldCode('tcp.stream');
const SEQ_RAW = fieldCode('tcp.seq_raw');
const SEQ = fieldCode('tcp.seq');
const ACK_RAW = fieldCode('tcp.ack_raw');
const ACK = fieldCode('tcp.ack');
const LENGTH = fieldCode('tcp.len');
const FLAGS = fieldCode('tcp.flags');
const WINDOW = fieldCode('tcp.window_size_value');
const WINDOW_SCALED = fieldCode('tcp.window_size');
const PAYLOAD = fieldCode('tcp.payload');
const RESET_CAUSE = fieldCode('tcp.reset_cause');
const MSS = fieldCode('tcp.options.mss_val');
const WINDOW_SHIFT = fieldCode('tcp.options.wscale.shift');
const TSVAL = fieldCode('tcp.options.timestamp.tsval');
const TSECR = fieldCode('tcp.options.timestamp.tsecr');

// The display text of a field: `show` in the nested form, `value` in the flat `-e` form.
function text(packet: PdmlPacket, code: number): string | undefined {
  const field = packet.fields[code];
  return field?.show ?? field?.value;
}

// The leading integer of a field's display text (decimal, or hex with 0x), as tshark shows it.
function integer(packet: PdmlPacket, code: number): number | undefined {
  const shown = text(packet, code);
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
function raw32(packet: PdmlPacket, rawCode: number, hexCode: number): number | undefined {
  const direct = integer(packet, rawCode);
  if (direct !== undefined) return direct;
  const field: PdmlField | undefined = packet.fields[hexCode];
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
  const payload = packet.fields[PAYLOAD];
  if (payload) {
    const bytes = hexBytes(payload.value ?? payload.show ?? '');
    if (bytes) return bytes;
  }
  // RST data is dissected as `tcp.reset_cause`: its `value` holds the raw bytes in the nested form.
  const reset = packet.fields[RESET_CAUSE];
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
  const srcPort = integer(packet, SRC_PORT);
  const dstPort = integer(packet, DST_PORT);
  if (srcPort === undefined || dstPort === undefined) return undefined;
  const ipv6Src = text(packet, IPV6_SRC);
  const srcAddress = ipv6Src ?? text(packet, IP_SRC);
  const dstAddress = text(packet, IPV6_DST) ?? text(packet, IP_DST);
  if (srcAddress === undefined || dstAddress === undefined) return undefined;
  const number = required(packet, source, 'frame.number', integer(packet, FRAME_NUMBER) ?? integer(packet, NUM));
  const timeText = text(packet, FRAME_TIME) ?? packet.fields[TIMESTAMP]?.value;
  const time = timeText === undefined ? undefined : parseEpoch(timeText);
  if (time === undefined) {
    throw new FollowTcpError(
      'BAD_INPUT',
      `${source}:${packet.line}: frame ${number} has no readable time (frame.time_epoch): export it with tshark -T pdml`,
    );
  }
  const seq = required(packet, source, 'tcp.seq_raw', raw32(packet, SEQ_RAW, SEQ));
  const flags = required(packet, source, 'tcp.flags', flagsOf(packet));
  const length = integer(packet, LENGTH) ?? 0;
  const ipIdText = text(packet, IP_ID);
  return {
    number,
    time,
    srcAddress,
    dstAddress,
    srcPort,
    dstPort,
    stream: integer(packet, STREAM),
    seq,
    ack: raw32(packet, ACK_RAW, ACK) ?? 0,
    flags,
    length,
    payload: payloadOf(packet, length),
    window: integer(packet, WINDOW),
    windowScaled: integer(packet, WINDOW_SCALED),
    ipId: ipv6Src === undefined && ipIdText !== undefined ? leadingInteger(ipIdText) : undefined,
    mss: integer(packet, MSS),
    windowShift: integer(packet, WINDOW_SHIFT),
    analysis: packet.analysis,
    ...optionalFields(packet),
  };
}

// The optional Frame fields two-point matching uses (flow label, TTL, TCP timestamps), only those present.
function optionalFields(packet: PdmlPacket): Pick<Frame, 'flowLabel' | 'ttl' | 'tsval' | 'tsecr'> {
  // Flow label 0 means "not labelled" (RFC 6437): left out like an absent one.
  const flowLabel = integer(packet, IPV6_FLOW) || undefined;
  const ttl = integer(packet, IPV6_HLIM) ?? integer(packet, IP_TTL);
  const tsval = integer(packet, TSVAL);
  const tsecr = integer(packet, TSECR);
  return {
    ...(flowLabel !== undefined && { flowLabel }),
    ...(ttl !== undefined && { ttl }),
    ...(tsval !== undefined && { tsval }),
    ...(tsecr !== undefined && { tsecr }),
  };
}

// tcp.flags: `show="0x0018"` (nested) or `value="0x0018"` (flat); the masked hex `value` as a fallback.
function flagsOf(packet: PdmlPacket): number | undefined {
  const field = packet.fields[FLAGS];
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
