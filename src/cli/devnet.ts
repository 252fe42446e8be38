/**
 * `dst devnet`: the command line (flags, their defaults and checks, the help text) and the command,
 * which runs the devnet (`runDevnet`, src/devnet/devnet.ts) and prints its lines on standard output.
 * Flags that shape a new cluster (--nodes, --threshold, --chain-id, --block-time, --p2p-base-port) stay
 * undefined when not given, so that a reused cluster directory is checked against only what was asked
 * for. Exit code: 0 after a clean Ctrl-C/SIGTERM, 1 when the devnet could not start (fewer than the
 * threshold of nodes started) or no node answered for --all-down-timeout seconds, 2 on bad usage or a set-up the devnet refuses (`DevnetSetupError`: a port in use, flags that
 * contradict the lock), with the message on standard error.
 */
import { MAX_BLOCK_TIME_MS, MAX_NODES, thresholdProblem } from '../cluster/index.js';
import {
  DEFAULT_ALL_DOWN_TIMEOUT_MS,
  DEFAULT_BLOCK_TIME_MS,
  DEFAULT_CHAIN_ID,
  DEFAULT_EXECUTION_RPC_PORT,
  DEV_ACCOUNT,
  DEFAULT_NODES,
  DEFAULT_RPC_BASE_PORT,
  DevnetSetupError,
  runDevnet,
  type DevnetOptions,
} from '../devnet/index.js';
import { chainIdFlag, commandFailed, optionalInteger, parseFlags, UsageError } from './usage.js';

export const DEVNET_HELP = `Usage: dst devnet [options]

Runs a whole DST cluster on this machine: creates it (as "dst create cluster" does) unless --dir
already holds one, starts every node as its own "dst run" process on loopback, and prints one line
per block the first time any node stores it (height, transactions, proposer, round, time from proposal
to signature), and the nodes' start, exit, down and up events, with node 1's live dashboard URL
(http://127.0.0.1:<rpc port>/dashboard; every node serves one). Each node's raw log goes to
DIR/node-<i>/node.log. Ctrl-C (or SIGTERM) stops the load, stops every node the devnet started
cleanly (SIGKILL after 10 s), prints a summary and exits 0.

A node is up when its RPC port answers (GET /livez, asked every second), whoever started it. A
node whose process exits is reported down with its last error and the command that runs it again by
hand ("dst run --dir DIR/node-<i> --rpc-host 127.0.0.1 --rpc-port <port>"); started that way, it is
reported "up again ... not started by the devnet", and the devnet leaves it running when it stops.
Beside the cluster it runs one execution node ("dst execute": the chain run in an EVM, Ethereum
JSON-RPC with balances, eth_call and receipts, transactions sent to it forwarded to the cluster) on
http://127.0.0.1:<execution rpc port>/ (printed when it is up), following every node; its log and
database are in DIR/execution/. A new cluster's lock carries a genesis alloc that funds the load's
sender accounts and one development account, printed with its private key at start:
${DEV_ACCOUNT.address}, key ${DEV_ACCOUNT.privateKey}, ${DEV_ACCOUNT.balanceWei / 10n ** 18n} ETH
(TEST ONLY: anvil's and Hardhat's publicly known first account; never use it on a real chain). A
cluster reused from --dir keeps the alloc in its lock (none for one made before locks carried one).
Each node gets --execution-rpc <its URL> when "dst run" takes that flag.

Commands typed on its standard input, one a line: "stop <i>" stops node i, "restart <i>" starts it
again, "status" lists the nodes, "stop execution" and "restart execution" do the same for the execution
node, "help" lists these. The devnet restarts a node only when asked, and
goes on whatever the number of nodes up (below the threshold the survivors keep running and it says
that no block can be signed until enough are back). It stops by itself with exit
code 1 only when fewer than the threshold of nodes could start (their processes exited before they
ever answered), or when for --all-down-timeout seconds no node has answered and none of its own
node processes has been running. The summary says how long all nodes were up, and for each node how often
and how long it was down, and whether it was up at the end and who ran it.

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
                         RPC (the "dst load" generator, in this process; a node down gets none until
                         it answers again). Default: 0, none.
  --no-execute           Do not run the execution node.
  --execution-rpc-port <p>  The execution node's JSON-RPC port on 127.0.0.1 (default: ${DEFAULT_EXECUTION_RPC_PORT}).
  --all-down-timeout <s> Stop (exit code 1) once no node has answered for this many seconds
                         (default: ${DEFAULT_ALL_DOWN_TIMEOUT_MS / 1000}; 0: never).
  -h, --help             Print this help.

Every port is checked before any node starts; a port in use is an error naming the node and flag.

Running the same nodes by hand, one terminal each (what the devnet does for you):
  dst create cluster --nodes 4 --chain-id 901 --block-time 1000 --out ./cluster
  dst run --dir ./cluster/node-1 --rpc-port 8545
  dst run --dir ./cluster/node-2 --rpc-port 8546
  dst run --dir ./cluster/node-3 --rpc-port 8547
  dst run --dir ./cluster/node-4 --rpc-port 8548
  dst load --rpc http://127.0.0.1:8545,http://127.0.0.1:8546,http://127.0.0.1:8547,http://127.0.0.1:8548 --tps 50
  dst execute --follow ws://127.0.0.1:8545,ws://127.0.0.1:8546,ws://127.0.0.1:8547,ws://127.0.0.1:8548 \
    --lock ./cluster/cluster-lock.json --data-dir ./cluster/execution/db --rpc-port ${DEFAULT_EXECUTION_RPC_PORT}
(the devnet's --load sends from the funded load accounts; "dst load" sends from fresh random keys,
whose transfers the execution node skips for insufficient funds; "dst create cluster --alloc" puts an
alloc in the lock).
`;

