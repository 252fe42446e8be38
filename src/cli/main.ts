#!/usr/bin/env node
/**
 * `dst`, the command: picks the subcommand by its first word and loads only that command's module, so
 * `dst verify` or `dst create` do not pay for the node's imports (libp2p, LMDB, the worker pool).
 *
 * - `dst run …` (and `dst --help`, or flags without a command word): one node, ./run.ts;
 * - `dst create cluster | identity | definition` (./create.ts), `dst dkg` / `dst reshare` (./dkg.ts),
 *   `dst devnet` (./devnet.ts), `dst load` (./load.ts), `dst verify` / `dst follow` (./verify.ts),
 *   `dst test machine | peers` (./pre-flight.ts), `dst execute` (./execute.ts).
 *
 * Each command returns its exit code: 0 done, 1 failed, 2 a usage error (printed with a pointer to
 * `--help`). A failure may leave open handles (a libp2p host, a worker pool), so a non-zero exit does
 * not wait for them.
 */
const [word, ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (word) {
    case 'create': return (await import('./create.js')).runCreateCommand(rest);
    case 'load': return (await import('./load.js')).runLoadCommand(rest);
    case 'devnet': return (await import('./devnet.js')).runDevnetCommand(rest);
    case 'verify': return (await import('./verify.js')).runVerifyCommand(rest);
    case 'follow': return (await import('./verify.js')).runFollowCommand(rest);
    case 'test': return (await import('./pre-flight.js')).runTestCommand(rest);
    case 'execute': return (await import('./execute.js')).runExecuteCommand(rest);
    case 'dkg':
    case 'reshare': return (await import('./dkg.js')).runCeremonyCommand(word, rest);
    default: return (await import('./run.js')).runNodeCommand(process.argv.slice(2));
  }
}

process.exitCode = await main();
if (process.exitCode !== 0) process.exit();
