// A short, aligned list of streams for people: shown when a selection is needed.

import type { StreamInfo } from '../tcp/streams.js';
import { formatTable } from './table.js';

// One line per stream: index, client → server (marked `?` when guessed), frames and payload bytes each way.
export function formatStreamList(streams: readonly StreamInfo[]): string {
  const header = ['stream', 'client', 'server', 'frames', 'bytes c→s', 'bytes s→c'];
  const rows = streams.map((info) => {
    const [forward, backward] = info.directions;
    const guess = info.clientGuessed ? '?' : '';
    return [
      String(info.stream),
      `${forward?.key.src ?? ''}${guess}`,
      forward?.key.dst ?? '',
      String((forward?.frames ?? 0) + (backward?.frames ?? 0)),
      String(forward?.payloadBytes ?? 0),
      String(backward?.payloadBytes ?? 0),
    ];
  });
  return formatTable(header, rows);
}
