/**
 * The cluster's operators as the host knows them (issue 7, "Networking"): the operator list of the
 * options, validated (indices exactly 0..n-1, Ed25519 peer ids, no duplicates), with this node found
 * among them by its identity key's peer id. The connection gater, the connect/disconnect tracking and
 * every protocol look peers up here: a peer id that is not an operator's has no index.
 */
import './polyfill.js';
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import type { ClusterPeer } from './types.js';

export interface ClusterOperator {
  readonly index: number;
  readonly peerId: PeerId;
  readonly publicKey: PublicKey;
  readonly addrs: readonly string[];
  /** Where it is dialled, when not through libp2p's address book (`ClusterPeer.dialAddrs`). */
  readonly dialAddrs?: readonly string[];
}

export interface Operators {
  /** Every operator, by index. */
  readonly all: readonly ClusterOperator[];
  /** This node's operator index. */
  readonly self: number;
  /** This node's peer id. */
  readonly ownPeerId: PeerId;
  /** Every operator but this node. */
  readonly others: readonly ClusterOperator[];
  /** The operator with this peer id, if it is one. */
  operatorOf(peerId: PeerId): ClusterOperator | undefined;
  /** The index of the operator with this peer id, -1 if it is none. */
  indexOf(peerId: PeerId): number;
}

/** The operators `peers`, with this node the one whose peer id is `identity`'s. */
export function createOperators(identity: PrivateKey, peers: readonly ClusterPeer[]): Operators {
  const ownPeerId = peerIdFromPrivateKey(identity);
  const all = checkOperators(peers);
  const selfOperator = all.find((p) => p.peerId.equals(ownPeerId));
  if (!selfOperator) {
    throw new Error(`identity key is not an operator: expected its peer id ${ownPeerId.toString()} among the peers`);
  }
  const self = selfOperator.index;
  const indexByPeer = new Map(all.map((p) => [p.peerId.toString(), p.index]));
  return {
    all,
    self,
    ownPeerId,
    others: all.filter((p) => p.index !== self),
    operatorOf(peerId) {
      const index = indexByPeer.get(peerId.toString());
      return index === undefined ? undefined : all[index];
    },
    indexOf: (peerId) => indexByPeer.get(peerId.toString()) ?? -1,
  };
}

/** Validate the operator list: indices exactly 0..n-1, Ed25519 peer ids, no duplicates. */
function checkOperators(peers: readonly ClusterPeer[]): ClusterOperator[] {
  const operators: ClusterOperator[] = [];
  const sorted = [...peers].sort((a, b) => a.index - b.index);
  const seen = new Set<string>();
  sorted.forEach((peer, position) => {
    if (peer.index !== position) {
      throw new Error(`peers: expected operator indices 0..${peers.length - 1} each once, got index ${peer.index}`);
    }
    const peerId = peerIdFromString(peer.peerId);
    if (peerId.type !== 'Ed25519' || !peerId.publicKey) {
      throw new Error(`peers: expected an Ed25519 peer id for operator ${peer.index}, got ${peer.peerId} (${peerId.type})`);
    }
    if (seen.has(peerId.toString())) throw new Error(`peers: peer id ${peer.peerId} appears twice`);
    seen.add(peerId.toString());
    operators.push({ index: peer.index, peerId, publicKey: peerId.publicKey, addrs: peer.addrs, dialAddrs: peer.dialAddrs });
  });
  return operators;
}
