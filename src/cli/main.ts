#!/usr/bin/env node
/**
 * `dst`, the node process (issue 6). `dst run --single` runs a single-node sequencer: on first start it
 * creates a 1-of-1 threshold key in the data directory (EIP-2335 keystore and password file, and
 * cluster.json), then opens the LMDB store, serves JSON-RPC over HTTP and WebSocket with metrics and
 * health (src/api), and produces signed blocks (src/node/sequencer.ts). Logs are pino JSON lines on
 * standard output. SIGINT or SIGTERM stops it cleanly: the server closes, the block in progress is
 * stored, the store is closed, exit code 0.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, createMetrics, startApiServer, type Logger } from '../api/index.js';
import { DEFAULT_MAX_TRANSACTION_BYTES } from '../chain/index.js';
import { WorkerPoolExecutor } from '../crypto/index.js';
import { hasCluster, initSingleNode, loadDataDir } from '../node/datadir.js';
import { Sequencer } from '../node/sequencer.js';
import { runCreateCommand } from '../cluster/cli.js';
import { runLoadCommand } from '../load/cli.js';
import { runDevnetCommand } from '../devnet/cli.js';
import { NodeStore } from '../node/store.js';

const HELP = `Usage: dst run --single [options]
       dst create cluster --help    (creating a multi-node cluster)
       dst load --help              (sending signed transactions to nodes at a steady rate)
       dst devnet --help            (a whole cluster on this machine, one process per node)

Runs a single-node DST sequencer: accepts Ethereum transactions over JSON-RPC, orders them into
blocks, signs each block with the node's threshold BLS key (1-of-1) and stores it in LMDB.

Options:
  --single               Run one node on its own (n = 1, t = 1). Required: cluster mode is not
                         implemented yet.
  --data-dir <path>      Where the key, cluster.json and the database live (default: ./dst-data).
                         Created with a fresh 1-of-1 key on first start.
  --chain-id <n>         Chain id of a new data directory (default: 901). On later starts it must
                         match the one in cluster.json, or be omitted.
  --block-time <ms>      Least time between blocks in milliseconds (default: 1000; 0 = as fast as
                         possible). No transactions, no block.
  --rpc-host <host>      Interface the JSON-RPC server listens on (default: 127.0.0.1).
  --rpc-port <port>      JSON-RPC port, HTTP and WebSocket (default: 8545; 0 = any free port, logged
                         as "rpc listening" with its url).
  --log-level <level>    trace, debug, info, warn, error, fatal or silent (default: info).
  -h, --help             Print this help.

Endpoints on the RPC port: POST / (JSON-RPC 2.0), WebSocket / (JSON-RPC and eth_subscribe),
GET /metrics (Prometheus), GET /livez, GET /readyz.
`;

const LIMITS = {
  /** Pending transactions and bytes the pool holds before it rejects new ones (pool-full). */
  pool: { maxTransactions: 100_000, maxBytes: 256 * 1024 * 1024 },
  /** Transactions and bytes per block. */
  block: { maxTransactions: 5_000, maxBytes: 4 * 1024 * 1024 },
  /** Largest JSON-RPC body or WebSocket message: a batch of transactions of the largest size. */
  maxBodyBytes: 5 * 1024 * 1024,
  /** How far a proposal's timestamp may run ahead of this node's clock. */
  maxFutureDriftMs: 2_000,
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

class UsageError extends Error {}

interface RunOptions {
  dataDir: string;
  chainId: bigint | undefined;
  blockTimeMs: number;
  rpcHost: string;
  rpcPort: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag}: expected an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parseRunOptions(args: string[]): RunOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      single: { type: 'boolean' },
      'data-dir': { type: 'string', default: './dst-data' },
      'chain-id': { type: 'string' },
      'block-time': { type: 'string', default: '1000' },
      'rpc-host': { type: 'string', default: '127.0.0.1' },
      'rpc-port': { type: 'string', default: '8545' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals[0] !== 'run' || positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing command: expected "run"' : `unknown command ${JSON.stringify(positionals.join(' '))}: expected "run"`);
  }
  if (!values.single) throw new UsageError('--single is required: only single-node mode is implemented');
  const chainIdText = values['chain-id'];
  if (chainIdText !== undefined && !/^[1-9]\d{0,18}$/.test(chainIdText)) {
    throw new UsageError(`--chain-id: expected a positive decimal integer, got ${JSON.stringify(chainIdText)}`);
  }
  const logLevel = values['log-level'] as RunOptions['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  return {
    dataDir: resolve(values['data-dir']),
    chainId: chainIdText === undefined ? undefined : BigInt(chainIdText),
    blockTimeMs: integer('--block-time', values['block-time'], 0, 3_600_000),
    rpcHost: values['rpc-host'],
    rpcPort: integer('--rpc-port', values['rpc-port'], 0, 65_535),
    logLevel,
  };
}

const DEFAULT_CHAIN_ID = 901n;

async function run(options: RunOptions, logger: Logger): Promise<number> {
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
  const store = new NodeStore(data.dbPath);
  const executor = new WorkerPoolExecutor();
  const metrics = createMetrics();
  const sequencer = new Sequencer({
    store,
    chainId: data.cluster.chainId,
    key: data.key,
    nodes: data.cluster.nodes,
    blockTimeMs: options.blockTimeMs,
    pool: LIMITS.pool,
    block: LIMITS.block,
    maxTransactionBytes: DEFAULT_MAX_TRANSACTION_BYTES,
    maxFutureDriftMs: LIMITS.maxFutureDriftMs,
    logger: logger.child({ module: 'sequencer' }),
    executor,
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
      chainId: data.cluster.chainId.toString(),
      groupPublicKey: `0x${Buffer.from(data.key.groupPublicKey).toString('hex')}`,
      blockTimeMs: options.blockTimeMs,
      dataDir: options.dataDir,
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
  await sequencer.stop();
  await store.close();
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
    options = parseRunOptions(process.argv.slice(2));
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
