/**
 * `dst run`, the node process (issues 6 and 7); src/cli/main.ts dispatches to it and to the other commands.
 *
 * - `dst run --dir NODE_DIR` runs one node of a cluster made by `dst create cluster`: it loads and checks
 *   the node directory (src/cluster/load.ts: lock hash, identity, keystore against its public share),
 *   starts the node (src/node `startNode`: the LMDB store, the libp2p host with the lock's operators as
 *   its only peers, consensus and signing), and serves JSON-RPC over HTTP and WebSocket with metrics
 *   and health (src/api).
 * - `dst run --single` runs a single-node sequencer, a 1-of-1 cluster without a host: its data directory
 *   is a node directory (cluster-lock.json, p2p-identity.key, keys/, db/), created on first start and
 *   migrated in place from the earlier cluster.json format (src/cluster/single.ts), then loaded like any
 *   node directory.
 * - `dst create cluster …` is the dealer flow (./create.ts); `dst devnet …` runs a whole cluster on this
 *   machine, one process per node (./devnet.ts); `dst load …` sends signed transactions at a steady rate
 *   (./load.ts); `dst verify` and `dst follow` check a cluster's chain from outside it with the verifier
 *   (./verify.ts). Flag parsing helpers for every command are in ./usage.ts.
 *
 * Logs are pino JSON lines on standard output. SIGINT or SIGTERM stops the node cleanly: the server
 * closes, the block in progress is stored, the host and the store are closed, exit code 0.
 */
import { join, resolve } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { prefixedHex } from '../bytes/index.js';
import { createLogger, createMetrics, DEFAULT_EXECUTION_TIMEOUT_MS, DEFAULT_RPC_LIMITS, resolveRpcLimits, startApiServer, type Logger, type RpcLimits } from '../api/index.js';
import { CLUSTER_LOCK_FILE, loadNodeDir, MAX_BLOCK_TIME_MS, prepareSingleNodeDir, SingleNodeMigrationError, type NodeDir } from '../cluster/index.js';
import { DEFAULT_POOL_LIMITS, startNode, untunedRuntime, type NodeNetworkConfig, type PoolLimits } from '../node/index.js';
import { executionFlags, executionLink, type ExecutionFlags } from './execution-rpc.js';
import { chainIdFlag, integerFlag, optionalInteger, parseFlags, positiveInteger, UsageError } from './usage.js';

