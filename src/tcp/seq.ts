// 32-bit TCP sequence arithmetic (RFC 1982 serial numbers) and unwrapping into 64-bit offsets.

const SEQ_SPACE = 2 ** 32;
const HALF_SPACE = 2 ** 31;

// Signed distance a − b on the 32-bit sequence circle, in [−2^31, 2^31).
export function seqDelta(a: number, b: number): number {
  const delta = (a - b) >>> 0;
  return delta >= HALF_SPACE ? delta - SEQ_SPACE : delta;
}

// The unwrapped position of raw sequence number `seq` that lies nearest to `near`, counting
// positions from `anchor` (raw) = 0; offsets stay exact far beyond 4 GiB.
export function unwrapSeq(seq: number, anchor: number, near: number): number {
  const low = (seq - anchor) >>> 0;
  const turns = Math.round((near - low) / SEQ_SPACE);
  return low + turns * SEQ_SPACE;
}
