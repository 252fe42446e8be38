/**
 * The boundary between a sequencer node (src/node/) and what serves it to the outside (src/api/:
 * JSON-RPC, metrics, health). The API reads and submits only through `SequencerView`; the node knows
 * nothing about HTTP.
 *
 * A block is final once it carries the cluster's combined signature: QBFT decided it in `round`, and
 * `signature` (96-byte compressed BLS, G2) verifies against the group public key over
 * `signingRoot = keccak256(BLOCK_DOMAIN ‖ uint256(chainId) ‖ uint256(round) ‖ blockHash)` — the round
 * is signed because partial signatures may combine only within one QBFT round (docs/qbft.md).
 */
import type { Block, ExpiryReason, Transaction } from '../chain/index.js';
import type { NodeActivity } from './activity.js';

export type { NodeActivity, OperatorActivity, SignatureTiming } from './activity.js';

/** Genesis (number 0) is derived by every node, not signed: its `signature` and `signingRoot` are empty. */
export interface SignedBlock {
  block: Block;
  /** The QBFT round whose COMMIT quorum produced the signature. */
  round: number;
  /** What the signature signs (32 bytes). */
  signingRoot: Uint8Array;
  /** The combined group signature, 96-byte compressed G2. */
  signature: Uint8Array;
}

export interface TransactionLocation {
  blockNumber: number;
  blockHash: Uint8Array;
  index: number;
}

export interface TransactionRecord {
  tx: Transaction;
  /** Absent while the transaction is pending in the pool. */
  location?: TransactionLocation;
}

/**
 * Where a transaction stands on this node: pooled; in a stored block; expired from the pool and why
 * (README "Ordering and admission"; remembered for the last `EXPIRED_REMEMBERED` expiries of this
 * process); or unknown here.
 */
export type TransactionStatus =
  | { status: 'pending' }
  | { status: 'included'; location: TransactionLocation }
  | { status: 'expired'; reason: ExpiryReason }
  | { status: 'unknown' };

export interface ClusterInfo {
  chainId: bigint;
  /** Compressed 48-byte group public key every block signature verifies against. */
  groupPublicKey: Uint8Array;
  nodes: number;
  threshold: number;
  /** This node's 1-based share index. */
  self: number;
  blockTimeMs: number;
}

export interface NodeHealth {
  /** The process is up and its loops are running. */
  live: boolean;
  /** It can serve and sequence: store open, consensus running (and, in a cluster, a quorum connected, at the head). */
  ready: boolean;
  /** Number of the newest signed block. */
  head: number;
  mempoolSize: number;
  /** How long the pool's oldest transaction has waited (ms); undefined when the pool is empty or unknown. */
  oldestPendingAgeMs?: number;
  /** Human-readable reasons when not ready. */
  reasons: string[];
}

export interface SequencerView {
  readonly chainId: bigint;
  /** Number of the newest signed block (0 = only genesis). */
  headNumber(): number;
  /**
   * Decodes, checks and admits a raw signed transaction; resolves with its hash once it is durably
   * stored (a restart will not lose it). Rejects with `TransactionRejected` (src/chain) saying why.
   * `client` names where it came from (the RPC client's IP address): the pool bounds how much of it
   * one source may hold, so one flooding client cannot push everyone else's transactions back.
   */
  submitTransaction(raw: Uint8Array, client: string): Promise<Uint8Array>;
  getBlockByNumber(number: number): SignedBlock | undefined;
  getBlockByHash(hash: Uint8Array): SignedBlock | undefined;
  getTransaction(hash: Uint8Array): TransactionRecord | undefined;
  transactionStatus(hash: Uint8Array): TransactionStatus;
  /**
   * A stored block's transactions, decoded, with the senders recorded when it was stored, in block
   * order — in one pass over the block (what a full-block answer needs; looking each one up by hash
   * would read the whole block once per transaction).
   */
  blockTransactions(signed: SignedBlock): Transaction[];
  /**
   * The next nonce of the account at `address` (20 bytes): one above its last included transaction's
   * (0 if none), or with `pending` also past its pooled transactions that follow without a gap — what
   * `eth_getTransactionCount` answers for "latest" and "pending".
   */
  nextNonce(address: Uint8Array, pending: boolean): bigint;
  /** Called once per newly stored signed block, in order; returns an unsubscribe function. */
  onBlock(listener: (block: SignedBlock) => void): () => void;
  clusterInfo(): ClusterInfo;
  health(): NodeHealth;
  /**
   * What the dashboard (src/api/dashboard.ts) shows beyond the chain and the metrics: each operator's
   * connection, ping and last COMMIT partial, and recent proposal → signature times (./activity.ts).
   * Optional: a view without it gets a dashboard without those.
   */
  activity?(): NodeActivity;
}
