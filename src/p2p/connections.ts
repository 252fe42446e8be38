/**
 * The cluster host's libp2p node and its connections to the other operators (issue 7, "Networking"):
 * js-libp2p 3.x over TCP with Noise (XX handshake, the identity key authenticates the peer id), yamux
 * multiplexing, identify and ping. Peers are exactly the operators given: a connection gater refuses
 * every other peer id in both directions, and every operator is dialled and redialled with
 * exponential backoff (limits.ts) while it is disconnected. Connected operators are pinged for the
 * latency metric. The protocols (protocols/) register their handlers and open their streams here.
 */
import './polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { DialProtocolOptions, PeerId, PrivateKey, Stream, StreamHandler } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { Logger } from 'pino';
import { PING_INTERVAL_MS, RECONNECT_INITIAL_DELAY_MS, RECONNECT_MAX_DELAY_MS } from './limits.js';
import type { ClusterOperator, Operators } from './operators.js';

export interface ConnectionsOptions {
  /** This node's identity key (its peer id). */
  readonly identity: PrivateKey;
  /** Multiaddrs to listen on. */
  readonly listen: readonly string[];
  readonly operators: Operators;
  readonly logger?: Logger;
}

export interface Connections {
  /** The addresses the node listens on (with the ports actually bound). */
  listenAddresses(): string[];
  /** Whether this node has a connection to `peer`. */
  isConnected(peer: ClusterOperator): boolean;
  /** Indices of the operators currently connected. */
  connectedPeers(): number[];
  /** Last measured ping round-trip time in ms, by operator index (connected operators only). */
  pingLatencies(): ReadonlyMap<number, number>;
  /** Handle inbound streams of `protocol`. */
  handle(protocol: string, handler: StreamHandler): Promise<void>;
  /** Open a stream of `protocol` to `peer` (dialling it if need be). */
  dialProtocol(peer: ClusterOperator, protocol: string, options?: DialProtocolOptions): Promise<Stream>;
  /** Start tracking connections, dial every other operator and ping the connected ones. Call it once,
   * after the protocol handlers are registered. */
  connect(): Promise<void>;
  /** Stop redialling and pinging, and stop the node. */
  stop(): Promise<void>;
}

/** Create and start the libp2p node (listening, no operator dialled yet: see `connect`). */
export async function createConnections(options: ConnectionsOptions): Promise<Connections> {
  const { operators } = options;
  const log = options.logger;
  const isOperator = (peer: PeerId): boolean => operators.operatorOf(peer) !== undefined;
  const node: Libp2p<{ ping: ReturnType<ReturnType<typeof ping>> }> = await createLibp2p({
    privateKey: options.identity,
    addresses: { listen: [...options.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
    connectionGater: {
      // Loopback and private addresses are the normal case for a cluster; only peer ids are filtered.
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer) => !isOperator(peer),
      denyInboundEncryptedConnection: (peer) => !isOperator(peer),
      denyOutboundEncryptedConnection: (peer) => !isOperator(peer),
    },
  });

  const latencies = new Map<number, number>();
  const reconnectDelay = new Map<number, number>();
  const reconnectTimers = new Map<number, NodeJS.Timeout>();
  let pingTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const isConnected = (peer: ClusterOperator): boolean => node.getConnections(peer.peerId).length > 0;

  /** Dial `peer` after `delay` unless it is connected by then; on failure, again with a doubled delay. */
  const scheduleDial = (peer: ClusterOperator, delay: number): void => {
    if (stopped || reconnectTimers.has(peer.index)) return;
    reconnectTimers.set(
      peer.index,
      setTimeout(() => {
        reconnectTimers.delete(peer.index);
        if (stopped || isConnected(peer)) return;
        node.dial(peer.peerId).then(
          () => reconnectDelay.set(peer.index, RECONNECT_INITIAL_DELAY_MS),
          (error: Error) => {
            const nextDelay = Math.min(2 * (reconnectDelay.get(peer.index) ?? RECONNECT_INITIAL_DELAY_MS), RECONNECT_MAX_DELAY_MS);
            reconnectDelay.set(peer.index, nextDelay);
            log?.debug({ peer: peer.index, err: error.message, retryMs: nextDelay }, 'dial failed');
            scheduleDial(peer, nextDelay);
          },
        );
      }, delay),
    );
  };
  const pingPeer = (peer: ClusterOperator): void => {
    node.services.ping.ping(peer.peerId).then(
      (ms) => latencies.set(peer.index, ms),
      () => latencies.delete(peer.index),
    );
  };

  return {
    listenAddresses: () => node.getMultiaddrs().map((a) => a.toString()),
    isConnected,
    connectedPeers: () => operators.others.filter(isConnected).map((p) => p.index),
    pingLatencies: () => new Map(latencies),
    handle: (protocol, handler) => node.handle(protocol, handler),
    dialProtocol: (peer, protocol, dialOptions) => node.dialProtocol(peer.peerId, protocol, dialOptions),

    async connect() {
      node.addEventListener('peer:connect', (event) => {
        const peer = operators.operatorOf(event.detail);
        if (!peer) return;
        reconnectDelay.set(peer.index, RECONNECT_INITIAL_DELAY_MS);
        log?.info({ peer: peer.index }, 'operator connected');
        pingPeer(peer);
      });
      node.addEventListener('peer:disconnect', (event) => {
        const peer = operators.operatorOf(event.detail);
        if (!peer) return;
        latencies.delete(peer.index);
        log?.info({ peer: peer.index }, 'operator disconnected');
        scheduleDial(peer, reconnectDelay.get(peer.index) ?? RECONNECT_INITIAL_DELAY_MS);
      });
      for (const peer of operators.others) {
        await node.peerStore.merge(peer.peerId, { multiaddrs: peer.addrs.map((a) => multiaddr(a)) });
        scheduleDial(peer, 0);
      }
      pingTimer = setInterval(() => {
        for (const peer of operators.others) if (isConnected(peer)) pingPeer(peer);
      }, PING_INTERVAL_MS);
    },

    async stop() {
      stopped = true;
      clearInterval(pingTimer);
      for (const timer of reconnectTimers.values()) clearTimeout(timer);
      reconnectTimers.clear();
      await node.stop();
    },
  };
}
