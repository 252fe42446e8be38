/**
 * The cluster's libp2p host (issue 7, "Networking"): `createClusterHost` checks its options and
 * composes the pieces, each of which owns its own state:
 *   - operators.ts: the operator list, validated, with this node found by its identity key;
 *   - connections.ts: the libp2p node (TCP, Noise, yamux, identify, ping) admitting only operator
 *     peer ids, dialling every operator and redialling it with backoff while it is disconnected;
 *   - streams.ts: length-prefixed msgpack frames over libp2p streams, the per-peer outbound streams
 *     and the counting of malformed and undelivered frames;
 *   - the three DST protocols on top: `/dst/consensus/1` (protocols/consensus.ts, signed QBFT
 *     envelopes), `/dst/tx/1` (protocols/gossip.ts, batched transaction gossip) and `/dst/sync/1`
 *     (protocols/sync.ts, block request/response).
 * Nothing a peer sends can throw out of the host.
 */
import './polyfill.js';
import { createConnections } from './connections.js';
import { ConsensusCodec } from './consensus-codec.js';
import { CONSENSUS_PROTOCOL, DEFAULT_LIMITS, SYNC_PROTOCOL, TX_PROTOCOL, type ClusterLimits } from './limits.js';
import { createOperators } from './operators.js';
import { createConsensusProtocol } from './protocols/consensus.js';
import { createGossipProtocol } from './protocols/gossip.js';
import { createSyncProtocol } from './protocols/sync.js';
import { createStreams } from './streams.js';
import type { ClusterHost, ClusterHostOptions } from './types.js';

/** The public types (ClusterHost, ClusterHostOptions, ClusterPeer, ClusterHostCounters, ConsensusHandler,
 * TransactionsHandler, BlockProvider). */
export type * from './types.js';

export async function createClusterHost<V>(options: ClusterHostOptions<V>): Promise<ClusterHost<V>> {
  const limits: ClusterLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger;
  if (options.identity.type !== 'Ed25519') {
    throw new Error(`identity: expected an Ed25519 private key, got ${options.identity.type}`);
  }
  const operators = createOperators(options.identity, options.peers);
  // Made before the node starts, so that a key it refuses fails the call without a node left running.
  const codec = new ConsensusCodec<V>(options.identity, operators.self, operators.all.map((p) => p.publicKey), options.values);

  const connections = await createConnections({ identity: options.identity, listen: options.listen, operators, logger });
  const streams = createStreams({ connections, protocols: [CONSENSUS_PROTOCOL, TX_PROTOCOL, SYNC_PROTOCOL], logger });
  const protocolOptions = { operators, limits, connections, streams, logger };
  const consensus = createConsensusProtocol({ ...protocolOptions, codec });
  const gossip = createGossipProtocol(protocolOptions);
  const sync = createSyncProtocol(protocolOptions);
  await connections.connect();

  return {
    self: operators.self,
    peerId: operators.ownPeerId.toString(),
    limits,
    listenAddresses: connections.listenAddresses,
    connectedPeers: connections.connectedPeers,
    pingLatencies: connections.pingLatencies,
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
      await connections.stop();
    },
  };
}
