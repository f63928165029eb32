// How payload bytes are written in a column: lowercase hex, escaped text, or not at all.

/** The payload column's encoding (--data). */
export type DataFormat = 'hex' | 'text' | 'none';

const ESCAPES: Record<number, string> = { 0x5c: '\\\\', 0x0d: '\\r', 0x0a: '\\n', 0x09: '\\t' };

// Bytes as text: printable ASCII as is; `\\ \r \n \t` escaped; everything else as `\xNN`.
export function escapeText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    const escape = ESCAPES[byte];
    if (escape !== undefined) text += escape;
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}

// Encode payload bytes for the data column.
export function encodeData(bytes: Uint8Array | undefined, format: DataFormat): string {
  if (!bytes || format === 'none') return '';
  if (format === 'text') return escapeText(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
