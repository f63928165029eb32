// The executable's collector settings: the old generation held near its live size, V8's helper
// threads turned off beside tshark when no core is idle (the user's own flags kept, and no V8
// check failing once they are set), and the CLI telling the executable when tshark is started.

import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { execa } from 'execa';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../src/cli.js';
import { collectorFlagsToSet, MAIN_THREAD_COLLECTOR_FLAGS, noCoreIdle } from '../src/collector-threads.js';
import { MKCAP_FIXTURES, PDML_FIXTURES } from './helpers.js';

const OLD_GENERATION = new URL('../src/old-generation.ts', import.meta.url).href;
const COLLECTOR_THREADS = new URL('../src/collector-threads.ts', import.meta.url).href;

// 200,000 objects kept alive and replaced 5,000 at a time, with the event loop turning between
// steps, so the replaced ones die in the old generation; prints the largest old space seen.
// `setup` runs first (the setting under test).
function churn(setup: string): string {
  return `
${setup}
import { getHeapSpaceStatistics } from 'node:v8';
const oldSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_size;
const live = new Array(200000);
let largest = 0;
for (let step = 0; step < 400; step++) {
  for (let index = 0; index < 5000; index++) live[(step * 5000 + index) % live.length] = { step, index, pad: new Array(8).fill(step) };
  largest = Math.max(largest, oldSpace());
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(String(largest));
`;
}

// Run `code` in a node of its own (TypeScript imports through tsx); its standard output.
async function inNode(code: string, nodeArguments: string[] = []): Promise<string> {
  const { stdout } = await execa(process.execPath, [...nodeArguments, '--import', 'tsx', '--input-type=module', '-e', code], {
    env: { NODE_OPTIONS: '' },
  });
  return stdout.trim();
}

const Old = suite('old generation: held near its live size');

Old('with growth held to 10 %, the old space stays smaller than V8 lets it grow', async () => {
  const free = Number(await inNode(churn('')));
  const held = Number(await inNode(churn(`import { limitOldGenerationGrowth } from ${JSON.stringify(OLD_GENERATION)}; limitOldGenerationGrowth(10);`)));
  assert.ok(held > 0 && held < free, `held ${held} bytes against ${free} free`);
});

Old("a growth setting given to node is the user's: not set then", async () => {
  const code = `import { limitOldGenerationGrowth } from ${JSON.stringify(OLD_GENERATION)}; process.stdout.write(String(limitOldGenerationGrowth()));`;
  assert.is(await inNode(code), 'true');
  assert.is(await inNode(code, ['--heap-growing-percent=300']), 'false');
});

Old.run();

const Threads = suite('collector threads: on the main thread beside tshark');

Threads('every flag is set when node was given none of them; a flag given either way is kept', () => {
  assert.equal(collectorFlagsToSet([], undefined), [...MAIN_THREAD_COLLECTOR_FLAGS]);
  const without = (flag: string) => MAIN_THREAD_COLLECTOR_FLAGS.filter((each) => each !== flag);
  assert.equal(collectorFlagsToSet(['--concurrent-marking'], undefined), without('--no-concurrent-marking'));
  assert.equal(collectorFlagsToSet([], '--max-old-space-size=512 --no-parallel-scavenge'), without('--no-parallel-scavenge'));
  assert.equal(collectorFlagsToSet(['--concurrent_sweeping'], ''), without('--no-concurrent-sweeping'));
  assert.equal(collectorFlagsToSet(['--single-threaded-gc'], undefined), []);
});

Threads('set at run time, the flags hold through full collections (no V8 check fails)', async () => {
  const setup = `import { collectOnMainThread } from ${JSON.stringify(COLLECTOR_THREADS)}; if (collectOnMainThread().length !== ${MAIN_THREAD_COLLECTOR_FLAGS.length}) process.exit(3);`;
  const largest = Number(await inNode(churn(setup), ['--heap-growing-percent=10']));
  assert.ok(largest > 0);
});

Threads('no core idle: tshark and the main thread on 2 cores; with workers, as many cores', () => {
  assert.ok(noCoreIdle(0, 2));
  assert.ok(noCoreIdle(0, 1));
  assert.not.ok(noCoreIdle(0, 3));
  assert.ok(noCoreIdle(2, 4));
  assert.not.ok(noCoreIdle(1, 4));
});

// Run the CLI in-process with a tsharkStarted hook; the workers it was told of, per call.
async function tsharkCalls(argv: string[]): Promise<{ code: number; calls: number[] }> {
  const calls: number[] = [];
  const stdout = new PassThrough();
  stdout.resume();
  const stderr = new PassThrough();
  stderr.resume();
  const code = await main(argv, { stdin: Readable.from([]), stdout, stderr, tsharkStarted: (workers) => calls.push(workers) });
  return { code, calls };
}

Threads('the CLI tells the executable once tshark is started (with its workers), and only then', async () => {
  const capture = join(MKCAP_FIXTURES, 'multi-conn', 'b.pcapng');
  assert.equal(await tsharkCalls(['--pcap', capture, '--all', '--data', 'none', '--workers', '0']), { code: 0, calls: [0] });
  assert.equal(await tsharkCalls(['--pcap', capture, '--all', '--data', 'none', '--workers', '1']), { code: 0, calls: [1] });
  assert.equal(await tsharkCalls(['--pdml', join(PDML_FIXTURES, 'reorder-b.pdml'), '--data', 'none']), { code: 0, calls: [] });
});

Threads.run();
