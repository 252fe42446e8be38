/**
 * Prometheus metrics of a DST node (prom-client, exposition format 0.0.4 on `/metrics`).
 *
 * One `DstMetrics` holds its own `Registry` (not prom-client's global one), so several nodes or servers
 * can live in one process (tests) and the node can register more metrics in the same registry.
 *
 * Who updates what:
 * - the API server (src/api/server.ts): `rpcRequests`, `transactionsAccepted{source="rpc"}`,
 *   `transactionsRejected{source="rpc"}`, and, on every scrape, `headBlock` and `mempoolSize` (read
 *   from `SequencerView.health()`, so the node need not maintain them);
 * - the node: `blocks` and `transactionsIncluded` for every stored signed block, `blockProduction`
 *   (build → stored) and `signing` (partial signature → combined and verified) durations, and
 *   `transactionsAccepted`/`transactionsRejected` with `source="gossip"` for transactions reaching it
 *   from peers rather than from its own RPC.
 * Process metrics (CPU, memory, event-loop lag, GC) are collected with prom-client's defaults.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface DstMetrics {
  registry: Registry;
  /** Signed blocks stored by this node. */
  blocks: Counter;
  /** Transactions in stored signed blocks. */
  transactionsIncluded: Counter;
  transactionsAccepted: Counter<'source'>;
  /** Labelled by the typed `TransactionRejectionReason` and where the transaction came from. */
  transactionsRejected: Counter<'reason' | 'source'>;
  /** Number of the newest signed block. */
  headBlock: Gauge;
  mempoolSize: Gauge;
  /** Seconds from starting to build a block to storing it signed. */
  blockProduction: Histogram;
  /** Seconds from this node's partial signature to the verified combined signature. */
  signing: Histogram;
  /** JSON-RPC calls by method (known names only, else "unknown"/"invalid") and outcome. */
  rpcRequests: Counter<'method' | 'outcome'>;
}

/** Block times go down to 250 ms and signing is milliseconds: buckets from 0.5 ms to 10 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): DstMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    blocks: new Counter({ name: 'dst_blocks_total', help: 'Signed blocks stored', registers }),
    transactionsIncluded: new Counter({
      name: 'dst_transactions_included_total',
      help: 'Transactions included in stored signed blocks',
      registers,
    }),
    transactionsAccepted: new Counter({
      name: 'dst_transactions_accepted_total',
      help: 'Transactions admitted to the pool, by source',
      labelNames: ['source'] as const,
      registers,
    }),
    transactionsRejected: new Counter({
      name: 'dst_transactions_rejected_total',
      help: 'Transactions rejected, by reason and source',
      labelNames: ['reason', 'source'] as const,
      registers,
    }),
    headBlock: new Gauge({ name: 'dst_head_block_number', help: 'Number of the newest signed block', registers }),
    mempoolSize: new Gauge({ name: 'dst_mempool_transactions', help: 'Transactions pending in the pool', registers }),
    blockProduction: new Histogram({
      name: 'dst_block_production_seconds',
      help: 'Time from starting to build a block to storing it signed',
      buckets: DURATION_BUCKETS,
      registers,
    }),
    signing: new Histogram({
      name: 'dst_block_signing_seconds',
      help: 'Time from the partial signature to the verified combined signature',
      buckets: DURATION_BUCKETS,
      registers,
    }),
    rpcRequests: new Counter({
      name: 'dst_rpc_requests_total',
      help: 'JSON-RPC requests by method and outcome',
      labelNames: ['method', 'outcome'] as const,
      registers,
    }),
  };
}
