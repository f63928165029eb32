// tshark's stdout buffer: the stdbuf command line, finding stdbuf on a PATH, and telling stdbuf's
// own failures (tshark missing or not runnable) from tshark's.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bufferedCommand, findOnPath, stdbufMissedCommand, TSHARK_STDOUT_BUFFER } from '../src/source/stdout-buffer.js';

const StdoutBuffer = suite('tshark stdout buffer');
const TMP = mkdtempSync(join(tmpdir(), 'follow-tcp-stdbuf-'));

StdoutBuffer('bufferedCommand: through stdbuf -o SIZE when there is one, as is when not', () => {
  assert.equal(bufferedCommand('tshark', ['-r', 'a.pcap'], '/opt/bin/stdbuf'), {
    file: '/opt/bin/stdbuf',
    args: ['-o', TSHARK_STDOUT_BUFFER, 'tshark', '-r', 'a.pcap'],
  });
  assert.equal(bufferedCommand('tshark', ['-r', 'a.pcap'], undefined), { file: 'tshark', args: ['-r', 'a.pcap'] });
  assert.is(TSHARK_STDOUT_BUFFER, '128K');
});

StdoutBuffer('findOnPath: the first executable file; skips directories, files that cannot run, empty entries', () => {
  const [first, second, third] = ['first', 'second', 'third'].map((name) => join(TMP, name));
  for (const directory of [first!, second!, third!]) mkdirSync(directory);
  mkdirSync(join(first!, 'stdbuf'));
  writeFileSync(join(second!, 'stdbuf'), '#!/bin/sh\n');
  chmodSync(join(second!, 'stdbuf'), 0o644);
  writeFileSync(join(third!, 'stdbuf'), '#!/bin/sh\n', { mode: 0o755 });
  const path = ['', first, join(TMP, 'absent'), second, third].join(delimiter);
  assert.is(findOnPath('stdbuf', path), join(third!, 'stdbuf'));
  assert.is(findOnPath('stdbuf', [first, second].join(delimiter)), undefined);
  assert.is(findOnPath('stdbuf', ''), undefined);
  assert.is(findOnPath('stdbuf', undefined), undefined);
});

StdoutBuffer("stdbufMissedCommand: stdbuf's exit code and its name leading a line of stderr", () => {
  const missing = "stdbuf: failed to run command '/x/tshark': No such file or directory\n";
  const denied = "/usr/bin/stdbuf: failed to run command '/x/tshark': Permission denied\n";
  assert.ok(stdbufMissedCommand(127, missing, 'missing'));
  assert.ok(stdbufMissedCommand(126, denied, 'not runnable'));
  assert.not.ok(stdbufMissedCommand(126, missing, 'missing'), 'the other exit code');
  assert.not.ok(stdbufMissedCommand(127, denied, 'not runnable'), 'the other exit code');
  assert.not.ok(stdbufMissedCommand(127, 'tshark: stdbuf: is not a capture\n', 'missing'), "tshark's own message");
  assert.not.ok(stdbufMissedCommand(undefined, missing, 'missing'), 'killed, no exit code');
});

StdoutBuffer.after(() => {
  rmSync(TMP, { recursive: true, force: true });
});

StdoutBuffer.run();
