/**
 * The cluster's libp2p host (issue 7, "Networking"): `createClusterHost` checks its options and
 * composes the pieces, each of which owns its own state:
 *   - operators.ts: the operator list, validated, with this node found by its identity key;
 *   - admission.ts: which inbound connections may start a handshake: by source address (the lock's
 *     operators' addresses only, unless `limits.acceptFrom` is 'any'), within pending-slot caps
 *     sized per operator, with a handshake timeout; then only operators' peer ids, each with a cap
 *     on its open connections (`connectionsRefused()` counts what it closed, by reason);
 *   - connections.ts: the libp2p node (TCP, Noise, yamux, identify) with admission as its
 *     connection gater, dialling every operator and redialling it with backoff while it is disconnected;
 *   - streams.ts: length-prefixed msgpack frames over libp2p streams, the per-peer outbound streams
 *     and the counting of malformed and undelivered frames;
 *   - the DST protocols on top: `/dst/consensus/1` (protocols/consensus.ts, signed QBFT envelopes),
 *     `/dst/tx/1` (protocols/gossip.ts, batched transaction gossip), `/dst/sync/1` (protocols/sync.ts,
 *     block request/response) and `/dst/time/2` (protocols/clock.ts, the heartbeat: the peers' clock
 *     offsets, `clockOffsets()`, measured with the `now` option's clock, the round trips,
 *     `pingLatencies()`, and the failure detector; one request on demand with `measureClock(peer)`,
 *     what `dst test peers` uses).
 * Nothing a peer sends can throw out of the host.
 */
import './polyfill.js';
import { createConnections } from './connections.js';
import { ConsensusCodec } from './consensus-codec.js';
import { CLOCK_PROTOCOL, CONSENSUS_PROTOCOL, DEFAULT_LIMITS, LEGACY_CLOCK_PROTOCOL, SYNC_PROTOCOL, TX_PROTOCOL, type ClusterLimits } from './limits.js';
import { createOperators } from './operators.js';
import { createClockProtocol } from './protocols/clock.js';
import { createConsensusProtocol } from './protocols/consensus.js';
import { createGossipProtocol } from './protocols/gossip.js';
import { createSyncProtocol } from './protocols/sync.js';
import { createStreams } from './streams.js';
import type { ClusterHost, ClusterHostOptions } from './types.js';

/** The public types (ClusterHost, ClusterHostOptions, ClusterPeer, ClusterHostCounters, ConnectionsRefused,
 * ConsensusHandler, TransactionsHandler, BlockProvider). */
export type * from './types.js';

export async function createClusterHost<V>(options: ClusterHostOptions<V>): Promise<ClusterHost<V>> {
  // A limit given as undefined keeps its default (a config may pass an unset flag through).
  const given = Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, value]) => value !== undefined));
  const limits: ClusterLimits = { ...DEFAULT_LIMITS, ...given };
  checkLimits(limits);
  const logger = options.logger;
  const now = options.now ?? Date.now;
  if (options.identity.type !== 'Ed25519') {
    throw new Error(`identity: expected an Ed25519 private key, got ${options.identity.type}`);
  }
  const operators = createOperators(options.identity, options.peers);
  // Made before the node starts, so that a key it refuses fails the call without a node left running.
  const codec = new ConsensusCodec<V>(options.identity, operators.self, operators.all.map((p) => p.publicKey), options.values);

  const connections = await createConnections({ identity: options.identity, listen: options.listen, operators, limits, logger });
  const streams = createStreams({ connections, protocols: [CONSENSUS_PROTOCOL, TX_PROTOCOL, SYNC_PROTOCOL, CLOCK_PROTOCOL, LEGACY_CLOCK_PROTOCOL], logger });
  const protocolOptions = { operators, limits, connections, streams, logger };
  const consensus = createConsensusProtocol({ ...protocolOptions, codec });
  const gossip = createGossipProtocol(protocolOptions);
  const sync = createSyncProtocol(protocolOptions);
  const clock = createClockProtocol({ operators, connections, streams, now, logger });
  await connections.connect();
  clock.start();

  return {
    self: operators.self,
    peerId: operators.ownPeerId.toString(),
    limits,
    listenAddresses: connections.listenAddresses,
    connectedPeers: connections.connectedPeers,
    pingLatencies: clock.roundTrips,
    clockOffsets: clock.clockOffsets,
    measureClock: clock.sample,
    connectionsRefused: connections.connectionsRefused,
    counters: () => ({
      malformedFrames: streams.malformedFrames(),
      rejectedConsensusMessages: consensus.rejectedMessages(),
      undeliveredMessages: streams.undeliveredMessages(),
    }),

    send: consensus.send,
    broadcast: consensus.broadcast,
    onConsensusMessage: consensus.onConsensusMessage,

    gossipTransactions: gossip.gossipTransactions,
    onTransactions: gossip.onTransactions,

    provideBlocks: sync.provideBlocks,
    requestBlocks: sync.requestBlocks,

    async stop() {
      // Transactions queued for gossip leave first: a node stopped cleanly right after accepting a
      // transaction must not keep it to itself. Bounded, so that an unreachable peer cannot hold the stop.
      gossip.flush();
      await streams.flush();
      streams.close();
      gossip.stop();
      clock.stop();
      await connections.stop();
    },
  };
}

/** Refuse limits that would make the host unusable (a typo in a config, a wrong unit). */
function checkLimits(limits: ClusterLimits): void {
  if (limits.acceptFrom !== 'operators' && limits.acceptFrom !== 'any') {
    throw new Error(`limits.acceptFrom: expected 'operators' or 'any', got ${String(limits.acceptFrom)}`);
  }
  for (const key of ['pendingInboundPerOperator', 'inboundHandshakeTimeoutMs', 'connectionsPerOperator'] as const) {
    if (!Number.isSafeInteger(limits[key]) || limits[key] < 1) throw new Error(`limits.${key}: expected a positive integer, got ${limits[key]}`);
  }
}
