/**
 * Protocol ids and the named limits of the cluster's networking (issue 7, "Networking"). Every field
 * of `ClusterLimits` is an option of `createClusterHost({ limits })`; each default is here with the
 * reason it has this size. The other constants are the transport's own timers and sizes.
 */

export const CONSENSUS_PROTOCOL = '/dst/consensus/1';
export const TX_PROTOCOL = '/dst/tx/1';
export const SYNC_PROTOCOL = '/dst/sync/1';
/** The heartbeat: clock offsets, round trips and the failure detector (protocols/clock.ts). */
export const CLOCK_PROTOCOL = '/dst/time/2';
/** Its earlier version, still answered for nodes of that version (protocols/clock.ts). */
export const LEGACY_CLOCK_PROTOCOL = '/dst/time/1';

/** Where inbound connections may come from (see `ClusterLimits.acceptFrom`). */
export type AcceptFrom = 'operators' | 'any';

export interface ClusterLimits {
  /** Largest consensus frame accepted or sent. */
  readonly consensusFrameBytes: number;
  /** Largest transaction-gossip frame accepted. */
  readonly txFrameBytes: number;
  /** Largest frame on the sync protocol (one signed block per response frame). */
  readonly syncFrameBytes: number;
  /** Most blocks one sync request returns (K). */
  readonly syncMaxBlocks: number;
  /**
   * Which source addresses may open a TCP connection to this node (admission.ts):
   *   - `'operators'` (default): only the IP addresses of the lock's operators (`ClusterPeer.addrs`;
   *     `/dns4`, `/dns6` and `/dns` names resolved at start and again, at most every 10 s, when a
   *     connection is refused). Any other address is closed at accept, before the Noise handshake.
   *   - `'any'`: any address, for operators behind NAT or with changing addresses. Addresses not in
   *     the lock then share their own pending slots (below), so they cannot take the operators'.
   * Either way only the operators' peer ids get past the handshake.
   */
  readonly acceptFrom: AcceptFrom;
  /**
   * Unfinished inbound connections (accepted, handshake not done) allowed from one address, per
   * operator at that address; an address of k operators gets k times this. With `acceptFrom: 'any'`
   * an address not in the lock gets this many, and all such addresses together this many per other
   * operator. More are closed at accept.
   */
  readonly pendingInboundPerOperator: number;
  /** Longest an inbound connection may take from accept to a finished upgrade (Noise + yamux); then
   * it is closed, so an idle or half-open socket holds its slot this long at most. */
  readonly inboundHandshakeTimeoutMs: number;
  /** Most open connections one operator may have with this node; a new inbound one above it is
   * closed after the handshake. */
  readonly connectionsPerOperator: number;
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

/** How long a sync request may take before the client gives up. */
export const SYNC_REQUEST_TIMEOUT_MS = 10_000;

/**
 * 2 pending inbound connections per operator: an operator's dial, plus its next redial while the
 * first is still being refused or timed out. An honest operator has one connection being set up at
 * a time (it dials only while disconnected); a node that restarts is dialled by all n − 1 others at
 * once, which the per-operator sizing covers (all n − 1 on one address in a loopback devnet).
 */
export const PENDING_INBOUND_PER_OPERATOR = 2;

/**
 * 3 s from accept to a finished upgrade. An honest upgrade is at most about five round trips
 * (multistream for Noise, Noise XX's three messages, multistream for yamux) plus a few X25519 and
 * Ed25519 operations: under a second at a 150 ms round trip, with room for a busy event loop. libp2p's default is 10 s, with which 10 idle sockets hold all of a
 * node's pending slots for 10 s at a time; at 3 s an idle socket is closed 3× sooner, and the
 * per-address slots (above) keep sockets from elsewhere out of the operators' slots altogether.
 */
export const INBOUND_HANDSHAKE_TIMEOUT_MS = 3_000;

/**
 * 4 open connections per operator: one is the normal case; two when both sides dialled at once;
 * a third while a reconnect overlaps a dead connection that libp2p has not yet noticed; one spare.
 */
export const CONNECTIONS_PER_OPERATOR = 4;

/** DNS names in operators' addresses are resolved again, on a refused connection, at most this often. */
export const DNS_REFRESH_MS = 10_000;
/** How long the host's start waits for the first resolution of those names (a slower one completes later). */
export const DNS_START_TIMEOUT_MS = 2_000;

/** The heartbeat (protocols/clock.ts): each connected operator is asked for its time this often … */
export const CLOCK_INTERVAL_MS = 5_000;
/** … the offset reported is that of the sample with the least round trip among the last this many … */
export const CLOCK_SAMPLES = 8;
/** … and a request not answered within this time is dropped (its sample would be worthless). */
export const CLOCK_REQUEST_TIMEOUT_MS = 2_000;
/**
 * … and a peer that answered and then answers nothing for this long is taken for gone: its
 * connections are closed (three intervals, so that one slow answer on a busy host costs nothing).
 */
export const PEER_SILENT_MS = 15_000;
/** A clock frame: `[1, seq, time]` is at most 16 bytes of msgpack (a u32 and a float64); a `/dst/time/1` one is smaller. */
export const CLOCK_FRAME_MAX_BYTES = 24;

export const DEFAULT_LIMITS: ClusterLimits = {
  consensusFrameBytes: CONSENSUS_FRAME_MAX_BYTES,
  txFrameBytes: TX_FRAME_MAX_BYTES,
  syncFrameBytes: SYNC_FRAME_MAX_BYTES,
  syncMaxBlocks: SYNC_MAX_BLOCKS,
  acceptFrom: 'operators',
  pendingInboundPerOperator: PENDING_INBOUND_PER_OPERATOR,
  inboundHandshakeTimeoutMs: INBOUND_HANDSHAKE_TIMEOUT_MS,
  connectionsPerOperator: CONNECTIONS_PER_OPERATOR,
};
