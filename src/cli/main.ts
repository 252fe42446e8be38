#!/usr/bin/env node
/**
 * `dst`, the node process (issues 6 and 7).
 *
 * - `dst run --dir NODE_DIR` runs one node of a cluster made by `dst create cluster`: it loads and checks
 *   the node directory (src/cluster/load.ts: lock hash, identity, keystore against its public share),
 *   opens the LMDB store, starts the libp2p host (src/p2p) with the lock's operators as its only peers,
 *   serves JSON-RPC over HTTP and WebSocket with metrics and health (src/api), and takes part in
 *   consensus and signing (src/node/sequencer.ts).
 * - `dst run --single` runs a single-node sequencer: on first start it creates a 1-of-1 threshold key in
 *   the data directory (EIP-2335 keystore and password file, and cluster.json).
 * - `dst create cluster …` is the dealer flow (src/cluster/cli.ts); `dst devnet …` runs a whole cluster on
 *   this machine, one process per node (src/devnet); `dst load …` sends signed transactions at a steady
 *   rate (src/load).
 *
 * Logs are pino JSON lines on standard output. SIGINT or SIGTERM stops the node cleanly: the server
 * closes, the block in progress is stored, the host and the store are closed, exit code 0.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, createMetrics, startApiServer, type Logger } from '../api/index.js';
import { DEFAULT_MAX_TRANSACTION_BYTES, type Block } from '../chain/index.js';
import { loadNodeDir } from '../cluster/load.js';
import { runCreateCommand } from '../cluster/cli.js';
import { WorkerPoolExecutor } from '../crypto/index.js';
import { hasCluster, initSingleNode, loadDataDir } from '../node/datadir.js';
import { Sequencer, type NodeKey, type SequencerNetwork } from '../node/sequencer.js';
import { runLoadCommand } from '../load/cli.js';
import { runDevnetCommand } from '../devnet/cli.js';
import { integerFlag, UsageError } from './usage.js';
import { NodeStore } from '../node/store.js';
import { proposalCodec } from '../node/wire.js';
import { createClusterHost, type ClusterHost } from '../p2p/index.js';

const HELP = `Usage: dst run --dir NODE_DIR [options]     one node of a cluster
       dst run --single [options]           a single-node sequencer
       dst create cluster --help            creating a cluster (the dealer flow)
       dst devnet --help                    a whole cluster on this machine, one process per node
       dst load --help                      signed transactions sent to nodes at a steady rate

Runs a DST sequencer node: accepts Ethereum transactions over JSON-RPC, orders them into blocks
with the other nodes of its cluster (QBFT over libp2p), signs each block with its share of the
cluster's threshold BLS key, combines the shares into the one group signature and stores the block
in LMDB. Block time, chain id, threshold and peers come from the cluster lock.

Options (each may also be set by the environment variable in brackets; a flag wins):
  --dir <path>           [DST_DIR] A node directory made by "dst create cluster" (cluster-lock.json,
                         p2p-identity.key, keys/). Checked at start: the lock hash, the identity
                         among the lock's operators, the keystore against its public share.
  --single               Run one node on its own (n = 1, t = 1) instead.
  --data-dir <path>      [DST_DATA_DIR] Where the database lives (default: NODE_DIR/db; with --single
                         the key, cluster.json and the database, default ./dst-data, created with a
                         fresh 1-of-1 key on first start).
  --p2p-listen <maddr>   [DST_P2P_LISTEN] libp2p listen address, e.g. /ip4/0.0.0.0/tcp/9001
                         (default: this operator's addresses in the lock). Cluster only.
  --chain-id <n>         With --single: chain id of a new data directory (default: 901).
  --block-time <ms>      With --single: least time between blocks (default: 1000; 0 = as fast as
                         possible). A cluster's block time is in its lock. No transactions, no block.
  --rpc-host <host>      [DST_RPC_HOST] Interface the JSON-RPC server listens on (default: 127.0.0.1).
  --rpc-port <port>      [DST_RPC_PORT] JSON-RPC port, HTTP and WebSocket (default: 8545; 0 = any free
                         port, logged as "rpc listening" with its url).
  --log-level <level>    [DST_LOG_LEVEL] trace, debug, info, warn, error, fatal or silent (default: info).
  -h, --help             Print this help.

Endpoints on the RPC port: POST / (JSON-RPC 2.0), WebSocket / (JSON-RPC and eth_subscribe),
GET /metrics (Prometheus), GET /livez, GET /readyz (200 once a quorum of peers is connected and the
node is at the head).

Example, a 4-node cluster on one machine:
  dst create cluster --nodes 4 --chain-id 901 --block-time 1000 --out ./cluster
  dst run --dir ./cluster/node-1 --rpc-port 8545 &
  dst run --dir ./cluster/node-2 --rpc-port 8546 &   (and so on for node-3, node-4)
`;

const LIMITS = {
  /** Pending transactions and bytes the pool holds before it rejects new ones (pool-full). */
  pool: { maxTransactions: 100_000, maxBytes: 256 * 1024 * 1024 },
  /** Transactions and bytes per block (1 MiB: the block size the p2p frame limits are made for). */
  block: { maxTransactions: 5_000, maxBytes: 1024 * 1024 },
  /** Largest JSON-RPC body or WebSocket message: a batch of transactions of the largest size. */
  maxBodyBytes: 5 * 1024 * 1024,
  /** How far a proposal's timestamp may run ahead of this node's clock. */
  maxFutureDriftMs: 2_000,
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

