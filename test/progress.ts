// The progress line: frames, MB read, MB/s and ETA, redrawn in place; silent off a terminal.

import { PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Progress } from '../src/output/progress.js';
import { PDML_FIXTURES, runCli } from './helpers.js';

const ProgressLine = suite('progress line');

ProgressLine('reports frames, MB, MB/s and ETA when the size is known', () => {
  let now = 0;
  const progress = new Progress(new PassThrough(), 10_000_000, () => now);
  progress.read(2_500_000);
  now = 1000;
  assert.is(progress.line(now), 'follow-tcp: 0 frames, 2.5 MB read, 2.5 MB/s, 25 %, ETA 3 s');
});

// A progress line on a sink that records what is written, with a clock the test sets (interval 250 ms).
function recordedProgress(): { progress: Progress; written: string[]; sink: PassThrough; setNow: (ms: number) => void } {
  let now = 0;
  const sink = new PassThrough();
  const written: string[] = [];
  sink.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  return { progress: new Progress(sink, undefined, () => now, 250), written, sink, setNow: (ms) => (now = ms) };
}

ProgressLine('redraws at most every interval, every 256 frames, and clears itself', () => {
  const { progress, written, sink, setNow } = recordedProgress();
  progress.read(1_000_000);
  setNow(300);
  for (let frame = 0; frame < 512; frame += 1) progress.frames(1);
  setNow(400);
  for (let frame = 0; frame < 256; frame += 1) progress.frames(1);
  progress.done();
  sink.end();
  assert.equal(written, ['\rfollow-tcp: 256 frames, 1.0 MB read, 3.3 MB/s\x1b[K', '\r\x1b[K']);
});

ProgressLine('frames counted in arrays: redrawn when the count passes a multiple of 256', () => {
  const { progress, written, sink, setNow } = recordedProgress();
  setNow(300);
  progress.frames(255);
  progress.frames(300);
  setNow(400);
  progress.frames(100); // 655: 512 was passed, but within the interval
  setNow(700);
  progress.frames(100); // 755: no multiple of 256 passed
  progress.frames(10); // 765: 768 not reached
  progress.frames(3);
  sink.end();
  assert.equal(written, ['\rfollow-tcp: 555 frames, 0.0 MB read, 0.0 MB/s\x1b[K', '\rfollow-tcp: 768 frames, 0.0 MB read, 0.0 MB/s\x1b[K']);
});

ProgressLine('nothing on stderr when it is not a terminal', async () => {
  const result = await runCli(['--pdml', `${PDML_FIXTURES}/reorder-b.pdml`, '--all', '--data', 'none']);
  assert.is(result.code, 0);
  assert.is(result.stderr, '');
});

ProgressLine.run();
