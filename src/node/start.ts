/**
 * `startNode`: one sequencer node wired and started, and stopped again in the right order — what
 * `dst run` runs (src/cli/run.ts) and what the in-process tests start. It opens the LMDB store, takes
 * the crypto executor (by default a warmed-up worker pool of its own), for a cluster creates the libp2p
 * host (src/p2p, with `proposalCodec` for blocks in consensus messages) or takes a ready one, builds the
 * `Sequencer` and starts it. Key material comes in already loaded (src/cluster's `loadNodeDir` reads a
 * node directory; tests make keys in memory), so the node folder depends on no file format.
 *
 * `stop()` of the handle: the sequencer stops (the block in progress is stored) while the host stops,
 * so that a sync in progress ends at once instead of at its request timeout; then the store closes,
 * then the executor if `startNode` made it. What the caller handed in (an executor, a host) is the
 * caller's to close. The limits default to `DEFAULT_NODE_LIMITS`; any of them may be overridden.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { DEFAULT_MAX_TRANSACTION_BYTES, type Block, type BlockLimits } from '../chain/index.js';
import { WorkerPoolExecutor, type CryptoExecutor } from '../crypto/index.js';
import { createClusterHost, type ClusterHost, type ClusterHostOptions } from '../p2p/index.js';
import type { PoolLimits } from './admission.js';
import type { Clock } from './clock.js';
import { Sequencer, type NodeKey, type SequencerOptions } from './sequencer.js';
import { NodeStore } from './store.js';
import { proposalCodec } from './wire.js';

/** What a node accepts and builds. */
export interface NodeLimits {
  /** The pool's rules: its size, and what one sender, client or peer may hold (README "Ordering and admission"). */
  pool: PoolLimits;
  /** Transactions and bytes per block. */
  block: BlockLimits;
  /** Largest raw transaction accepted, in bytes. */
  maxTransactionBytes: number;
  /** How far a proposal's timestamp may run ahead of this node's clock. */
  maxFutureDriftMs: number;
}

/**
 * The pool's defaults. 100,000 transactions or 256 MiB; 1,024 per sender (a busy sender — a bridge
 * relayer, a load test — keeps sending while a stalled cluster includes nothing: at 25 tx/s that is
 * 40 s of backlog; geth's 16 + 64 per account assume a fee market that prices the rest out, and one
 * key's consecutive nonces are bounded by the per-client quota anyway); 16 nonces of gap (a wallet's
 * transactions sent to several nodes at once arrive a little out of order); what still waits behind a
 * gap after 5 minutes expires; 10,000 per client address (a tenth of the pool: ten flooding addresses
 * cannot fill it with includable transactions alone, and an honest transaction waits behind at most
 * 10,000 of each).
 */
export const DEFAULT_POOL_LIMITS: Readonly<PoolLimits> = {
  maxTransactions: 100_000,
  maxBytes: 256 * 1024 * 1024,
  maxPerSender: 1_024,
  maxNonceGap: 16,
  stuckExpiryMs: 5 * 60_000,
  maxPerClient: 10_000,
};

export const DEFAULT_NODE_LIMITS: Readonly<NodeLimits> = {
  pool: DEFAULT_POOL_LIMITS,
  // 1 MiB: the block size the p2p frame limits are made for.
  block: { maxTransactions: 5_000, maxBytes: 1024 * 1024 },
  maxTransactionBytes: DEFAULT_MAX_TRANSACTION_BYTES,
  maxFutureDriftMs: 2_000,
};

/**
 * How a cluster node reaches its peers: the host `startNode` creates (this operator's identity key,
 * listen multiaddrs, every operator of the cluster with its 0-based index, optional limits), or a host
 * the caller made and stops.
 */
export type NodeNetworkConfig = Pick<ClusterHostOptions<Block>, 'identity' | 'listen' | 'peers' | 'limits'> | { readonly host: ClusterHost<Block> };