interface RunOptions {
  /** The node directory of a cluster node; undefined with --single. */
  nodeDir: string | undefined;
  dataDir: string;
  chainId: bigint | undefined;
  blockTimeMs: number;
  p2pListen: string | undefined;
  rpcHost: string;
  rpcPort: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

function parseRunOptions(args: string[], env: NodeJS.ProcessEnv): RunOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      single: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'p2p-listen': { type: 'string' },
      'chain-id': { type: 'string' },
      'block-time': { type: 'string' },
      'rpc-host': { type: 'string' },
      'rpc-port': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals[0] !== 'run' || positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing command: expected "run", "create", "devnet" or "load"' : `unknown command ${JSON.stringify(positionals.join(' '))}`);
  }
  const dir = values.dir ?? (values.single ? undefined : env.DST_DIR);
  if (values.single && values.dir !== undefined) throw new UsageError('--single and --dir exclude each other: give one of them');
  if (!values.single && dir === undefined) throw new UsageError('expected --dir NODE_DIR (a node of a cluster) or --single');
  if (dir !== undefined) {
    for (const flag of ['chain-id', 'block-time'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is set by the cluster lock; it applies to --single only`);
    }
  } else if (values['p2p-listen'] !== undefined) {
    throw new UsageError('--p2p-listen applies to a cluster node (--dir) only');
  }
  const chainIdText = values['chain-id'];
  if (chainIdText !== undefined && !/^[1-9]\d{0,18}$/.test(chainIdText)) {
    throw new UsageError(`--chain-id: expected a positive decimal integer, got ${JSON.stringify(chainIdText)}`);
  }
  const logLevel = (values['log-level'] ?? env.DST_LOG_LEVEL ?? 'info') as RunOptions['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  const dataDir = values['data-dir'] ?? env.DST_DATA_DIR;
  return {
    nodeDir: dir === undefined ? undefined : resolve(dir),
    dataDir: resolve(dataDir ?? (dir === undefined ? './dst-data' : join(dir, 'db'))),
    chainId: chainIdText === undefined ? undefined : BigInt(chainIdText),
    blockTimeMs: integerFlag('--block-time', values['block-time'] ?? '1000', 0, 3_600_000),
    p2pListen: values['p2p-listen'] ?? (dir === undefined ? undefined : env.DST_P2P_LISTEN),
    rpcHost: values['rpc-host'] ?? env.DST_RPC_HOST ?? '127.0.0.1',
    rpcPort: integerFlag('--rpc-port', values['rpc-port'] ?? env.DST_RPC_PORT ?? '8545', 0, 65_535),
    logLevel,
  };
}

const DEFAULT_CHAIN_ID = 901n;

/** What differs between a single node and a cluster node: the key, the cluster's shape and the network. */
interface NodeSetup {
  chainId: bigint;
  key: NodeKey;
  nodes: number;
  blockTimeMs: number;
  dbPath: string;
  host?: ClusterHost<Block>;
  /** Logged with "rpc listening". */
  details: Record<string, unknown>;
}

async function setUpSingle(options: RunOptions, logger: Logger): Promise<NodeSetup> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  if (!(await hasCluster(options.dataDir))) {
    const chainId = options.chainId ?? DEFAULT_CHAIN_ID;
    logger.info({ dataDir: options.dataDir, chainId: chainId.toString() }, 'new data directory: creating a 1-of-1 key');
    await initSingleNode(options.dataDir, chainId);
  }
  const data = await loadDataDir(options.dataDir);
  if (options.chainId !== undefined && options.chainId !== data.cluster.chainId) {
    throw new UsageError(`--chain-id ${options.chainId} does not match chain id ${data.cluster.chainId} of the data directory ${options.dataDir}`);
  }
  return {
    chainId: data.cluster.chainId,
    key: data.key,
    nodes: data.cluster.nodes,
    blockTimeMs: options.blockTimeMs,
    dbPath: data.dbPath,
    details: { node: 1, dataDir: options.dataDir },
  };
}

async function setUpClusterNode(nodeDir: string, options: RunOptions, logger: Logger): Promise<NodeSetup> {
  const node = await loadNodeDir(nodeDir);
  const { lock, operator } = node;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const host = await createClusterHost<Block>({
    identity: node.identityKey,
    listen: options.p2pListen === undefined ? [...operator.addresses] : [options.p2pListen],
    peers: lock.operators.map((entry) => ({ index: entry.index - 1, peerId: entry.peerId, addrs: entry.addresses })),
    values: proposalCodec,
    logger: logger.child({ module: 'p2p' }),
  });
  return {
    chainId: lock.chainId,
    key: node.key,
    nodes: lock.operators.length,
    blockTimeMs: lock.blockTimeMs,
    dbPath: options.dataDir,
    host,
    details: {
      node: operator.index,
      peerId: operator.peerId,
      p2p: host.listenAddresses(),
      threshold: lock.threshold,
      nodes: lock.operators.length,
      lockHash: `0x${Buffer.from(lock.lockHash).toString('hex')}`,
      dataDir: options.dataDir,
    },
  };
}

async function run(options: RunOptions, logger: Logger): Promise<number> {
  const setup = options.nodeDir === undefined ? await setUpSingle(options, logger) : await setUpClusterNode(options.nodeDir, options, logger);
  const store = new NodeStore(setup.dbPath);
  const executor = new WorkerPoolExecutor();
  await executor.warmUp();
  const metrics = createMetrics();
  const sequencer = new Sequencer({
    store,
    chainId: setup.chainId,
    key: setup.key,
    nodes: setup.nodes,
    blockTimeMs: setup.blockTimeMs,
    pool: LIMITS.pool,
    block: LIMITS.block,
    maxTransactionBytes: DEFAULT_MAX_TRANSACTION_BYTES,
    maxFutureDriftMs: LIMITS.maxFutureDriftMs,
    logger: logger.child({ module: 'sequencer' }),
    executor,
    network: setup.host as SequencerNetwork | undefined,
    metrics,
  });
  await sequencer.start();
  const server = await startApiServer(sequencer, {
    host: options.rpcHost,
    port: options.rpcPort,
    maxBodyBytes: LIMITS.maxBodyBytes,
    logger,
    metrics,
  });
  logger.info(
    {
      url: server.url,
      wsUrl: server.wsUrl,
      port: server.port,
      chainId: setup.chainId.toString(),
      groupPublicKey: `0x${Buffer.from(setup.key.groupPublicKey).toString('hex')}`,
      blockTimeMs: setup.blockTimeMs,
      ...setup.details,
    },
    'rpc listening',
  );

  let watchdog: NodeJS.Timeout | undefined;
  const exitCode = await new Promise<number>((done) => {
    const stopOn = (signal: NodeJS.Signals) => () => {
      logger.info({ signal }, 'stopping');
      done(0);
    };
    process.once('SIGINT', stopOn('SIGINT'));
    process.once('SIGTERM', stopOn('SIGTERM'));
    // Block production ends only on an error (logged by the sequencer): the process exits with 1.
    watchdog = setInterval(() => sequencer.failure && done(1), 200);
  });
  clearInterval(watchdog);
  await server.close();
  // The host stops while the sequencer winds down, so that a sync in progress ends at once instead of
  // at its request timeout.
  const stopping = sequencer.stop();
  await setup.host?.stop();
  await stopping;
  await store.close();
  await executor.close();
  logger.info({ exitCode }, 'stopped');
  return exitCode;
}

async function main(): Promise<number> {
  // `dst create cluster ...`: the dealer flow, in src/cluster/cli.ts.
  if (process.argv[2] === 'create') return runCreateCommand(process.argv.slice(3));
  if (process.argv[2] === 'load') return runLoadCommand(process.argv.slice(3));
  if (process.argv[2] === 'devnet') return runDevnetCommand(process.argv.slice(3));
  let options: RunOptions | 'help';
  try {
    options = parseRunOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`dst: ${(error as Error).message}\nRun "dst --help" for the options.\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const logger = createLogger({ level: options.logLevel, name: 'dst' });
  try {
    return await run(options, logger);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`dst: ${error.message}\n`);
      return 2;
    }
    logger.fatal({ err: error }, 'the node failed');
    return 1;
  }
}

process.exitCode = await main();
// A node that failed may still hold open handles (the libp2p host, the worker pool): do not wait for them.
if (process.exitCode !== 0) process.exit();