const HELP = `Usage: dst run --dir NODE_DIR [options]     one node of a cluster
       dst run --single [options]           a single-node sequencer
       dst create cluster --help            creating a cluster (the dealer flow)
       dst create identity --help           an operator's identity key (for a DKG)
       dst create definition --help         the proposal of a cluster for a DKG
       dst dkg --help                       making the cluster key without a dealer
       dst reshare --help                   changing operators or threshold, same key
       dst devnet --help                    a whole cluster on this machine, one process per node
       dst load --help                      signed transactions sent to nodes at a steady rate
       dst verify --help                    verify a node's chain against the cluster lock
       dst follow --help                    follow a cluster, printing each verified block
       dst test --help                      pre-flight checks: this machine, and the peers in the lock
       dst execute --help                   an execution node: follows a cluster, runs its chain in an EVM

Runs a DST sequencer node: accepts Ethereum transactions over JSON-RPC, orders them into blocks
with the other nodes of its cluster (QBFT over libp2p), signs each block with its share of the
cluster's threshold BLS key, combines the shares into the one group signature and stores the block
in LMDB. Block time, chain id, threshold and peers come from the cluster lock (with --single too:
its data directory holds a 1-of-1 cluster's lock).

Options (each may also be set by the environment variable in brackets; a flag wins):
  --dir <path>           [DST_DIR] A node directory made by "dst create cluster" (cluster-lock.json,
                         p2p-identity.key, keys/). Checked at start: the lock hash, the identity
                         among the lock's operators, the keystore against its public share.
  --single               Run one node on its own: a 1-of-1 cluster (n = t = 1) with no peers.
  --data-dir <path>      [DST_DATA_DIR] Where the database lives (default: NODE_DIR/db). With --single:
                         the node's directory (default: ./dst-data), on first start created as the
                         node directory "dst create cluster --nodes 1" writes as node-1
                         (cluster-lock.json, p2p-identity.key, keys/ with a fresh 1-of-1 key), with
                         the database in its db/. A directory of the earlier format (cluster.json,
                         keys/, db/) is migrated in place: its key and chain are kept.
  --p2p-accept-any       Accept p2p connections from any address, not only the operators' addresses in
                         the lock (for operators behind NAT or with changing addresses). Only the
                         lock's peer ids get past the handshake either way; by default a stranger's
                         connection is closed before it, at accept.
  --p2p-listen <maddr>   [DST_P2P_LISTEN] libp2p listen address, e.g. /ip4/0.0.0.0/tcp/9001
                         (default: this operator's addresses in the lock). Cluster only.
  --p2p-dial <i>=<maddr> Dial operator i (its share index, 1..n) at <maddr> instead of its addresses
                         in the lock, and at no other address (not even one it announces): a relay or
                         tunnel in front of it, e.g. --p2p-dial 2=/ip4/127.0.0.1/tcp/40102. Repeat for
                         each operator. Its connections to this node are still admitted by the lock's
                         addresses. Cluster only.
  --chain-id <n>         With --single: chain id of a new data directory (default: 901). For an
                         existing one it is in its lock: if given, it must match.
  --block-time <ms>      With --single: least time between blocks of a new (or migrated) data
                         directory, written to its lock (default: 1000; 0 = as fast as possible). For
                         an existing one it is in its lock: if given, it must match. A cluster's block
                         time is in its lock. No transactions, no block.
  --rpc-host <host>      [DST_RPC_HOST] Interface the JSON-RPC server listens on (default: 127.0.0.1).
  --rpc-cors <origins>   [DST_RPC_CORS] Comma-separated origins whose web pages may call the HTTP
                         JSON-RPC (CORS), e.g. https://explorer.example, or * for any (default: none).
  --rpc-port <port>      [DST_RPC_PORT] JSON-RPC port, HTTP and WebSocket (default: 8545; 0 = any free
                         port, logged as "rpc listening" with its url).
  --rpc-max-requests-per-second <n>
                         JSON-RPC requests per second per client address, each element of a batch
                         counting as one, in bursts of up to 2n (default: ${DEFAULT_RPC_LIMITS.requestsPerSecond}). A request over
                         it gets -32005 "limit exceeded" with data.retryAfterMs; an HTTP body refused
                         whole gets HTTP 429 with Retry-After.
  --rpc-max-transactions-per-second <n>
                         eth_sendRawTransaction calls per second per client address, in bursts of up
                         to 2n (default: ${DEFAULT_RPC_LIMITS.transactionsPerSecond}); refused the same way.
  --rpc-max-batch <n>    Most requests in one JSON-RPC batch (default: ${DEFAULT_RPC_LIMITS.maxBatch}); a longer batch gets
                         one -32600 error and none of it runs.
  --rpc-max-connections-per-address <n>
                         Open TCP connections (HTTP and WebSocket) per client address (default: ${DEFAULT_RPC_LIMITS.maxConnectionsPerAddress});
                         one more is closed at once.
  --rpc-max-connections <n>
                         Open TCP connections in total (default: ${DEFAULT_RPC_LIMITS.maxConnections}); one more is closed at once.
  --rpc-max-subscriptions <n>
                         eth_subscribe subscriptions per WebSocket (default: ${DEFAULT_RPC_LIMITS.maxSubscriptions}); one more gets
                         -32005.
  --rpc-max-in-flight <n>
                         Messages of one WebSocket being handled at once (default: ${DEFAULT_RPC_LIMITS.maxInFlight}); one more
                         gets -32005 and does not run.
  --rpc-max-unread-bytes <n>
                         Bytes sent on one connection that its client has not read yet
                         (default: ${DEFAULT_RPC_LIMITS.maxUnreadBytes}, ${DEFAULT_RPC_LIMITS.maxUnreadBytes / 1024 / 1024} MiB); a connection that would go past it is
                         closed.
  --rpc-max-response-bytes <n>
                         Longest JSON-RPC response or batch response (default: ${DEFAULT_RPC_LIMITS.maxResponseBytes}, ${DEFAULT_RPC_LIMITS.maxResponseBytes / 1024 / 1024} MiB;
                         at most --rpc-max-unread-bytes); a longer one is replaced by -32005 "response
                         too large".
  --rpc-limit-loopback   Apply the per-address limits (rates, connections per address) to loopback
                         clients too. By default 127.0.0.0/8 and ::1 are exempt: the operator's own
                         tools ("dst load", benchmarks), or a local proxy, which must then limit.
  --pool-max-transactions <n>
                         Transactions the pool holds (default: ${DEFAULT_POOL_LIMITS.maxTransactions}); when full, an includable one
                         evicts the oldest waiting behind a nonce gap, else it is refused "pool-full".
  --pool-max-bytes <n>   Bytes of raw transactions the pool holds (default: ${DEFAULT_POOL_LIMITS.maxBytes}, ${DEFAULT_POOL_LIMITS.maxBytes / 1024 / 1024} MiB).
  --pool-max-per-sender <n>
                         Pooled transactions of one sender (default: ${DEFAULT_POOL_LIMITS.maxPerSender}); more: "sender-limit".
  --pool-max-nonce-gap <n>
                         How many nonces a transaction may skip past its sender's includable ones
                         (default: ${DEFAULT_POOL_LIMITS.maxNonceGap}; 0 = none); further ahead: "nonce-gap".
  --pool-max-per-client <n>
                         Pooled transactions sent by one RPC client address (default: ${DEFAULT_POOL_LIMITS.maxPerClient}); more:
                         "source-limit". A peer's gossip holds at most --pool-max-transactions / n.
  --pool-expiry-seconds <n>
                         A transaction still waiting behind a missing nonce this long expires
                         (default: ${DEFAULT_POOL_LIMITS.stuckExpiryMs / 1000}); dst_getTransactionStatus then says "expired".
  --execution-rpc <url>  [DST_EXECUTION_RPC] An execution node's JSON-RPC ("dst execute", e.g.
                         http://127.0.0.1:8645). The node then forwards the execution methods it does
                         not serve itself (eth_getBalance, eth_getCode, eth_getStorageAt, eth_call,
                         eth_estimateGas, eth_gasPrice, eth_maxPriorityFeePerGas, eth_feeHistory,
                         eth_getTransactionReceipt, eth_getBlockReceipts, eth_getLogs, the filters,
                         net_version, dst_executionOf) there, its blocks carry the execution's base
                         fee, and eth_sendRawTransaction refuses a sender that cannot pay gas limit ×
                         fee + value on top of its pending transactions ("insufficient-funds").
  --execution-rpc-timeout <ms>
                         [DST_EXECUTION_RPC_TIMEOUT] Longest wait for a forwarded call (default:
                         ${DEFAULT_EXECUTION_TIMEOUT_MS}); then -32002 naming the endpoint. Balance checks wait at most 2 s.
  --execution-rpc-unavailable <admit|reject>
                         [DST_EXECUTION_RPC_UNAVAILABLE] While the execution endpoint is down: admit
                         transactions unchecked (default; logged and counted) or refuse them with
                         "execution-unavailable".
  --log-level <level>    [DST_LOG_LEVEL] trace, debug, info, warn, error, fatal or silent (default: info).
  -h, --help             Print this help.

Endpoints on the RPC port: POST / (JSON-RPC 2.0), WebSocket / (JSON-RPC and eth_subscribe),
GET /metrics (Prometheus), GET /livez, GET /readyz (200 once a quorum of peers is connected and the
node is at the head), GET /dashboard (the node's live dashboard, in a browser).

Example, a 4-node cluster on one machine:
  dst create cluster --nodes 4 --chain-id 901 --block-time 1000 --out ./cluster
  dst run --dir ./cluster/node-1 --rpc-port 8545 &
  dst run --dir ./cluster/node-2 --rpc-port 8546 &   (and so on for node-3, node-4)
`;

