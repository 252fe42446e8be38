/**
 * `dst test …`, the pre-flight checks (issue 17): `dst test machine` (./test-machine.ts) and `dst test
 * peers` (./test-peers.ts); `dst test --help` lists them.
 */
import { runTestMachineCommand } from './test-machine.js';
import { runTestPeersCommand } from './test-peers.js';

export const TEST_HELP = `Usage: dst test machine [options]       this machine's hot paths, and the blocks/s and tx/s it can sustain
       dst test peers --dir NODE_DIR       reachability, round trips, clock and throughput to every operator

Pre-flight checks, run before a node joins its cluster. "dst test machine --help" and
"dst test peers --help" explain each.
`;

export async function runTestCommand(args: string[]): Promise<number> {
  const [which, ...rest] = args;
  if (which === 'machine') return runTestMachineCommand(rest);
  if (which === 'peers') return runTestPeersCommand(rest);
  if (which === undefined || which === '--help' || which === '-h') {
    process.stdout.write(TEST_HELP);
    return which === undefined ? 2 : 0;
  }
  process.stderr.write(`dst test: unknown check ${JSON.stringify(which)}: expected "machine" or "peers"\n${TEST_HELP}`);
  return 2;
}
