/**
 * The dealerless commands (issue 15; the ceremonies are src/cluster/dkg/, after GJKR 1999 for the DKG
 * and Desmedt–Jajodia 1997 / Wong–Wing–Wang 2002 for resharing):
 *   dst create identity --out DIR
 *   dst create definition --operators PEER_ID@MULTIADDR,… --threshold T --chain-id ID --block-time MS [--alloc FILE] --out FILE
 *   dst dkg --definition FILE --dir DIR
 *   dst reshare --lock FILE --new-operators PEER_ID@MULTIADDR,… [--threshold T′] --dir DIR
 * Each returns the exit code: 0 done, 2 bad usage (message on stderr), 1 the command failed. The
 * ceremonies log pino JSON lines on stderr (phases, participants, disqualifications; never a secret)
 * and print a summary on stdout.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { prefixedHex } from '../bytes/index.js';
import { pino } from 'pino';
import { createLogger } from '../api/index.js';
import {
  AllocError, allocJson, readAllocFile,
  createDefinition, DEFAULT_CEREMONY_TIMEOUT_MS, formatDefinition, generateIdentityKey, IDENTITY_KEY_FILE, MAX_BLOCK_TIME_MS, MAX_NODES,
  parseClusterLock, parseDefinition, parseOperatorList, peerIdOf, runDkgCeremony, runReshareCeremony, thresholdProblem, writeIdentityKey,
  type Canonical, type OperatorResult,
} from '../cluster/index.js';
import { quorumSize } from '../consensus/index.js';
import { chainIdFlag, commandFailed, optionalInteger, parseFlags, requiredInteger, UsageError } from './usage.js';

export const CREATE_IDENTITY_HELP = `Usage: dst create identity --out DIR

Creates an operator's identity: a fresh Ed25519 key in DIR/${IDENTITY_KEY_FILE} (owner read/write only),
whose libp2p peer id names the operator in the cluster definition and lock. Prints the peer id. DIR is
created if missing; an existing identity key is never overwritten. Run it once per operator, on the
operator's machine, and give the peer id (with the address the operator listens on) to whoever writes
the definition.

Options:
  --out <dir>   The operator's node directory. Required.
  -h, --help    Print this help.
`;

export const CREATE_DEFINITION_HELP = `Usage: dst create definition --operators PEER_ID@MULTIADDR,... --threshold T --chain-id ID --block-time MS [--alloc FILE] --out FILE

Writes the public proposal of a cluster for "dst dkg" (like "charon create dkg"): the operators in
order (operator i gets share index i), the threshold, the chain id, the block time and optionally the
genesis allocation, with the definition hash every operator checks and that the lock records.

Options:
  --operators <list>  Comma-separated PEER_ID@MULTIADDR, one per operator, e.g.
                      12D3KooW...@/ip4/10.0.0.1/tcp/9000 (the peer id "dst create identity" printed,
                      the libp2p address the operator listens on). 1..${MAX_NODES}. Required.
  --threshold <t>     Shares needed to sign (default: the QBFT quorum ⌈(n + f + 1)/2⌉). Must be between
                      the quorum and n (docs/architecture.md §4: partial signatures ride on COMMIT).
  --chain-id <id>     The rollup's chain id, 1..2^64-1. Required.
  --block-time <ms>   Least time between blocks, 0..${MAX_BLOCK_TIME_MS}. Required.
  --alloc <file>      The execution chain's genesis state, a geth-style alloc JSON
                      ({"0xADDRESS": {"balance": "0x..."}}), checked and written into the definition
                      in canonical form; the DKG's lock carries it (covered by the lock hash) and
                      "dst execute" starts from it. Default: none (an empty genesis state).
  --out <file>        Where to write the definition; refused if it exists. Required.
  -h, --help          Print this help.
`;

const CEREMONY_OPTIONS = `  --timeout <s>       Give up when the operators needed are not all connected after this many seconds,
                      naming who is missing (default: ${DEFAULT_CEREMONY_TIMEOUT_MS / 1000}); nothing is written then.
  --p2p-listen <maddr> Listen here instead of this operator's address in the definition.
  --p2p-accept-any    Accept connections from any address (NAT), not only the operators' (only their
                      peer ids get past the Noise handshake either way).
  --log-level <l>     trace, debug, info, warn, error, fatal or silent (default: info; logs go to stderr).
  -h, --help          Print this help.`;

export const DKG_HELP = `Usage: dst dkg --definition FILE --dir DIR [options]

Runs the distributed key generation with the other operators of the definition (like "charon dkg"):
connects to them over libp2p (only they may connect; every broadcast is Ed25519-signed, shares travel
only on the Noise-encrypted connection to their operator), runs joint-Feldman VSS with complaints
(a dealer caught with a bad share, inconsistent commitments, a withheld share or an equivocating
broadcast is disqualified, with the evidence logged), and writes DIR as the node directory
"dst create cluster" writes: keys/ (the share, EIP-2335), cluster-lock.json (signed by every
operator), with the definition and the ceremony transcript next to it. No one ever holds the group
secret. All or nothing: on any failure DIR is left as it was. Then: dst run --dir DIR.

Options:
  --definition <file> The definition from "dst create definition"; its hash is checked. Required.
  --dir <dir>         This operator's directory, holding ${IDENTITY_KEY_FILE} from "dst create identity"
                      and no cluster yet. Required.
${CEREMONY_OPTIONS}
`;

export const RESHARE_HELP = `Usage: dst reshare --lock FILE --new-operators PEER_ID@MULTIADDR,... [--threshold T'] --dir DIR [options]

Reshares the cluster's key to a new operator set and threshold (like "charon alpha edit"): adding,
removing and replacing operators and changing the threshold are all this one ceremony. Run it, with
the same --new-operators and --threshold, by at least t of the current operators (each with its node
directory, which holds its share) and by every new operator (with a directory holding its identity).
Each old operator deals its share anew; the constant terms must interpolate to the unchanged group
key, checked before anything is written. The result is a new lock (epoch + 1, new operators and public
shares, the SAME group public key and chain) and new shares; the old share is deleted and the old lock
kept as cluster-lock-epoch-<e>.json. An operator that stays keeps its database; a new one syncs the
chain from the others. Stop the cluster first; start the new set with dst run --dir DIR.

Options:
  --lock <file>         The current cluster-lock.json (a copy for new operators). Required.
  --new-operators <list> Comma-separated PEER_ID@MULTIADDR of the new set, in share order. Required.
  --threshold <t'>      The new threshold (default: the old one if it is allowed for the new size, else
                        the new quorum); between the new quorum and the new size.
  --dir <dir>           This operator's node directory (old operators) or identity directory (new
                        ones). Required.
${CEREMONY_OPTIONS}
`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const ceremonyFlags = {
  timeout: { type: 'string' },
  'p2p-listen': { type: 'string' },
  'p2p-accept-any': { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function ceremonyOptions(values: { timeout?: string; 'p2p-listen'?: string; 'p2p-accept-any'?: boolean; 'log-level'?: string }, dir: string) {
  const level = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  const seconds = optionalInteger('--timeout', values.timeout, 1, 86_400);
  return {
    dir,
    timeoutMs: seconds === undefined ? undefined : seconds * 1000,
    listen: values['p2p-listen'] === undefined ? undefined : [values['p2p-listen']],
    acceptAny: values['p2p-accept-any'] === true,
    logger: createLogger({ level: level as 'info', name: 'dst', destination: pino.destination(2) }),
  };
}

function domain<T>(what: () => T): T {
  try {
    return what();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return 0;
}

function noPositionals(positionals: string[]): void {
  if (positionals.length !== 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
}

export async function createIdentityCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return help(CREATE_IDENTITY_HELP);
  noPositionals(positionals);
  if (values.out === undefined || values.out === '') throw new UsageError('--out is required');
  const dir = resolve(values.out);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await generateIdentityKey();
  try {
    await writeIdentityKey(join(dir, IDENTITY_KEY_FILE), key);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${join(dir, IDENTITY_KEY_FILE)} exists already: refusing to overwrite an identity`);
    throw error;
  }
  process.stdout.write(`${peerIdOf(key)}\n`);
  return 0;
}

export async function createDefinitionCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    operators: { type: 'string' }, threshold: { type: 'string' }, 'chain-id': { type: 'string' }, 'block-time': { type: 'string' },
    alloc: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return help(CREATE_DEFINITION_HELP);
  noPositionals(positionals);
  if (values.operators === undefined) throw new UsageError('--operators is required');
  const operators = domain(() => parseOperatorList('--operators', values.operators!));
  const threshold = optionalInteger('--threshold', values.threshold, 1, MAX_NODES) ?? quorumSize(operators.length);
  if (values['chain-id'] === undefined) throw new UsageError('--chain-id is required');
  const chainId = chainIdFlag(values['chain-id'])!;
  const blockTimeMs = requiredInteger('--block-time', values['block-time'], 0, MAX_BLOCK_TIME_MS);
  if (values.out === undefined || values.out === '') throw new UsageError('--out is required');
  const problem = thresholdProblem(operators.length, threshold);
  if (problem !== undefined) throw new UsageError(`--threshold: ${problem}`);
  let alloc: { [key: string]: Canonical } | undefined;
  if (values.alloc !== undefined) {
    try {
      alloc = allocJson((await readAllocFile(values.alloc)).alloc) as unknown as { [key: string]: Canonical };
    } catch (error) {
      if (error instanceof AllocError) throw new UsageError(`--alloc ${error.message}`);
      throw error;
    }
  }
  const definition = domain(() => createDefinition({ chainId, blockTimeMs, threshold, operators, ...(alloc && { alloc }) }));
  try {
    await writeFile(resolve(values.out), formatDefinition(definition), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--out ${values.out} exists already: refusing to overwrite it`);
    throw error;
  }
  process.stdout.write(`Wrote the definition of a ${threshold}-of-${operators.length} cluster to ${resolve(values.out)}\n  definition hash ${prefixedHex(definition.definitionHash)}\n`);
  return 0;
}

function summary(what: string, dir: string, result: OperatorResult): string {
  const { lock, outcome } = result;
  return `${what}: ${result.index === undefined ? 'this operator is not in the new set; its old share was deleted' : `operator ${result.index} of ${lock.operators.length}, threshold ${lock.threshold}`}\n` +
    `  directory        ${dir}\n  group public key ${prefixedHex(lock.groupPublicKey)}\n  lock hash        ${prefixedHex(lock.lockHash)} (epoch ${lock.epoch})\n` +
    `  qualified dealers ${outcome.qualified.join(', ')}\n` +
    outcome.disqualified.map((d) => `  disqualified     dealer ${d.dealer} (${d.peerId}): ${d.reason}\n`).join('');
}

export async function dkgCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { definition: { type: 'string' }, dir: { type: 'string' }, ...ceremonyFlags });
  if (values.help) return help(DKG_HELP);
  noPositionals(positionals);
  if (values.definition === undefined) throw new UsageError('--definition is required');
  if (values.dir === undefined || values.dir === '') throw new UsageError('--dir is required');
  const dir = resolve(values.dir);
  const options = ceremonyOptions(values, dir);
  const file = resolve(values.definition);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--definition ${file}: cannot read it (${(error as Error).message})`);
  }
  const definition = domain(() => parseDefinition(text, file));
  const result = await runDkgCeremony(definition, options);
  process.stdout.write(summary('DKG done', dir, result));
  return 0;
}

export async function reshareCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { lock: { type: 'string' }, 'new-operators': { type: 'string' }, threshold: { type: 'string' }, dir: { type: 'string' }, ...ceremonyFlags });
  if (values.help) return help(RESHARE_HELP);
  noPositionals(positionals);
  if (values.lock === undefined) throw new UsageError('--lock is required');
  if (values['new-operators'] === undefined) throw new UsageError('--new-operators is required');
  if (values.dir === undefined || values.dir === '') throw new UsageError('--dir is required');
  const dir = resolve(values.dir);
  const options = ceremonyOptions(values, dir);
  const file = resolve(values.lock);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--lock ${file}: cannot read it (${(error as Error).message})`);
  }
  const previous = domain(() => parseClusterLock(text, file));
  const operators = domain(() => parseOperatorList('--new-operators', values['new-operators']!));
  const given = optionalInteger('--threshold', values.threshold, 1, MAX_NODES);
  const threshold = given ?? (thresholdProblem(operators.length, previous.threshold) === undefined ? previous.threshold : quorumSize(operators.length));
  const problem = thresholdProblem(operators.length, threshold);
  if (problem !== undefined) throw new UsageError(`--threshold: ${problem}`);
  const result = await runReshareCeremony({ previous, operators, threshold }, options);
  process.stdout.write(summary('Reshare done', dir, result));
  return 0;
}

/** `dst dkg …` and `dst reshare …`; `args` are the words after the command. */
export async function runCeremonyCommand(command: 'dkg' | 'reshare', args: string[]): Promise<number> {
  try {
    return await (command === 'dkg' ? dkgCommand(args) : reshareCommand(args));
  } catch (error) {
    return commandFailed('dst', `dst ${command}`, error);
  }
}
