/**
 * The JSON-RPC methods: Ethereum's (ethereum/execution-apis) where Ethereum has a name for the thing,
 * `dst_` otherwise.
 *
 * Block tags: "latest", "safe", "finalized" and "pending" all mean the newest signed block — every
 * signed block is final (QBFT decided it and the cluster signed it; no fork can replace it), and the
 * sequencer exposes no block under construction. "earliest" is genesis (0). A number above the head
 * gives null, as Ethereum does for a block it does not have.
 *
 * dst_ results use hex quantities for the chain id (it can exceed 2^53) and block numbers (as Ethereum's
 * methods do), and JSON numbers for counts and indices. A block number is a safe integer (src/chain/block.ts):
 * one above Number.MAX_SAFE_INTEGER in a parameter is a -32602 error.
 */
import { TransactionRejected, type Transaction } from '../chain/index.js';
import type { SequencerView, SignedBlock } from '../node/types.js';
import { encodeHeader } from '../chain/index.js';
import { INVALID_PARAMS, METHOD_NOT_FOUND, RpcError, TRANSACTION_REJECTED, invalidParam } from './errors.js';
import { formatBlock, formatHeader, formatTransaction, type Json } from './format.js';
import { data, parseBlockNumber, parseData, quantity } from './hex.js';
import type { Logger } from './logger.js';
import type { DashboardFeed } from './dashboard.js';
import type { DstMetrics } from './metrics.js';
import type { ExecutionForwarding } from './forward.js';

/** Subscriptions of one WebSocket connection; absent over HTTP. */
export interface SubscriptionHost {
  subscribeNewHeads(): string;
  unsubscribe(id: string): boolean;
}

export interface MethodContext<V = SequencerView> {
  view: V;
  metrics: DstMetrics;
  logger: Logger;
  /** The client's address (its IP), what the node's per-source pool quota counts by. */
  client: string;
  subscriptions?: SubscriptionHost;
  /** The dashboard's block history (./dashboard.ts); the API server always gives one. */
  dashboard?: DashboardFeed;
  /** The execution endpoint the node forwards execution methods to (./forward.ts), if any. */
  execution?: ExecutionForwarding;
  /** The request came forwarded by another node (`x-dst-forwarded`): it must not be forwarded again. */
  forwarded?: boolean;
}

export type Method<V = SequencerView> = (params: unknown[], context: MethodContext<V>) => Json | Promise<Json>;

/** The methods an endpoint serves, by name: `methods` for a DST node; src/execution serves its own. */
export type MethodTable<V = SequencerView> = Record<string, Method<V>>;

/** Most blocks, and about the most bytes of JSON, one `dst_getSignedBlocks` reply holds. */
export const SIGNED_BLOCKS_MAX_COUNT = 256;
/** Half the response limit (src/api/limits.ts), so a reply of blocks near it still fits. */
export const SIGNED_BLOCKS_MAX_BYTES = 4 * 1024 * 1024;
/**
 * JSON bytes of one block in a `dst_getSignedBlocks` reply besides its transactions: the field names,
 * hex header (~270 bytes of header), hash, signing root, signature (96 bytes as 194 characters) and
 * group key — about 1,000; counted high.
 */
const SIGNED_BLOCK_JSON_OVERHEAD = 1_200;
/** A transaction's JSON in a reply: its bytes as hex (2 characters each), "0x", quotes and a comma. */
const transactionJsonBytes = (tx: Uint8Array): number => 2 * tx.length + 5;

const BLOCK_TAG = 'a block number as a hex quantity or one of "latest", "earliest", "pending", "safe", "finalized"';