/** Largest JSON-RPC body or WebSocket message: a batch of transactions of the largest size. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

interface RunOptions {
  /** The node directory of a cluster node; undefined with --single. */
  nodeDir: string | undefined;
  /** The database (--dir) or, with --single, the node's directory holding its database in db/. */
  dataDir: string;
  /** --chain-id and --block-time, with --single only: for a new data directory, or checked against its lock. */
  chainId: bigint | undefined;
  blockTimeMs: number | undefined;
  p2pListen: string | undefined;
  /** Accept p2p connections from any address (--p2p-accept-any), not only the lock's operators'. */
  p2pAcceptAny: boolean;
  /** --p2p-dial: operator index (1-based) → the multiaddr to dial it at instead of the lock's. */
  p2pDial: Map<number, string>;
  rpcHost: string;
  /** --rpc-cors: origins allowed to call the JSON-RPC from a web page. */
  rpcCors: string[];
  rpcPort: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** The --rpc-max-* and --rpc-limit-loopback flags given (the others keep DEFAULT_RPC_LIMITS). */
  rpcLimits: Partial<RpcLimits>;
  /** The --pool-* flags given (the others keep DEFAULT_POOL_LIMITS). */
  pool: Partial<PoolLimits>;
  /** --execution-rpc and its settings; undefined without one. */
  execution: ExecutionFlags | undefined;
}

