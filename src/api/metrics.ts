/**
 * Prometheus metrics of a DST node (prom-client, exposition format 0.0.4 on `/metrics`).
 *
 * One `DstMetrics` holds its own `Registry` (not prom-client's global one), so several nodes or servers
 * can live in one process (tests) and the node can register more metrics in the same registry.
 *
 * Who updates what:
 * - the API server (src/api/server.ts): `rpcRequests`, `rpcLimited`, `transactionsAccepted{source="rpc"}`,
 *   `transactionsRejected{source="rpc"}`, and, on every scrape, `headBlock`, `headTimestamp`,
 *   `mempoolSize`, `mempoolOldestAge` and `ready` (read from `SequencerView.health()`, so the node need
 *   not maintain them) and `clusterNodes`, `clusterThreshold` and `blockTime` (from `clusterInfo()`:
 *   what the alert rules in deploy/prometheus/alerts.yml compare with);
 * - the node: `blocks` and `transactionsIncluded` for every stored signed block, `blockProduction`
 *   (build → stored) and `signing` (partial signature → combined and verified) durations, and
 *   `transactionsAccepted`/`transactionsRejected` with `source="gossip"` for transactions reaching it
 *   from peers rather than from its own RPC;
 * - the node in a cluster, in addition: consensus duration and rounds per height, round timeouts, the
 *   round-1 timeout in effect, the current round's leader and how many operators its height's round-1
 *   leader skips, peers connected and their ping latency, partial signatures received from
 *   peers and found invalid, and sync progress (src/node/sequencer.ts).
 * - with an execution endpoint (`dst run --execution-rpc`): `rpcForwarded` and `rpcForwardSeconds`
 *   (src/cli/execution-rpc.ts, from the client's `observe`), `fundsChecks` (src/node/funds.ts).
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
  /** Transactions a peer gossiped that this node refused, by peer (1-based operator index) and reason. */
  gossipRejected: Counter<'peer' | 'reason'>;
  /** Number of the newest signed block. */
  headBlock: Gauge;
  mempoolSize: Gauge;
  /** Timestamp of the newest signed block, seconds since the epoch (0: only genesis). */
  headTimestamp: Gauge;
  /** 1 when the node is ready (GET /readyz would answer 200), else 0. */
  ready: Gauge;
  /** The cluster's size n, its signing threshold t, and its block time in seconds (from the lock). */
  clusterNodes: Gauge;
  clusterThreshold: Gauge;
  blockTime: Gauge;
  mempoolOldestAge: Gauge;
  /** Seconds from starting to build a block to storing it signed. */
  blockProduction: Histogram;
  /** Seconds from this node's partial signature to the verified combined signature. */
  signing: Histogram;
  /** JSON-RPC calls by method (a fixed list of known names, else "other"; "invalid" for no request: ./method-names.ts) and outcome. */
  rpcRequests: Counter<'method' | 'outcome'>;
  /**
   * Refusals by the endpoint's limits (src/api/limits.ts), one per refusal, by `RpcLimitName`: requests,
   * transactions, batch-length, connections-per-address, connections-total, subscriptions, in-flight,
   * unread-bytes, response-bytes.
   */
  rpcLimited: Counter<'limit'>;
  /**
   * With an execution endpoint (src/api/forward.ts): calls to it by method — the forwarded ones, and
   * the node's own (`eth_feeHistory` for the blocks' base fee, `eth_blockNumber` and `eth_getBalance`
   * for admission's funds check) — and how their HTTP request ended (`answered` — the endpoint's
   * result or error —, `unreachable`, `timeout`, `too-large`, `invalid`, `busy`); a batch's calls
   * count once each. The method label is bounded: only those names are ever sent.
   */
  rpcForwarded: Counter<'method' | 'outcome'>;
  /** Seconds per forwarded HTTP request (one per forwarded call or batch of them). */
  rpcForwardSeconds: Histogram;
  /**
   * Admission's balance checks against the execution endpoint (src/node/funds.ts), by outcome:
   * `paid` (admitted), `insufficient` (refused), `unavailable` (endpoint down: admitted or refused by
   * the policy, `--execution-rpc-unavailable`).
   */
  fundsChecks: Counter<'outcome'>;
  /** Seconds from starting a height's consensus to its decision. */
  consensusDuration: Histogram;
  /** The QBFT round in which each height was decided (1 = no round change). */
  consensusRounds: Histogram;
  /** Round timers that expired (each asks for a round change). */
  roundTimeouts: Counter;
  /** 1-based share index of the leader of the current round. */
  leader: Gauge;
  /** Operators the current height's round-1 leader skips (leader reputation, docs/qbft.md). */
  leaderSkipped: Gauge;
  /** The round-1 timeout in effect (fitted to the network, docs/qbft.md), seconds. */
  roundTimeout: Gauge;
  /** Other operators currently connected. */
  peersConnected: Gauge;
  /** Last ping round trip to each connected operator, seconds, by 1-based share index. */
  peerPing: Gauge<'peer'>;
  /** Each peer's clock against this node's, in seconds (positive: the peer's is ahead). */
  peerClockOffset: Gauge<'peer'>;
  /** Inbound p2p connections refused, by reason (not_operator, unknown_peer, over_limit, timed_out). */
  connectionsRefused: Counter<'reason'>;
  /** COMMIT partial signatures received from peers. */
  partialsReceived: Counter;
  /** Partial signatures that failed verification, by 1-based share index of the signer. */
  partialsInvalid: Counter<'peer'>;
  /** Sync: the highest block number peers have offered (0 when not syncing). */
  syncTarget: Gauge;
  /** Signed blocks fetched from peers and stored by sync. */
  syncBlocks: Counter;
}

