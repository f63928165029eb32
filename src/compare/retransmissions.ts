// Retransmissions seen upstream, judged by what reached the downstream point: needed when some
// of their bytes had not got through in an earlier copy, spurious when every byte already had.

import { IntervalSet } from '../tcp/intervals.js';
import type { PacketMatch } from './matching.js';
import type { PacketPlace } from './offsets.js';

/** Upstream data packets carrying bytes an earlier upstream packet carried, split by need. */
export interface RetransmissionCount {
  total: number;
  needed: number;
  spurious: number;
}

// Count the retransmissions among the upstream packets (file order = send order).
export function countRetransmissions(upPlaces: readonly PacketPlace[], match: PacketMatch): RetransmissionCount {
  const sent = new IntervalSet();
  const delivered = new IntervalSet();
  const count: RetransmissionCount = { total: 0, needed: 0, spurious: 0 };
  upPlaces.forEach((place, index) => {
    const length = place.end - place.start;
    if (length <= 0) return;
    if (sent.covered(place.start, place.end) > 0) {
      count.total += 1;
      if (delivered.covered(place.start, place.end) === length) count.spurious += 1;
      else count.needed += 1;
    }
    sent.add(place.start, place.end);
    if (match.downOf[index] !== undefined) delivered.add(place.start, place.end);
  });
  return count;
}
