// Delays in milliseconds exactly as mkcap's truth.py prints them: Python floats (ns / 1e6),
// round(x, 4) on the float's exact value (ties to even), mean = fsum / n. Only these
// presentation figures pass through doubles; the delays themselves stay bigint nanoseconds.

import type { Nanos } from '../time.js';
import { nearestRank, sortedDelays } from './delay-figures.js';

/** Delay figures in milliseconds, 4 decimals (mkcap's `link.delay_ms`, plus p99). */
export interface DelayMilliseconds {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

// A finite double as mantissa · 2^exponent, exactly.
function exactParts(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return { mantissa: negative ? -mantissa : mantissa, exponent };
}

// Python's round(value, digits): the double's exact value rounded to `digits` decimals, ties to even.
export function roundLikePython(value: number, digits: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const { mantissa, exponent } = exactParts(value);
  const negative = mantissa < 0n;
  const magnitude = (negative ? -mantissa : mantissa) * 10n ** BigInt(digits);
  let rounded: bigint;
  if (exponent >= 0) rounded = magnitude << BigInt(exponent);
  else {
    const divisor = 1n << BigInt(-exponent);
    const quotient = magnitude / divisor;
    const twice = 2n * (magnitude % divisor);
    rounded = twice > divisor || (twice === divisor && quotient % 2n === 1n) ? quotient + 1n : quotient;
  }
  return Number.parseFloat(`${negative ? '-' : ''}${rounded}e-${digits}`);
}

// Python's math.fsum: the exact sum of doubles, rounded once.
export function exactSum(values: readonly number[]): number {
  const parts = values.filter((value) => value !== 0).map(exactParts);
  if (parts.length === 0) return 0;
  const lowest = Math.min(...parts.map((part) => part.exponent));
  const total = parts.reduce((sum, part) => sum + (part.mantissa << BigInt(part.exponent - lowest)), 0n);
  // Number(bigint) rounds to nearest, ties to even; scaling by a power of two is exact.
  return Number(total) * 2 ** lowest;
}

// A delay as truth.py's float milliseconds (before rounding).
function floatMilliseconds(delay: Nanos): number {
  return Number(delay) / 1e6;
}

// The figures of a set of delays in mkcap's milliseconds; undefined when there are none.
export function delayMilliseconds(delays: readonly Nanos[]): DelayMilliseconds | undefined {
  if (delays.length === 0) return undefined;
  const sorted = sortedDelays(delays);
  const at = (fraction: number): number => roundLikePython(floatMilliseconds(nearestRank(sorted, fraction)), 4);
  const floats = sorted.map(floatMilliseconds);
  return {
    min: at(0),
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
    mean: roundLikePython(exactSum(floats) / floats.length, 4),
  };
}
