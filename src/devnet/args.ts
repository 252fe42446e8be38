/**
 * The command line of `dst devnet`: flags, their defaults and checks, and the help text. Flags that
 * shape a new cluster (--nodes, --threshold, --chain-id, --block-time, --p2p-base-port) stay undefined
 * when not given, so that a reused cluster directory can be checked against only what was asked for.
 */
import { parseArgs } from 'node:util';
import { integerFlag, UsageError } from '../cli/usage.js';
import { MAX_NODES, thresholdProblem } from '../cluster/index.js';
import { MAX_BLOCK_TIME_MS, MAX_CHAIN_ID } from '../cluster/lock.js';

export const DEFAULT_NODES = 4;
export const DEFAULT_BLOCK_TIME_MS = 1_000;
export const DEFAULT_CHAIN_ID = 901n;
export const DEFAULT_RPC_BASE_PORT = 8545;

export const DEVNET_HELP = `Usage: dst devnet [options]

Runs a whole DST cluster on this machine: creates it (as "dst create cluster" does) unless --dir
already holds one, starts every node as its own "dst run" process on loopback, and prints one line
per block the first time any node stores it (height, transactions, proposer, round, time from proposal
to signature), and the nodes' start and exit events. Each node's raw log goes to DIR/node-<i>/node.log.
A node that exits is reported with its last error; the devnet goes on while at least the threshold
of nodes run, and below that (no block can be signed) it stops with exit code 1. Ctrl-C (or
SIGTERM) stops the load, stops every node cleanly (SIGKILL after 10 s), prints a summary and exits 0.

Options:
  --nodes <n>            Number of nodes of a new cluster, 1..${MAX_NODES} (default: ${DEFAULT_NODES}).
  --threshold <t>        Shares needed to sign a block (default: the QBFT quorum, 3 of 4); see
                         "dst create cluster --help".
  --dir <dir>            Cluster directory. If it holds a cluster-lock.json the cluster is reused and
                         its chain continues; otherwise a new cluster is created in it. Default: a fresh
                         temporary directory (printed).
  --block-time <ms>      Least time between blocks of a new cluster (default: ${DEFAULT_BLOCK_TIME_MS}).
  --chain-id <id>        Chain id of a new cluster (default: ${DEFAULT_CHAIN_ID}).
  --p2p-base-port <p>    Node i of a new cluster listens for peers on 127.0.0.1:<p + i> (default: 9000).
                         A reused cluster keeps the ports in its lock.
  --rpc-base-port <p>    Node i serves JSON-RPC on 127.0.0.1:<p + i - 1> (default: ${DEFAULT_RPC_BASE_PORT}).
  --load <tps>           Also send this many signed transactions per second, spread over every node's
                         RPC (the "dst load" generator, in this process). Default: 0, none.
  -h, --help             Print this help.

Every port is checked before any node starts; a port in use is an error naming the node and flag.

Running the same nodes by hand, one terminal each (what the devnet does for you):
  dst create cluster --nodes 4 --chain-id 901 --block-time 1000 --out ./cluster
  dst run --dir ./cluster/node-1 --rpc-port 8545
  dst run --dir ./cluster/node-2 --rpc-port 8546
  dst run --dir ./cluster/node-3 --rpc-port 8547
  dst run --dir ./cluster/node-4 --rpc-port 8548
  dst load --rpc http://127.0.0.1:8545,http://127.0.0.1:8546,http://127.0.0.1:8547,http://127.0.0.1:8548 --tps 50
`;

export interface DevnetArgs {
  nodes: number | undefined;
  threshold: number | undefined;
  dir: string | undefined;
  blockTimeMs: number | undefined;
  chainId: bigint | undefined;
  p2pBasePort: number | undefined;
  rpcBasePort: number;
  /** Transactions per second of the in-process load; 0 = none. */
  loadTps: number;
}

/** An optional integer flag (see `integerFlag`). */
function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  return text === undefined ? undefined : integerFlag(flag, text, min, max);
}

/** Parses the words after `devnet`; 'help' for --help. Throws UsageError on bad usage. */
export function parseDevnetArgs(args: string[]): DevnetArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        nodes: { type: 'string' },
        threshold: { type: 'string' },
        dir: { type: 'string' },
        'block-time': { type: 'string' },
        'chain-id': { type: 'string' },
        'p2p-base-port': { type: 'string' },
        'rpc-base-port': { type: 'string' },
        load: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const nodes = integer('--nodes', values.nodes, 1, MAX_NODES);
  const threshold = integer('--threshold', values.threshold, 1, MAX_NODES);
  if (threshold !== undefined) {
    const problem = thresholdProblem(nodes ?? DEFAULT_NODES, threshold);
    if (problem !== undefined) throw new UsageError(`--threshold: ${problem}`);
  }
  const chainIdText = values['chain-id'];
  if (chainIdText !== undefined && (!/^[1-9]\d*$/.test(chainIdText) || BigInt(chainIdText) > MAX_CHAIN_ID)) {
    throw new UsageError(`--chain-id: expected a decimal integer in 1..2^64-1, got ${JSON.stringify(chainIdText)}`);
  }
  const loadText = values.load ?? '0';
  if (!/^\d+(\.\d+)?$/.test(loadText)) throw new UsageError(`--load: expected a number of transactions per second ≥ 0, got ${JSON.stringify(loadText)}`);
  if (values.dir === '') throw new UsageError('--dir: expected a directory, got ""');
  const portsNeeded = nodes ?? DEFAULT_NODES;
  return {
    nodes,
    threshold,
    dir: values.dir,
    blockTimeMs: integer('--block-time', values['block-time'], 0, MAX_BLOCK_TIME_MS),
    chainId: chainIdText === undefined ? undefined : BigInt(chainIdText),
    p2pBasePort: integer('--p2p-base-port', values['p2p-base-port'], 1, 65_535 - portsNeeded),
    rpcBasePort: integer('--rpc-base-port', values['rpc-base-port'], 1, 65_536 - portsNeeded) ?? DEFAULT_RPC_BASE_PORT,
    loadTps: Number(loadText),
  };
}
