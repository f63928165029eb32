// Capture timestamps as integer nanoseconds (bigint): never rounded through a JS double.

/** Nanoseconds since the Unix epoch, exactly as captured. */
export type Nanos = bigint;

const NANOS_PER_SECOND = 1_000_000_000n;
const EPOCH_TIME = /^(-?)(\d+)(?:\.(\d{1,9})\d*)?$/;

// Parse tshark's epoch string ("1795346406.651105569") into nanoseconds; undefined if it is not one.
export function parseEpoch(text: string): Nanos | undefined {
  const match = EPOCH_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, sign, seconds, fraction = ''] = match;
  // One decimal string of nanoseconds (seconds, then the fraction to 9 digits): one BigInt parse.
  const nanos = BigInt(seconds! + fraction.padEnd(9, '0'));
  return sign === '-' ? -nanos : nanos;
}

// Seconds with all 9 decimals ("12.000340000"), for epoch times and durations alike.
export function formatSeconds(nanos: Nanos): string {
  const negative = nanos < 0n;
  // The digits of the magnitude, at least 10 of them: the last 9 are the fraction.
  const digits = (negative ? -nanos : nanos).toString().padStart(10, '0');
  const point = digits.length - 9;
  return `${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
}

// ISO 8601 in UTC with 9 decimals ("2026-11-22T11:20:06.651105569Z").
export function formatIso(nanos: Nanos): string {
  const seconds = nanos / NANOS_PER_SECOND - (nanos < 0n && nanos % NANOS_PER_SECOND !== 0n ? 1n : 0n);
  const fraction = nanos - seconds * NANOS_PER_SECOND;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

/** How a time column is written: epoch seconds, seconds since the stream began, or ISO 8601. */
export type TimeFormat = 'epoch' | 'relative' | 'iso';

// Write a capture time in the chosen format; `origin` is the stream's first time (for `relative`).
export function formatTime(nanos: Nanos, format: TimeFormat, origin: Nanos): string {
  if (format === 'relative') return formatSeconds(nanos - origin);
  if (format === 'iso') return formatIso(nanos);
  return formatSeconds(nanos);
}