export const methods: MethodTable = {
  eth_chainId: (params, { view }) => {
    arity(params, 0, 0);
    return quantity(view.chainId);
  },

  eth_blockNumber: (params, { view }) => {
    arity(params, 0, 0);
    return quantity(view.headNumber());
  },

  eth_sendRawTransaction: async (params, { view, metrics, logger, client }) => {
    arity(params, 1, 1);
    const raw = parseData(params[0], 0, 'raw transaction');
    try {
      const hash = await view.submitTransaction(raw, client);
      metrics.transactionsAccepted.inc({ source: 'rpc' });
      return data(hash);
    } catch (error) {
      if (!(error instanceof TransactionRejected)) throw error;
      metrics.transactionsRejected.inc({ reason: error.reason, source: 'rpc' });
      logger.debug({ reason: error.reason, err: error.message }, 'transaction rejected');
      throw new RpcError(TRANSACTION_REJECTED, error.message, { reason: error.reason });
    }
  },

  eth_getBlockByNumber: (params, { view, execution }) => {
    arity(params, 2, 2);
    const signed = blockByTag(view, params[0], 0);
    const full = fullTransactionsFlag(params[1]);
    return signed ? formatBlockFor(view, signed, full, execution?.baseFeePerGas) : null;
  },

  eth_getBlockByHash: (params, { view, execution }) => {
    arity(params, 2, 2);
    const signed = view.getBlockByHash(parseData(params[0], 0, 'block hash', 32));
    const full = fullTransactionsFlag(params[1]);
    return signed ? formatBlockFor(view, signed, full, execution?.baseFeePerGas) : null;
  },

  eth_getTransactionByHash: (params, { view, execution }) => {
    arity(params, 1, 1);
    const record = view.getTransaction(parseData(params[0], 0, 'transaction hash', 32));
    return record ? formatTransaction(record.tx, record.location, execution?.baseFeePerGas) : null;
  },

  /** Only the latest nonces are kept: "latest", "safe", "finalized" or the head's number, and "pending". */
  eth_getTransactionCount: (params, { view }) => {
    arity(params, 1, 2);
    const address = parseData(params[0], 0, 'address', 20);
    const tag = params[1] ?? 'latest';
    if (tag === 'pending') return quantity(view.nextNonce(address, true));
    const atHead =
      tag === 'latest' || tag === 'safe' || tag === 'finalized' ||
      (typeof tag === 'string' && tag.startsWith('0x') && parseBlockNumber(tag, 1, 'block') === view.headNumber());
    if (!atHead) {
      throw invalidParam(1, 'block', `"latest", "pending", "safe", "finalized" or the head's number ${quantity(view.headNumber())} (nonces at earlier blocks are not kept)`, tag);
    }
    return quantity(view.nextNonce(address, false));
  },

  eth_subscribe: (params, { subscriptions }) => {
    if (!subscriptions) throw new RpcError(METHOD_NOT_FOUND, 'eth_subscribe is available only over WebSocket');
    arity(params, 1, 1);
    if (params[0] !== 'newHeads') throw invalidParam(0, 'subscription type', '"newHeads" (the only subscription served)', params[0]);
    return subscriptions.subscribeNewHeads();
  },

  eth_unsubscribe: (params, { subscriptions }) => {
    if (!subscriptions) throw new RpcError(METHOD_NOT_FOUND, 'eth_unsubscribe is available only over WebSocket');
    arity(params, 1, 1);
    if (typeof params[0] !== 'string') throw invalidParam(0, 'subscription id', 'the id eth_subscribe returned', params[0]);
    return subscriptions.unsubscribe(params[0]);
  },

  dst_clusterInfo: (params, { view }) => {
    arity(params, 0, 0);
    const info = view.clusterInfo();
    return {
      chainId: quantity(info.chainId),
      groupPublicKey: data(info.groupPublicKey),
      nodes: info.nodes,
      threshold: info.threshold,
      self: info.self,
      blockTimeMs: info.blockTimeMs,
    };
  },

  /** One snapshot of what GET /dashboard shows (./dashboard.ts; the fields: src/api/README.md). */
  dst_dashboard: async (params, { dashboard }) => {
    arity(params, 0, 0);
    if (!dashboard) throw new RpcError(METHOD_NOT_FOUND, 'dst_dashboard is not served by this endpoint');
    return dashboard.snapshot();
  },

  /**
   * Everything needed to verify a block's signature offline: the header RLP (its keccak-256 is `hash`),
   * the raw transactions (their trie root is the header's transactionsRoot), the QBFT round, the
   * signing root, the 96-byte signature and the group public key it verifies against. The parameter
   * is a block hash (32 bytes) or a block number/tag.
   */
  dst_getSignedBlock: (params, { view }) => {
    arity(params, 1, 1);
    const which = params[0];
    const signed =
      typeof which === 'string' && which.length === 66 ? view.getBlockByHash(parseData(which, 0, 'block hash', 32)) : blockByTag(view, which, 0, 'a 32-byte block hash or ' + BLOCK_TAG);
    return signed ? signedBlockJson(signed, view) : null;
  },

  /**
   * A range of signed blocks for a verifier's backfill: `[fromNumber, count]` (count 1..256) gives the
   * blocks fromNumber, fromNumber+1, … in order, each as `dst_getSignedBlock` gives it, stopping at
   * the head, after `count` blocks, or once the blocks given hold more than 4 MiB of header and
   * transaction bytes (at least one block is always given when fromNumber ≤ head), so a reply stays
   * under the response limit. An empty array when fromNumber is above the head. The caller asks again
   * from the number after the last block it got.
   */
  dst_getSignedBlocks: (params, { view }) => {
    arity(params, 2, 2);
    const from = parseBlockNumber(params[0], 0, 'fromNumber');
    const count = params[1];
    if (!Number.isSafeInteger(count) || (count as number) < 1 || (count as number) > SIGNED_BLOCKS_MAX_COUNT) {
      throw invalidParam(1, 'count', `an integer in 1..${SIGNED_BLOCKS_MAX_COUNT}`, count);
    }
    const out: Json[] = [];
    let bytes = 0;
    const last = Math.min(view.headNumber(), from + (count as number) - 1);
    for (let number = from; number <= last && (out.length === 0 || bytes < SIGNED_BLOCKS_MAX_BYTES); number++) {
      const signed = view.getBlockByNumber(number);
      if (!signed) break;
      out.push(signedBlockJson(signed, view));
      bytes += signed.block.transactions.reduce((sum, tx) => sum + transactionJsonBytes(tx), SIGNED_BLOCK_JSON_OVERHEAD);
    }
    return out;
  },

  /**
   * Where a transaction stands on this node: `{status: "pending"}`, `{status: "included", blockHash,
   * blockNumber, transactionIndex}`, `{status: "expired", reason}` — it left the pool without being
   * included: "nonce-gap" (it waited behind a missing nonce too long), "evicted" (a full pool made room
   * for an includable one) or "nonce-used" (a block included another transaction with its nonce) — or
   * `{status: "unknown"}`.
   */
  dst_getTransactionStatus: (params, { view }) => {
    arity(params, 1, 1);
    const status = view.transactionStatus(parseData(params[0], 0, 'transaction hash', 32));
    if (status.status !== 'included') return status;
    const { blockHash, blockNumber, index } = status.location;
    return { status: 'included', blockHash: data(blockHash), blockNumber: quantity(blockNumber), transactionIndex: quantity(index) };
  },

  dst_health: (params, { view }) => {
    arity(params, 0, 0);
    const health = view.health();
    return {
      live: health.live,
      ready: health.ready,
      head: quantity(health.head),
      mempoolSize: health.mempoolSize,
      ...(health.oldestPendingAgeMs !== undefined && { oldestPendingAgeSeconds: Math.round(health.oldestPendingAgeMs / 1000) }),
      reasons: health.reasons,
    };
  },
};

