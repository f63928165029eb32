// Rewrite the golden CSVs next to fixtures/pdml inputs from the current output
// (`--all`, default options). Review `git diff fixtures/pdml` before committing.

import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenArguments, goldenName, PDML_FIXTURES, runCli } from '../test/helpers.js';

for (const name of readdirSync(PDML_FIXTURES).filter((file) => /\.pdml(\.gz)?$/.test(file))) {
  const result = await runCli(goldenArguments(join(PDML_FIXTURES, name)));
  if (result.code !== 0) throw new Error(`${name}: exit ${result.code}: ${result.stderr}`);
  writeFileSync(join(PDML_FIXTURES, goldenName(name)), result.stdout);
  console.log(`${goldenName(name)}: ${result.stdout.length} bytes`);
}
