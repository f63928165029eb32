// The arguments node itself was started with (its command line and NODE_OPTIONS): the V8
// settings the executable makes keep a user's own given there.

/** Node's own arguments, one per element: `execArgv`, then NODE_OPTIONS split at white space. */
export function nodeArguments(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string[] {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/).filter((argument) => argument !== '')];
}
