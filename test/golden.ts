// Golden CSVs: every fixtures/pdml input (PDML of our own mkcap captures, both shapes, plain and
// gzip) must give exactly the CSV committed next to it (scripts/update-golden.ts rewrites them).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { goldenArguments, goldenName, PDML_FIXTURES, runCli } from './helpers.js';

const Golden = suite('golden CSVs');

for (const name of readdirSync(PDML_FIXTURES).filter((file) => /\.pdml(\.gz)?$/.test(file))) {
  Golden(name, async () => {
    const result = await runCli(goldenArguments(join(PDML_FIXTURES, name)));
    assert.is(result.code, 0, result.stderr);
    assert.fixture(result.stdout.toString('utf8'), readFileSync(join(PDML_FIXTURES, goldenName(name)), 'utf8'));
  });
}

Golden.run();