/** Checks the number of positional params (-32602 otherwise). */
export function arity(params: unknown[], min: number, max: number): void {
  if (params.length < min || params.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new RpcError(INVALID_PARAMS, `invalid params: expected ${expected} param${max === 1 ? '' : 's'}, got ${params.length}`);
  }
}

function blockByTag(view: SequencerView, tag: unknown, index: number, expected = BLOCK_TAG): SignedBlock | undefined {
  switch (tag) {
    case 'latest':
    case 'pending':
    case 'safe':
    case 'finalized':
      return view.getBlockByNumber(view.headNumber());
    case 'earliest':
      return view.getBlockByNumber(0);
  }
  if (typeof tag !== 'string' || !tag.startsWith('0x')) throw invalidParam(index, 'block', expected, tag);
  return view.getBlockByNumber(parseBlockNumber(tag, index, 'block'));
}

function fullTransactionsFlag(value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidParam(1, 'full transactions', 'true or false', value);
  return value;
}

function formatBlockFor(view: SequencerView, signed: SignedBlock, full: boolean, baseFeePerGas = 0n): Json {
  if (!full) return formatBlock(signed, undefined, baseFeePerGas);
  // One pass over the block: looking each transaction up by hash would read the whole block per transaction.
  const transactions = view.blockTransactions(signed);
  return formatBlock(signed, (_, index): Transaction => transactions[index]!, baseFeePerGas);
}

/** A stored block as `dst_getSignedBlock` gives it (null signature and signing root for the unsigned genesis). */
function signedBlockJson(signed: SignedBlock, view: SequencerView): Json {
  const { block } = signed;
  const signedAtAll = signed.signature.length > 0;
  return {
    chainId: quantity(block.header.chainId),
    number: quantity(block.header.number),
    hash: data(block.hash),
    header: data(encodeHeader(block.header)),
    transactions: block.transactions.map(data),
    round: signed.round,
    signingRoot: signedAtAll ? data(signed.signingRoot) : null,
    signature: signedAtAll ? data(signed.signature) : null,
    groupPublicKey: data(view.clusterInfo().groupPublicKey),
  };
}
