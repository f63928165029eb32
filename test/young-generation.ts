// The executable's young generation stays at its cap while a program keeps objects alive across
// collections (V8 would double it up to 32 MiB), and grows as V8 grows it without the cap or when
// node was started with a semi-space size of the user's own. Each case runs in a node of its own.

import { execa } from 'execa';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const MODULE = new URL('../src/young-generation.ts', import.meta.url).href;
const CAP = 8 * 1024 * 1024;

// Objects kept for 100,000 allocations (so they survive collections and V8 grows the new space),
// made in steps with the event loop turning between them, as follow-tcp's input arrives.
const CHURN = `
import { capYoungGeneration, newSpaceSize } from ${JSON.stringify(MODULE)};
const cap = Number(process.argv[1]);
if (cap > 0) capYoungGeneration(cap);
const kept = new Array(100000);
let largest = 0;
for (let step = 0; step < 3000; step++) {
  for (let index = 0; index < 2000; index++) kept[(step * 2000 + index) % kept.length] = { step, index, text: 'x' + index };
  largest = Math.max(largest, newSpaceSize());
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(String(largest));
`;

// The largest new space seen while churning, with `cap` (0: none) and node's extra arguments.
async function largestNewSpace(cap: number, nodeArguments: string[] = []): Promise<number> {
  const { stdout } = await execa(process.execPath, [...nodeArguments, '--import', 'tsx', '--input-type=module', '-e', CHURN, String(cap)], {
    env: { NODE_OPTIONS: '' },
  });
  return Number(stdout.trim());
}

const Young = suite('young generation: held at its cap');

Young('without the cap V8 grows the new space past 8 MiB; with it, it stays at 8 MiB or below', async () => {
  const free = await largestNewSpace(0);
  assert.ok(free > CAP, `V8 grew the new space to ${free} bytes`);
  const capped = await largestNewSpace(CAP);
  assert.ok(capped > 0 && capped <= CAP, `capped at ${capped} bytes`);
});

Young("a semi-space size given to node is the user's: no cap then", async () => {
  const theirs = await largestNewSpace(CAP, ['--max-semi-space-size=16']);
  assert.ok(theirs > CAP, `their semi-spaces grew the new space to ${theirs} bytes`);
});

Young.run();
