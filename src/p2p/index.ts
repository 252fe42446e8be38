/**
 * Public entry of the cluster's networking (issue 7, "Networking"): the libp2p host with the
 * consensus, transaction-gossip and sync protocols, the signed consensus envelopes and the framing.
 */
import './polyfill.js';
export { createClusterHost } from './host.js';
export type {
  BlockProvider,
  ClusterHost,
  ClusterHostCounters,
  ClusterHostOptions,
  ClusterPeer,
  ConsensusHandler,
  TransactionsHandler,
} from './host.js';
export { AuthenticationError, CONSENSUS_SIGNING_DOMAIN, ConsensusCodec, type Envelope, type ValueCodec } from './consensus-codec.js';
export { FRAME_HEADER_BYTES, FrameError, FrameReader, encodeFrame } from './framing.js';
export * from './limits.js';
