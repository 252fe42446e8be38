/**
 * What every `dst` command (./main.ts, ./create.ts, ./devnet.ts, ./load.ts) shares in reading its
 * flags, and the one place for it: `UsageError`, the error a command answers with exit code 2 and its
 * message on stderr; `parseFlags`, node:util's parseArgs with its errors as UsageErrors; the checks of
 * integer, number and chain id flags; and `commandFailed`, how a command reports what stopped it.
 * Domain code (src/cluster, src/devnet, src/load, src/node) never throws a UsageError: it throws its own
 * errors, which the commands map to exit codes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_CHAIN_ID } from '../cluster/index.js';

/** A bad command line: the caller prints the message and exits with 2. */
export class UsageError extends Error {}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type FlagsConfig<T extends FlagOptions> = { args: string[]; options: T; allowPositionals: true; strict: true };

/** node:util's parseArgs over `args` (positionals allowed); an unknown or malformed flag is a UsageError. */
export function parseFlags<T extends FlagOptions>(args: string[], options: T): ReturnType<typeof parseArgs<FlagsConfig<T>>> {
  try {
    return parseArgs({ args, allowPositionals: true, options, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `text` as a decimal integer in min..max, or a UsageError naming the flag, the range and what came. */
export function integerFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag}: expected an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A required integer flag (see `integerFlag`). */
export function requiredInteger(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`${flag} is required`);
  return integerFlag(flag, text, min, max);
}

/** An optional integer flag (see `integerFlag`): undefined when not given. */
export function optionalInteger(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  return text === undefined ? undefined : integerFlag(flag, text, min, max);
}

/** An optional positive safe integer flag: undefined when not given. */
export function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag}: expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** An optional positive decimal number flag (e.g. 12.5): undefined when not given. */
export function positiveNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0)) throw new UsageError(`${flag}: expected a positive number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** An optional `--chain-id`: a decimal integer in 1..2^64-1 (what a cluster lock holds); undefined when not given. */
export function chainIdFlag(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text) || BigInt(text) > MAX_CHAIN_ID) {
    throw new UsageError(`--chain-id: expected a decimal integer in 1..2^64-1, got ${JSON.stringify(text)}`);
  }
  return BigInt(text);
}

/**
 * Reports the error that ended a command on stderr as `<prefix>: <message>` and returns its exit code:
 * 2 for a usage error (`usage`, by default `error instanceof UsageError`), followed by a pointer to
 * `<helpCommand> --help`; 1 for anything else.
 */
export function commandFailed(prefix: string, helpCommand: string, error: unknown, usage = error instanceof UsageError): number {
  process.stderr.write(`${prefix}: ${(error as Error).message}\n${usage ? `Run "${helpCommand} --help" for the options.\n` : ''}`);
  return usage ? 2 : 1;
}