/**
 * How often the event-loop delay is sampled for the `nodejs_eventloop_lag_*` gauges (prom-client's
 * default is every 10 ms). Each sample wakes the event loop: at 10 ms those wake-ups were a third of an
 * idle node's CPU (a 4-node devnet without load: 1.35 % → 0.85 % of a core at 100 ms, issue 16); a
 * stall worth alerting on lasts far longer than 100 ms.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/** Block times go down to 250 ms and signing is milliseconds: buckets from 0.5 ms to 10 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): DstMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
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
    gossipRejected: new Counter({
      name: 'dst_gossip_rejected_total',
      help: 'Gossiped transactions refused, by peer and reason (throttled, peer-share, or the decoder\'s or pool\'s reason)',
      labelNames: ['peer', 'reason'] as const,
      registers,
    }),
    headBlock: new Gauge({ name: 'dst_head_block_number', help: 'Number of the newest signed block', registers }),
    mempoolSize: new Gauge({ name: 'dst_mempool_transactions', help: 'Transactions pending in the pool', registers }),
    headTimestamp: new Gauge({ name: 'dst_head_block_timestamp_seconds', help: 'Timestamp of the newest signed block, seconds since the epoch (0 while only genesis)', registers }),
    ready: new Gauge({ name: 'dst_node_ready', help: '1 when the node is ready to take part (GET /readyz answers 200), else 0', registers }),
    clusterNodes: new Gauge({ name: 'dst_cluster_nodes', help: 'Operators in the cluster (n, from the lock)', registers }),
    clusterThreshold: new Gauge({ name: 'dst_cluster_threshold', help: 'Partial signatures needed to sign a block (t, from the lock)', registers }),
    blockTime: new Gauge({ name: 'dst_block_time_seconds', help: 'Least time between blocks (from the lock), seconds', registers }),
    mempoolOldestAge: new Gauge({ name: 'dst_mempool_oldest_transaction_age_seconds', help: 'How long the oldest transaction in the pool has waited (0 when the pool is empty)', registers }),
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
    consensusDuration: new Histogram({
      name: 'dst_consensus_duration_seconds',
      help: 'Time from starting a height to its QBFT decision',
      buckets: DURATION_BUCKETS,
      registers,
    }),
    consensusRounds: new Histogram({
      name: 'dst_consensus_rounds',
      help: 'Round in which each height was decided',
      buckets: [1, 2, 3, 4, 6, 8, 16],
      registers,
    }),
    roundTimeouts: new Counter({ name: 'dst_round_timeouts_total', help: 'QBFT round timers that expired', registers }),
    leader: new Gauge({ name: 'dst_leader_index', help: 'Share index (1-based) of the current round leader', registers }),
    leaderSkipped: new Gauge({ name: 'dst_leader_skipped_operators', help: "Operators the current height's round-1 leader skips (failed as round-1 leader in the leader-reputation window)", registers }),
    roundTimeout: new Gauge({ name: 'dst_round_timeout_seconds', help: 'Round-1 timeout in effect, fitted to measured decision times and peer round trips (round r lasts r times this)', registers }),
    peersConnected: new Gauge({ name: 'dst_peers_connected', help: 'Other operators currently connected', registers }),
    peerPing: new Gauge({
      name: 'dst_peer_ping_seconds',
      help: 'Latest heartbeat round trip (/dst/time/2, every 5 s) to each connected operator, by share index',
      labelNames: ['peer'] as const,
      registers,
    }),
    peerClockOffset: new Gauge({
      name: 'dst_peer_clock_offset_seconds',
      help: "Each operator's clock against this node's, measured over /dst/time/2 (positive: the peer's is ahead)",
      labelNames: ['peer'] as const,
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'dst_p2p_connections_refused_total',
      help: 'Inbound p2p connections refused: from an address not in the lock, of a peer id not an operator, over a limit, or handshakes not finished in time',
      labelNames: ['reason'] as const,
      registers,
    }),
    partialsReceived: new Counter({ name: 'dst_partial_signatures_received_total', help: 'COMMIT partial signatures received from peers', registers }),
    partialsInvalid: new Counter({
      name: 'dst_partial_signatures_invalid_total',
      help: 'Partial signatures that failed verification, by share index of the signer',
      labelNames: ['peer'] as const,
      registers,
    }),
    syncTarget: new Gauge({ name: 'dst_sync_target_block_number', help: 'Highest block number offered by peers during sync', registers }),
    syncBlocks: new Counter({ name: 'dst_sync_blocks_total', help: 'Signed blocks fetched from peers and stored by sync', registers }),
    rpcRequests: new Counter({
      name: 'dst_rpc_requests_total',
      help: 'JSON-RPC requests by method and outcome',
      labelNames: ['method', 'outcome'] as const,
      registers,
    }),
    rpcForwarded: new Counter({
      name: 'dst_rpc_forwarded_total',
      help: "Calls to the execution endpoint (forwarded ones and the node's own base-fee and balance queries), by method and how the request ended",
      labelNames: ['method', 'outcome'] as const,
      registers,
    }),
    rpcForwardSeconds: new Histogram({ name: 'dst_rpc_forward_seconds', help: 'Time per HTTP request forwarded to the execution endpoint', buckets: DURATION_BUCKETS, registers }),
    fundsChecks: new Counter({
      name: 'dst_admission_funds_checks_total',
      help: "Admission's balance checks at the execution endpoint, by outcome (paid, insufficient, unavailable)",
      labelNames: ['outcome'] as const,
      registers,
    }),
    rpcLimited: new Counter({
      name: 'dst_rpc_limited_total',
      help: 'Requests, messages and connections refused by the RPC endpoint limits, by limit',
      labelNames: ['limit'] as const,
      registers,
    }),
  };
}