export interface StartNodeConfig {
  /** The LMDB database directory; created (mode 0700) if missing. */
  dbPath: string;
  chainId: bigint;
  /** This node's share and the cluster's public keys: the cluster has `key.publicShares.length` nodes. */
  key: NodeKey;
  /** Least spacing between blocks in milliseconds; 0 = as fast as the pipeline goes. */
  blockTimeMs: number;
  /** The peers; required in a cluster of more than one node. Absent: a single node without a host. */
  network?: NodeNetworkConfig;
  /** The node's logger; the sequencer and the host log through children ({ module: 'sequencer' | 'p2p' }). */
  logger: Logger;
  metrics?: SequencerOptions['metrics'];
  /** Where batch crypto runs; default a warmed-up `WorkerPoolExecutor` whose workers exit when idle (`CRYPTO_WORKER_IDLE_MS`), closed by `stop()`. */
  executor?: CryptoExecutor;
  /** Overrides of `DEFAULT_NODE_LIMITS` (the pool's field by field). */
  limits?: Partial<Omit<NodeLimits, 'pool'>> & { pool?: Partial<PoolLimits> };
  /** Time and timers for the sequencer (default the system's). */
  clock?: Clock;
  /** With an execution endpoint: admission's balance check (./funds.ts). */
  funds?: SequencerOptions['funds'];
}

/**
 * The node's crypto workers exit after this long without a task (src/crypto/pool.ts): at light load
 * a node recovers its few gossiped senders on its own thread and needs no worker (~11 MiB of RSS).
 */
export const CRYPTO_WORKER_IDLE_MS = 30_000;

/** A started node. */
export interface NodeHandle {
  readonly sequencer: Sequencer;
  /** The libp2p host of a cluster node; undefined for a single node. */
  readonly host: ClusterHost<Block> | undefined;
  readonly store: NodeStore;
  /** Stops the node (order in the module docblock); later calls wait for the same stop. */
  stop(): Promise<void>;
}

/** Wires and starts a node (see the module docblock); on a failure, whatever was opened is closed again. */
export async function startNode(config: StartNodeConfig): Promise<NodeHandle> {
  const limits: NodeLimits = { ...DEFAULT_NODE_LIMITS, ...config.limits, pool: { ...DEFAULT_POOL_LIMITS, ...config.limits?.pool } };
  await mkdir(config.dbPath, { recursive: true, mode: 0o700 });
  /** What to close, in order, should the start fail. */
  const opened: Array<() => Promise<void>> = [];
  try {
    const store = new NodeStore(config.dbPath);
    opened.unshift(() => store.close());
    let executor = config.executor;
    let ownExecutor: CryptoExecutor | undefined;
    if (executor === undefined) {
      const pool = new WorkerPoolExecutor({ idleTimeoutMs: CRYPTO_WORKER_IDLE_MS });
      opened.unshift(() => pool.close());
      await pool.warmUp();
      executor = ownExecutor = pool;
    }
    let host: ClusterHost<Block> | undefined;
    let ownHost: ClusterHost<Block> | undefined;
    if (config.network !== undefined && 'host' in config.network) {
      host = config.network.host;
    } else if (config.network !== undefined) {
      // The host measures clock offsets to the peers on the node's clock.
      const now = config.clock && ((): number => config.clock!.now());
      host = ownHost = await createClusterHost<Block>({ ...config.network, now, values: proposalCodec, logger: config.logger.child({ module: 'p2p' }) });
      opened.unshift(() => ownHost!.stop());
    }
    const sequencer = new Sequencer({
      store,
      chainId: config.chainId,
      key: config.key,
      nodes: config.key.publicShares.length,
      blockTimeMs: config.blockTimeMs,
      ...limits,
      logger: config.logger.child({ module: 'sequencer' }),
      executor,
      network: host,
      metrics: config.metrics,
      clock: config.clock,
      funds: config.funds,
    });
    await sequencer.start();
    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      await Promise.all([sequencer.stop(), ownHost?.stop()]);
      await store.close();
      await ownExecutor?.close();
    };
    return {
      sequencer,
      host,
      store,
      stop: () => (stopping ??= stop()),
    };
  } catch (error) {
    for (const close of opened) await close().catch(() => {});
    throw error;
  }
}
