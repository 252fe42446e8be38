/**
 * Public entry of the cluster's networking (issue 7, "Networking"): the libp2p host with the
 * consensus, transaction-gossip, sync and clock protocols, the admission of inbound connections, the
 * signed consensus envelopes and the framing.
 */
import './polyfill.js';
export { createClusterHost } from './host.js';
export type {
  BlockProvider,
  ClusterHost,
  ClusterHostCounters,
  ClusterHostOptions,
  ClusterPeer,
  ConnectionsRefused,
  ConsensusHandler,
  TransactionsHandler,
} from './host.js';
export { AuthenticationError, CONSENSUS_SIGNING_DOMAIN, ConsensusCodec, type Envelope, type ValueCodec } from './consensus-codec.js';
export { FRAME_HEADER_BYTES, FrameError, FrameReader, encodeFrame } from './framing.js';
// The protocol ids and the defaults of `createClusterHost({ limits })`; the transport's own timers and
// batch sizes (TX_BATCH_*, RECONNECT_*, SYNC_REQUEST_*, CLOCK_*, PEER_SILENT_MS, DNS_*) are not options and stay inside.
export {
  CLOCK_PROTOCOL,
  LEGACY_CLOCK_PROTOCOL,
  CONNECTIONS_PER_OPERATOR,
  CONSENSUS_FRAME_MAX_BYTES,
  CONSENSUS_PROTOCOL,
  DEFAULT_LIMITS,
  INBOUND_HANDSHAKE_TIMEOUT_MS,
  PENDING_INBOUND_PER_OPERATOR,
  SYNC_FRAME_MAX_BYTES,
  SYNC_MAX_BLOCKS,
  SYNC_PROTOCOL,
  TX_FRAME_MAX_BYTES,
  TX_PROTOCOL,
  type AcceptFrom,
  type ClusterLimits,
} from './limits.js';
