/**
 * `dst devnet`: parses the flags (./args.ts) and runs the devnet (./devnet.ts), printing its lines on
 * standard output. Exit code: 0 after a clean Ctrl-C/SIGTERM, 1 when the devnet could not start or lost
 * its quorum, 2 on bad usage (message on standard error).
 */
import { UsageError } from '../cli/usage.js';
import { DEVNET_HELP, parseDevnetArgs } from './args.js';
import { runDevnet } from './devnet.js';

/** Runs `dst devnet <args>`; `args` are the words after `devnet`. */
export async function runDevnetCommand(args: string[]): Promise<number> {
  try {
    const parsed = parseDevnetArgs(args);
    if (parsed === 'help') {
      process.stdout.write(DEVNET_HELP);
      return 0;
    }
    return await runDevnet(parsed, (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    const usage = error instanceof UsageError;
    process.stderr.write(`dst devnet: ${(error as Error).message}\n${usage ? 'Run "dst devnet --help" for the options.\n' : ''}`);
    return usage ? 2 : 1;
  }
}