/** Parses the words after `devnet`; 'help' for --help. Throws a UsageError on bad usage. */
export function parseDevnetArgs(args: string[]): DevnetOptions | 'help' {
  const { values, positionals } = parseFlags(args, {
    nodes: { type: 'string' },
    threshold: { type: 'string' },
    dir: { type: 'string' },
    'block-time': { type: 'string' },
    'chain-id': { type: 'string' },
    'p2p-base-port': { type: 'string' },
    'rpc-base-port': { type: 'string' },
    load: { type: 'string' },
    'all-down-timeout': { type: 'string' },
    'no-execute': { type: 'boolean' },
    'execution-rpc-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const nodes = optionalInteger('--nodes', values.nodes, 1, MAX_NODES);
  const threshold = optionalInteger('--threshold', values.threshold, 1, MAX_NODES);
  if (threshold !== undefined) {
    const problem = thresholdProblem(nodes ?? DEFAULT_NODES, threshold);
    if (problem !== undefined) throw new UsageError(`--threshold: ${problem}`);
  }
  const chainId = chainIdFlag(values['chain-id']);
  const loadText = values.load ?? '0';
  if (!/^\d+(\.\d+)?$/.test(loadText)) throw new UsageError(`--load: expected a number of transactions per second ≥ 0, got ${JSON.stringify(loadText)}`);
  const allDownText = values['all-down-timeout'];
  if (allDownText !== undefined && !/^\d+(\.\d+)?$/.test(allDownText)) {
    throw new UsageError(`--all-down-timeout: expected a number of seconds ≥ 0, got ${JSON.stringify(allDownText)}`);
  }
  if (values['no-execute'] && values['execution-rpc-port'] !== undefined) throw new UsageError('--no-execute and --execution-rpc-port exclude each other: give one of them');
  if (values.dir === '') throw new UsageError('--dir: expected a directory, got ""');
  const portsNeeded = nodes ?? DEFAULT_NODES;
  return {
    nodes,
    threshold,
    dir: values.dir,
    blockTimeMs: optionalInteger('--block-time', values['block-time'], 0, MAX_BLOCK_TIME_MS),
    chainId,
    p2pBasePort: optionalInteger('--p2p-base-port', values['p2p-base-port'], 1, 65_535 - portsNeeded),
    rpcBasePort: optionalInteger('--rpc-base-port', values['rpc-base-port'], 1, 65_536 - portsNeeded) ?? DEFAULT_RPC_BASE_PORT,
    loadTps: Number(loadText),
    allDownTimeoutMs: allDownText === undefined ? DEFAULT_ALL_DOWN_TIMEOUT_MS : Number(allDownText) * 1000,
    execute: values['no-execute'] !== true,
    executionRpcPort: optionalInteger('--execution-rpc-port', values['execution-rpc-port'], 1, 65_535) ?? DEFAULT_EXECUTION_RPC_PORT,
  };
}

/** Runs `dst devnet <args>`; `args` are the words after `devnet`. */
export async function runDevnetCommand(args: string[]): Promise<number> {
  try {
    const parsed = parseDevnetArgs(args);
    if (parsed === 'help') {
      process.stdout.write(DEVNET_HELP);
      return 0;
    }
    return await runDevnet(parsed, (line) => process.stdout.write(`${line}\n`), process.stdin);
  } catch (error) {
    return commandFailed('dst devnet', 'dst devnet', error, error instanceof UsageError || error instanceof DevnetSetupError);
  }
}
