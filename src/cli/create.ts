/**
 * `dst create cluster`: parses the command line and runs the dealer flow (`createCluster`,
 * src/cluster/create.ts). Returns the process exit code: 0 done, 2 bad usage (message on standard
 * error), 1 the creation failed.
 */
import { resolve } from 'node:path';
import { prefixedHex } from '../bytes/index.js';
import { AllocError, allocHash, parseAlloc, assertMultiaddr, createCluster, readAllocFile, DEFAULT_BASE_PORT, MAX_BLOCK_TIME_MS, MAX_NODES, thresholdProblem } from '../cluster/index.js';
import { createDefinitionCommand, createIdentityCommand } from './dkg.js';
import { chainIdFlag, commandFailed, optionalInteger, parseFlags, requiredInteger, UsageError } from './usage.js';

export const CREATE_CLUSTER_HELP = `Usage: dst create cluster --nodes N --chain-id ID --block-time MS --out DIR [options]

Creates a DST cluster as one dealer (like "charon create cluster"): draws a fresh BLS12-381 group key,
splits it into N Shamir shares with threshold T, and writes for each node i a directory DIR/node-i with
its operator identity key (p2p-identity.key: Ed25519, its libp2p peer id is in the lock), its key share
as an EIP-2335 keystore with a password file (keys/keystore-share-i.json and .txt), and a copy of
cluster-lock.json (public data only: operators, public shares, group public key, threshold, chain id,
block time, the genesis alloc, and the lock hash every node checks). Secret files are readable by their owner only. Give
each operator their node directory; the dealer machine has seen every share, so delete DIR afterwards.

Options:
  --nodes <n>          Number of nodes, 1..${MAX_NODES}. Required.
  --threshold <t>      Shares needed to sign a block (default: the QBFT quorum ⌈(n + f + 1)/2⌉ with
                       f = ⌊(n − 1)/3⌋, e.g. 3 of 4, 5 of 7). Must be between the quorum and n: partial
                       signatures ride on COMMIT, and a threshold below the quorum would let the cluster
                       sign a block no QBFT round decided.
  --chain-id <id>      The rollup's chain id, a decimal integer in 1..2^64-1. Required.
  --block-time <ms>    Least time between blocks in milliseconds, 0..${MAX_BLOCK_TIME_MS}. Required.
  --out <dir>          Directory to write the cluster to; created if missing, refused if not empty.
                       Required.
  --base-port <p>      Node i listens for peers on /ip4/127.0.0.1/tcp/<p + i> (default: ${DEFAULT_BASE_PORT}).
  --addresses <list>   Comma-separated libp2p multiaddrs, one per node in node order, instead of the
                       loopback defaults (e.g. /dns4/a.example/tcp/9000,/ip4/10.0.0.2/tcp/9000,...).
  --alloc <file>       The execution chain's genesis state, a geth-style alloc JSON
                       ({"0xADDRESS": {"balance": "0x...", "nonce"?, "code"?, "storage"?}}). It is
                       stored in the lock in canonical form, covered by the lock hash, and "dst execute"
                       starts every execution node from it. Default: none (an empty genesis state).
  -h, --help           Print this help.
`;

async function createClusterCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    nodes: { type: 'string' },
    threshold: { type: 'string' },
    'chain-id': { type: 'string' },
    'block-time': { type: 'string' },
    out: { type: 'string' },
    'base-port': { type: 'string' },
    addresses: { type: 'string' },
    alloc: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(CREATE_CLUSTER_HELP);
    return 0;
  }
  if (positionals.length !== 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const nodes = requiredInteger('--nodes', values.nodes, 1, MAX_NODES);
  const threshold = optionalInteger('--threshold', values.threshold, 1, MAX_NODES);
  if (values['chain-id'] === undefined) throw new UsageError('--chain-id is required');
  const chainId = chainIdFlag(values['chain-id'])!;
  const blockTimeMs = requiredInteger('--block-time', values['block-time'], 0, MAX_BLOCK_TIME_MS);
  if (values.out === undefined || values.out === '') throw new UsageError('--out is required');
  if (values['base-port'] !== undefined && values.addresses !== undefined) {
    throw new UsageError('--base-port and --addresses exclude each other: give one of them');
  }
  const basePort = optionalInteger('--base-port', values['base-port'], 0, 65_535 - nodes);
  const addresses = values.addresses?.split(',');
  if (addresses !== undefined && addresses.length !== nodes) {
    throw new UsageError(`--addresses: expected ${nodes} comma-separated multiaddrs (one per node), got ${addresses.length}`);
  }
  addresses?.forEach((address, i) => {
    try {
      assertMultiaddr(`--addresses: entry ${i + 1}`, address);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  const problem = threshold === undefined ? undefined : thresholdProblem(nodes, threshold);
  if (problem !== undefined) throw new UsageError(`--threshold: ${problem}`);
  let alloc: unknown;
  if (values.alloc !== undefined) {
    try {
      alloc = (await readAllocFile(values.alloc)).json;
    } catch (error) {
      if (error instanceof AllocError) throw new UsageError(`--alloc ${error.message}`);
      throw error;
    }
  }
  const outDir = resolve(values.out);
  const lock = await createCluster({ nodes, threshold, chainId, blockTimeMs, outDir, basePort, addresses, alloc });
  const accounts = Object.keys(lock.alloc ?? {}).length;
  process.stdout.write(
    `Created a ${lock.threshold}-of-${nodes} cluster in ${outDir}\n` +
    `  group public key ${prefixedHex(lock.groupPublicKey)}\n` +
    `  lock hash        ${prefixedHex(lock.lockHash)}\n` +
    (accounts > 0 ? `  genesis alloc    ${accounts} account(s), alloc hash ${prefixedHex(allocHash(parseAlloc(lock.alloc)))}\n` : '') +
    lock.operators.map((operator) => `  node-${operator.index}  ${operator.peerId}  ${operator.addresses.join(' ')}\n`).join(''),
  );
  return 0;
}

const CREATE_KINDS = '"create cluster", "create identity" or "create definition"';

/** Runs `dst create <args>`; `args` are the words after `create`. */
export async function runCreateCommand(args: string[]): Promise<number> {
  try {
    if (args[0] === '-h' || args[0] === '--help') {
      process.stdout.write(CREATE_CLUSTER_HELP);
      return 0;
    }
    if (args[0] === 'identity') return await createIdentityCommand(args.slice(1));
    if (args[0] === 'definition') return await createDefinitionCommand(args.slice(1));
    if (args[0] !== 'cluster') throw new UsageError(args.length === 0 ? `missing what to create: expected ${CREATE_KINDS}` : `unknown command "create ${args[0]}": expected ${CREATE_KINDS}`);
    return await createClusterCommand(args.slice(1));
  } catch (error) {
    return commandFailed('dst', `dst create ${['identity', 'definition'].includes(args[0]!) ? args[0] : 'cluster'}`, error);
  }
}
