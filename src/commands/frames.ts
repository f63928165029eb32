// `follow-tcp frames`: every TCP frame of the selection in capture order, with what it did to its
// direction's byte stream (retransmission, out-of-order, gap before it, …) and tshark's opinion.

import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { FollowTcpError } from '../errors.js';
import { put } from '../output/writer.js';
import { FRAME_COLUMNS, type FrameRecord, frameRecord, TsharkAgreement } from '../report/frame-rows.js';
import { StreamFollower } from '../tcp/streams.js';
import type { Io, SetExitCode } from './io.js';
import {
  addInputOptions,
  addSelectionOptions,
  byteCount,
  choice,
  type InputFlags,
  isInputError,
  openInput,
  openOutput,
  parseSelection,
  type SelectionFlags,
} from './options.js';

interface FramesFlags extends InputFlags, SelectionFlags {
  format: 'csv' | 'jsonl';
  problems?: boolean;
  compareTshark?: boolean;
  out?: string;
  maxBuffer: number;
}

// Write the frames of the selection; resolves to the exit code.
export async function runFrames(flags: FramesFlags, io: Io): Promise<number> {
  const selection = parseSelection(flags);
  const input = openInput(flags, io, selection);
  const follower = new StreamFollower({ policy: 'first', maxBuffer: flags.maxBuffer, select: selection.matches });
  const output = openOutput(io, flags.out);
  const agreement = new TsharkAgreement();
  let pending: FrameRecord[] = [];
  let written = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0 && (written > 0 || flags.format !== 'csv')) return;
    const text =
      flags.format === 'csv'
        ? stringify([...(written === 0 ? [[...FRAME_COLUMNS]] : []), ...pending.map((record) => FRAME_COLUMNS.map((column) => record[column]))])
        : pending.map((record) => `${JSON.stringify(record)}\n`).join('');
    written += pending.length + (written === 0 ? 1 : 0);
    pending = [];
    await put(output.sink, text);
  };
  let inputError: FollowTcpError | undefined;
  let matched = 0;
  try {
    try {
      for await (const frames of input.frameBatches) {
        for (const frame of frames) {
          const placement = follower.push(frame);
          if (!placement) continue; // never here: finished streams are not forgotten
          const record = frameRecord(frame, placement);
          if (!record || !placement.verdict) continue;
          matched += 1;
          if (flags.compareTshark) agreement.add(frame, placement.verdict.class);
          else if (!flags.problems || record.class !== 'ok') pending.push(record);
        }
        if (pending.length >= 4096) await flush();
      }
    } catch (error) {
      if (!isInputError(error)) throw error;
      inputError = error;
    }
    if (flags.compareTshark) output.sink.write(agreement.format());
    else await flush();
  } catch (error) {
    throw await output.abandon(error);
  }
  await output.close();
  if (inputError) throw inputError;
  if (matched === 0 && selection.given) {
    throw new FollowTcpError('USAGE', `${input.source}: no frames match ${selection.text} (list the streams with: ${input.listHint})`);
  }
  return 0;
}

// Add the `frames` subcommand.
export function registerFrames(program: Command, io: Io, setCode: SetExitCode): void {
  const command = program.command('frames').description('per-frame sequence analysis: what each frame did to its direction, and what tshark thought');
  addSelectionOptions(addInputOptions(command))
    .addOption(choice('--format <format>', 'CSV or JSON lines', ['csv', 'jsonl'], 'csv'))
    .option('--problems', "only frames whose class is not 'ok'")
    .option('--compare-tshark', "report how often our classes and tshark's expert flags agree, and every disagreement")
    .option('-o, --out <file>', 'write here instead of standard output')
    .option('--max-buffer <bytes>', 'bytes held per direction to find overlapping frames', byteCount, 64 * 1024 * 1024)
    .action(async (flags: FramesFlags) => {
      setCode(await runFrames(flags, io));
    });
}
