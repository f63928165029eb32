// Worker thread entry: parse the PDML pieces the pool sends, one at a time, and send back their frames.

import { parentPort } from 'node:worker_threads';
import { type PieceRequest, pieceResult } from './piece.js';

const port = parentPort;
if (port) {
  port.on('message', (request: PieceRequest) => {
    const result = pieceResult(request);
    port.postMessage(result, [(result.failed ? result.bytes : result.payloads).buffer as ArrayBuffer]);
  });
}