function parseRunOptions(args: string[], env: NodeJS.ProcessEnv): RunOptions | 'help' {
  const { values, positionals } = parseFlags(args, {
    dir: { type: 'string' },
    single: { type: 'boolean' },
    'data-dir': { type: 'string' },
    'p2p-listen': { type: 'string' },
    'p2p-accept-any': { type: 'boolean' },
    'p2p-dial': { type: 'string', multiple: true },
    'chain-id': { type: 'string' },
    'block-time': { type: 'string' },
    'rpc-host': { type: 'string' },
    'rpc-cors': { type: 'string' },
    'rpc-port': { type: 'string' },
    'log-level': { type: 'string' },
    'rpc-max-requests-per-second': { type: 'string' },
    'rpc-max-transactions-per-second': { type: 'string' },
    'rpc-max-batch': { type: 'string' },
    'rpc-max-connections-per-address': { type: 'string' },
    'rpc-max-connections': { type: 'string' },
    'rpc-max-subscriptions': { type: 'string' },
    'rpc-max-in-flight': { type: 'string' },
    'rpc-max-unread-bytes': { type: 'string' },
    'rpc-max-response-bytes': { type: 'string' },
    'rpc-limit-loopback': { type: 'boolean' },
    'pool-max-transactions': { type: 'string' },
    'pool-max-bytes': { type: 'string' },
    'pool-max-per-sender': { type: 'string' },
    'pool-max-nonce-gap': { type: 'string' },
    'pool-max-per-client': { type: 'string' },
    'pool-expiry-seconds': { type: 'string' },
    'execution-rpc': { type: 'string' },
    'execution-rpc-timeout': { type: 'string' },
    'execution-rpc-unavailable': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals[0] !== 'run' || positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing command: expected one of run, create, dkg, reshare, devnet, load, verify, follow, test, execute (dst --help lists them)' : `unknown command ${JSON.stringify(positionals.join(' '))}`);
  }
  const dir = values.dir ?? (values.single ? undefined : env.DST_DIR);
  if (values.single && values.dir !== undefined) throw new UsageError('--single and --dir exclude each other: give one of them');
  if (!values.single && dir === undefined) throw new UsageError('expected --dir NODE_DIR (a node of a cluster) or --single');
  if (dir !== undefined) {
    for (const flag of ['chain-id', 'block-time'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is set by the cluster lock; it applies to --single only`);
    }
  } else {
    for (const flag of ['p2p-listen', 'p2p-accept-any', 'p2p-dial'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to a cluster node (--dir) only`);
    }
  }
  const logLevel = (values['log-level'] ?? env.DST_LOG_LEVEL ?? 'info') as RunOptions['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  const dataDir = values['data-dir'] ?? env.DST_DATA_DIR;
  // RPC limits (src/api/limits.ts): a flag not given keeps its default; bursts are 2 × the rates.
  const rpcLimits: Partial<RpcLimits> = {
    requestsPerSecond: positiveInteger('--rpc-max-requests-per-second', values['rpc-max-requests-per-second']),
    transactionsPerSecond: positiveInteger('--rpc-max-transactions-per-second', values['rpc-max-transactions-per-second']),
    maxBatch: positiveInteger('--rpc-max-batch', values['rpc-max-batch']),
    maxConnectionsPerAddress: positiveInteger('--rpc-max-connections-per-address', values['rpc-max-connections-per-address']),
    maxConnections: positiveInteger('--rpc-max-connections', values['rpc-max-connections']),
    maxSubscriptions: positiveInteger('--rpc-max-subscriptions', values['rpc-max-subscriptions']),
    maxInFlight: positiveInteger('--rpc-max-in-flight', values['rpc-max-in-flight']),
    maxUnreadBytes: positiveInteger('--rpc-max-unread-bytes', values['rpc-max-unread-bytes']),
    maxResponseBytes: positiveInteger('--rpc-max-response-bytes', values['rpc-max-response-bytes']),
    ...(values['rpc-limit-loopback'] && { exemptLoopback: false }),
  };
  try {
    resolveRpcLimits(rpcLimits);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // The pool's rules (README "Ordering and admission"); a flag not given keeps DEFAULT_POOL_LIMITS.
  const expirySeconds = positiveInteger('--pool-expiry-seconds', values['pool-expiry-seconds']);
  const pool: Partial<PoolLimits> = {
    maxTransactions: positiveInteger('--pool-max-transactions', values['pool-max-transactions']),
    maxBytes: positiveInteger('--pool-max-bytes', values['pool-max-bytes']),
    maxPerSender: positiveInteger('--pool-max-per-sender', values['pool-max-per-sender']),
    maxNonceGap: optionalInteger('--pool-max-nonce-gap', values['pool-max-nonce-gap'], 0, 1_000_000),
    maxPerClient: positiveInteger('--pool-max-per-client', values['pool-max-per-client']),
    stuckExpiryMs: expirySeconds === undefined ? undefined : expirySeconds * 1000,
  };
  for (const name of Object.keys(pool) as Array<keyof PoolLimits>) if (pool[name] === undefined) delete pool[name];
  return {
    execution: executionFlags(values['execution-rpc'] ?? env.DST_EXECUTION_RPC, values['execution-rpc-timeout'] ?? env.DST_EXECUTION_RPC_TIMEOUT, values['execution-rpc-unavailable'] ?? env.DST_EXECUTION_RPC_UNAVAILABLE),
    nodeDir: dir === undefined ? undefined : resolve(dir),
    dataDir: resolve(dataDir ?? (dir === undefined ? './dst-data' : join(dir, 'db'))),
    chainId: chainIdFlag(values['chain-id']),
    blockTimeMs: optionalInteger('--block-time', values['block-time'], 0, MAX_BLOCK_TIME_MS),
    p2pListen: values['p2p-listen'] ?? (dir === undefined ? undefined : env.DST_P2P_LISTEN),
    p2pAcceptAny: values['p2p-accept-any'] === true,
    p2pDial: dialOverrides(values['p2p-dial'] ?? []),
    rpcHost: values['rpc-host'] ?? env.DST_RPC_HOST ?? '127.0.0.1',
    rpcCors: corsOrigins(values['rpc-cors'] ?? env.DST_RPC_CORS),
    rpcPort: integerFlag('--rpc-port', values['rpc-port'] ?? env.DST_RPC_PORT ?? '8545', 0, 65_535),
    logLevel,
    rpcLimits,
    pool,
  };
}

/** `--p2p-dial i=<maddr>` flags as a map; the index is checked against the lock once it is loaded. */
function dialOverrides(flags: readonly string[]): Map<number, string> {
  const overrides = new Map<number, string>();
  for (const flag of flags) {
    const match = /^(\d+)=(\/.+)$/.exec(flag);
    if (!match) throw new UsageError(`--p2p-dial: expected <operator index>=<multiaddr>, e.g. 2=/ip4/127.0.0.1/tcp/40102, got ${JSON.stringify(flag)}`);
    const index = Number(match[1]);
    if (overrides.has(index)) throw new UsageError(`--p2p-dial: operator ${index} is given twice`);
    try {
      multiaddr(match[2]!);
    } catch (error) {
      throw new UsageError(`--p2p-dial ${flag}: not a multiaddr (${(error as Error).message})`);
    }
    overrides.set(index, match[2]!);
  }
  return overrides;
}

/** Chain id and block time of a new single-node data directory when the flags do not give them. */
const DEFAULT_CHAIN_ID = 901n;
const DEFAULT_BLOCK_TIME_MS = 1000;

/** A loaded node directory, where its database is, and how it reaches its peers (none for --single). */
interface NodeSetup {
  node: NodeDir;
  dbPath: string;
  network: NodeNetworkConfig | undefined;
}

async function setUpSingle(options: RunOptions, logger: Logger): Promise<NodeSetup> {
  const dir = options.dataDir;
  const state = await prepareSingleNodeDir(dir, {
    chainId: options.chainId ?? DEFAULT_CHAIN_ID,
    blockTimeMs: options.blockTimeMs ?? DEFAULT_BLOCK_TIME_MS,
  });
  if (state.kind !== 'existing') {
    const lock = { chainId: state.lock.chainId.toString(), blockTimeMs: state.lock.blockTimeMs, lockHash: prefixedHex(state.lock.lockHash) };
    if (state.kind === 'created') {
      logger.info({ dataDir: dir, ...lock }, 'new data directory: created a 1-of-1 cluster (cluster-lock.json, p2p-identity.key, keys/)');
    } else {
      logger.warn(
        { dataDir: dir, ...lock, identityCreated: state.identityCreated },
        `migrated the data directory from cluster.json to a 1-of-1 ${CLUSTER_LOCK_FILE} (chain id, group key and public share from cluster.json, ` +
          'block time from --block-time or its default) and p2p-identity.key; keys/ and db/ are unchanged, cluster.json is no longer read',
      );
    }
  }
  const node = await loadNodeDir(dir);
  const { lock } = node;
  if (lock.operators.length !== 1) {
    throw new UsageError(`${dir} is a node directory of a ${lock.operators.length}-node cluster: run it with --dir (--single runs a 1-of-1 cluster)`);
  }
  if (options.chainId !== undefined && options.chainId !== lock.chainId) {
    throw new UsageError(`--chain-id ${options.chainId} does not match chain id ${lock.chainId} of the data directory ${dir}`);
  }
  if (options.blockTimeMs !== undefined && options.blockTimeMs !== lock.blockTimeMs) {
    throw new UsageError(`--block-time ${options.blockTimeMs} does not match block time ${lock.blockTimeMs} ms in the lock of the data directory ${dir}: leave it out to use the lock's`);
  }
  return { node, dbPath: join(dir, 'db'), network: undefined };
}

async function setUpClusterNode(nodeDir: string, options: RunOptions): Promise<NodeSetup> {
  const node = await loadNodeDir(nodeDir);
  for (const index of options.p2pDial.keys()) {
    if (index < 1 || index > node.lock.operators.length || index === node.operator.index) {
      throw new UsageError(`--p2p-dial: operator ${index} is not one of this node's peers (1..${node.lock.operators.length}, this node is ${node.operator.index})`);
    }
  }
  return {
    node,
    dbPath: options.dataDir,
    network: {
      identity: node.identityKey,
      listen: options.p2pListen === undefined ? [...node.operator.addresses] : [options.p2pListen],
      peers: node.lock.operators.map((entry) => {
        const dial = options.p2pDial.get(entry.index);
        return { index: entry.index - 1, peerId: entry.peerId, addrs: entry.addresses, ...(dial === undefined ? {} : { dialAddrs: [dial] }) };
      }),
      limits: { acceptFrom: options.p2pAcceptAny ? 'any' : 'operators' },
    },
  };
}

async function run(options: RunOptions, logger: Logger): Promise<number> {
  const { node, dbPath, network } = options.nodeDir === undefined ? await setUpSingle(options, logger) : await setUpClusterNode(options.nodeDir, options);
  const { lock, operator } = node;
  const metrics = createMetrics();
  const execution = options.execution && executionLink(options.execution, options.rpcLimits, lock.chainId, metrics, logger);
  const started = await startNode({ dbPath, chainId: lock.chainId, key: node.key, blockTimeMs: lock.blockTimeMs, network, logger, metrics, limits: { pool: options.pool }, funds: execution?.funds });
  const { sequencer, host } = started;
  // The base fee the blocks carry is asked before the first client comes (an endpoint down keeps 0 until it answers).
  await execution?.forwarding.start();
  const server = await startApiServer(sequencer, {
    host: options.rpcHost,
    port: options.rpcPort,
    maxBodyBytes: MAX_BODY_BYTES,
    logger,
    metrics,
    limits: options.rpcLimits,
    corsOrigins: options.rpcCors,
    execution: execution?.forwarding,
  });
  logger.info(
    {
      url: server.url,
      wsUrl: server.wsUrl,
      port: server.port,
      chainId: lock.chainId.toString(),
      groupPublicKey: prefixedHex(lock.groupPublicKey),
      blockTimeMs: lock.blockTimeMs,
      node: operator.index,
      ...(host === undefined ? {} : { peerId: operator.peerId, p2p: host.listenAddresses() }),
      threshold: lock.threshold,
      nodes: lock.operators.length,
      lockHash: prefixedHex(lock.lockHash),
      dataDir: options.dataDir,
      ...(execution && { executionRpc: execution.forwarding.client.url, executionBaseFee: execution.forwarding.baseFeePerGas?.toString() ?? null }),
    },
    'rpc listening',
  );
  const untuned = untunedRuntime();
  if (untuned !== undefined) {
    logger.info({ missing: untuned }, `started without the node process's memory settings: expect about 25 MiB more RSS; start it with ${untuned} (as the devnet and deploy/systemd/dst.service do)`);
  }

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
  execution?.forwarding.stop();
  await server.close();
  await started.stop();
  logger.info({ exitCode }, 'stopped');
  return exitCode;
}

/** --rpc-cors: `*` or origins (scheme://host[:port]); a UsageError for anything else. */
function corsOrigins(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const origins = text.split(',').map((o) => o.trim());
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s,]+$/.test(origin)) {
      throw new UsageError(`--rpc-cors: expected * or origins like https://explorer.example (no path), got ${JSON.stringify(origin)}`);
    }
  }
  return origins;
}

/** `dst run …` (or `dst …` with flags only): `args` from the command word on. Returns the exit code. */
export async function runNodeCommand(args: string[]): Promise<number> {
  let options: RunOptions | 'help';
  try {
    options = parseRunOptions(args, process.env);
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
    if (error instanceof UsageError || error instanceof SingleNodeMigrationError) {
      process.stderr.write(`dst: ${error.message}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
    logger.fatal({ err: error }, 'the node failed');
    return 1;
  }
}
