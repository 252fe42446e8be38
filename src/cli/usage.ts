/**
 * What every `dst` command shares in reading its flags: `UsageError`, the error a command answers with
 * exit code 2 and its message on stderr, and `integerFlag`, the check of a decimal integer flag.
 */

/** A bad command line: the caller prints the message and exits with 2. */
export class UsageError extends Error {}

/** `text` as a decimal integer in min..max, or a UsageError naming the flag, the range and what came. */
export function integerFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag}: expected an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
