/**
 * Protocol ids and the named limits of the cluster's networking (issue 7, "Networking"). Every number
 * here is a default of `createClusterHost({ limits })`, with the reason it has this size.
 */

export const CONSENSUS_PROTOCOL = '/dst/consensus/1';
export const TX_PROTOCOL = '/dst/tx/1';
export const SYNC_PROTOCOL = '/dst/sync/1';

export interface ClusterLimits {
  /** Largest consensus frame accepted or sent. */
  readonly consensusFrameBytes: number;
  /** Largest transaction-gossip frame accepted. */
  readonly txFrameBytes: number;
  /** Largest frame on the sync protocol (one signed block per response frame). */
  readonly syncFrameBytes: number;
  /** Most blocks one sync request returns (K). */
  readonly syncMaxBlocks: number;
}

/** 1 MiB: the size of block this transport is sized for (≈ 9,000 typical 110-byte transactions). */
const BLOCK_BYTES = 1 << 20;

/**
 * 32 MiB. The largest consensus message is a round-2+ PRE-PREPARE: its own block plus a round-change
 * quorum whose members may each report a prepared block, i.e. up to n + 1 blocks with their signed
 * PREPAREs. Room for n = 16 at 1 MiB blocks, plus envelopes and signatures.
 */
export const CONSENSUS_FRAME_MAX_BYTES = (16 + 1) * BLOCK_BYTES + (15 << 20);

/**
 * 1 MiB. A sender flushes a batch at `TX_BATCH_MAX_BYTES`; a single transaction may be up to 128 KiB
 * (geth's txMaxSize, the usual mempool cap), so a batch never gets near 1 MiB from an honest peer.
 */
export const TX_FRAME_MAX_BYTES = 1 << 20;

/** 2 MiB: one signed block (≤ BLOCK_BYTES) with its signature and header, with headroom. */
export const SYNC_FRAME_MAX_BYTES = 2 * BLOCK_BYTES;

/** 64 blocks per request: at most 128 MiB in flight from one request at the frame limit, and few
 * round trips when catching up (a node 10 minutes behind at 1 block/s needs 10 requests). */
export const SYNC_MAX_BLOCKS = 64;

/** A sync request is `[from, to]`: two unsigned integers, a few bytes. */
export const SYNC_REQUEST_FRAME_MAX_BYTES = 32;

/** Gossip batching: a batch is sent after this delay from its first transaction … */
export const TX_BATCH_DELAY_MS = 5;
/** … or as soon as it holds this many transactions … */
export const TX_BATCH_MAX_COUNT = 512;
/** … or this many bytes, whichever comes first. 5 ms keeps the added latency far below a block time
 * while a load of 5,000 tx/s still fills ~25 transactions per frame. */
export const TX_BATCH_MAX_BYTES = 256 << 10;

/** Reconnect backoff to an operator that is not connected: first retry after … */
export const RECONNECT_INITIAL_DELAY_MS = 250;
/** … doubling each failure up to this cap, so a restarted node is found within seconds. */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/** How often each connected operator is pinged for the latency metric. */
export const PING_INTERVAL_MS = 5_000;

/** How long a sync request may take before the client gives up. */
export const SYNC_REQUEST_TIMEOUT_MS = 10_000;

export const DEFAULT_LIMITS: ClusterLimits = {
  consensusFrameBytes: CONSENSUS_FRAME_MAX_BYTES,
  txFrameBytes: TX_FRAME_MAX_BYTES,
  syncFrameBytes: SYNC_FRAME_MAX_BYTES,
  syncMaxBlocks: SYNC_MAX_BLOCKS,
};
