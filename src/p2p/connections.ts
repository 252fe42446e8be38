/**
 * The cluster host's libp2p node and its connections to the other operators (issue 7, "Networking"):
 * js-libp2p 3.x over TCP with Noise (XX handshake, the identity key authenticates the peer id), yamux
 * multiplexing and identify. Peers are exactly the operators given:
 *   - inbound, admission.ts decides through the connection gater: at accept, before any handshake
 *     byte, by source address (the operators' addresses only, unless `limits.acceptFrom` is 'any')
 *     and by pending-slot caps, with a handshake timeout; after Noise, by peer id;
 *   - outbound, only operators' peer ids are dialled or kept (the gater refuses any other).
 * libp2p's own connection-manager caps are set above admission's (so admission refuses first and
 * counts every refusal) and its per-host rate limit is off (admission's caps bound each address).
 * Every operator is dialled, and redialled with exponential backoff (limits.ts) while it is
 * disconnected, whatever made the dial fail (refused at accept, timed out, reset). An operator with
 * `dialAddrs` is dialled at exactly those multiaddrs (never at what its identify announces, which
 * replaces libp2p's address book entry): a relay in front of it stays the only way to it.
 * No libp2p ping service and no connection monitor: each opens a stream per ping, and the node's
 * heartbeat (protocols/clock.ts) measures latency and detects a silent peer over a long-lived stream
 * instead (`closeConnections` carries out its verdict). The protocols (protocols/) register their handlers,
 * open their streams and follow peers connecting and disconnecting here. Yamux credits a stream's
 * receive window once half of it is used, not after every frame (yamux-window.ts), and each Noise
 * message leaves in one socket write, not two (noise-writes.ts).
 */
import './polyfill.js';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { DialProtocolOptions, PeerId, PrivateKey, Stream, StreamHandler } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { Logger } from 'pino';
import { createAdmission, type ConnectionsRefused, type Resolver } from './admission.js';
import { RECONNECT_INITIAL_DELAY_MS, RECONNECT_MAX_DELAY_MS, type ClusterLimits } from './limits.js';
import type { ClusterOperator, Operators } from './operators.js';
import { coalescedNoise } from './noise-writes.js';
import { installHalfWindowUpdates } from './yamux-window.js';

/** Room above admission's pending caps in libp2p's own cap (which counts a refused connection until
 * the gater's answer, a microtask later, and a timed-out one until its upgrade unwinds). */
const LIBP2P_PENDING_MARGIN = 16;

export interface ConnectionsOptions {
  /** This node's identity key (its peer id). */
  readonly identity: PrivateKey;
  /** Multiaddrs to listen on. */
  readonly listen: readonly string[];
  readonly operators: Operators;
  readonly limits: ClusterLimits;
  /** How DNS names in operators' addresses are resolved for admission (default: the system resolver). */
  readonly resolve?: Resolver;
  /**
   * How long after `connect()` the first dial to `peer` waits (default 0: every operator at once). A
   * dial that finds the peer connected by then (it dialled us) is skipped; redials after a disconnect
   * are not delayed. The ceremony host (src/cluster/dkg/transport.ts) dials one side of each pair
   * first, so that n operators starting together make n(n − 1)/2 handshakes, not n(n − 1).
   */
  readonly firstDialDelayMs?: (peer: ClusterOperator) => number;
  /**
   * The longest wait between redials of a peer that is not reachable yet (default `RECONNECT_MAX_DELAY_MS`,
   * limits.ts). A ceremony, whose operators start within seconds of each other and which waits for
   * all of them, caps it lower so that the last operator to start is found soon after it listens.
   */
  readonly redialMaxDelayMs?: number;
  /** libp2p's dial timeout, and its per-address one (default libp2p's, 10 s and 6 s): a handshake on a starved event loop may need longer, and an aborted one wastes the CPU it took. */
  readonly dialTimeoutMs?: number;
  /**
   * A short-lived host whose peers' addresses are all known (the DKG ceremony's, src/cluster/dkg/transport.ts):
   * no identify exchange (a signed peer record to verify and a peer-store update per connection).
   * Default false (the running node's host). Neither host runs libp2p's ping service or its
   * connection monitor: the node's heartbeat (protocols/clock.ts) measures latency and detects a peer
   * gone silent over a long-lived stream, and a ceremony's own timeouts name a peer that is really gone.
   */
  readonly shortLived?: boolean;
  readonly logger?: Logger;
}

export interface Connections {
  /** The addresses the node listens on (with the ports actually bound). */
  listenAddresses(): string[];
  /** Whether this node has a connection to `peer`. */
  isConnected(peer: ClusterOperator): boolean;
  /** Indices of the operators currently connected. */
  connectedPeers(): number[];
  /** Closes every connection to `peer` (a failure detector's verdict); the redial takes over. */
  closeConnections(peer: ClusterOperator, reason: Error): void;
  /** Inbound connections closed by admission, by reason (admission.ts). */
  connectionsRefused(): ConnectionsRefused;
  /** Call `handler` when an operator connects (its first connection opens) … */
  onPeerConnected(handler: (peer: ClusterOperator) => void): void;
  /** … and when it disconnects (its last connection closes). */
  onPeerDisconnected(handler: (peer: ClusterOperator) => void): void;
  /** Handle inbound streams of `protocol`. */
  handle(protocol: string, handler: StreamHandler): Promise<void>;
  /** Open a stream of `protocol` to `peer` (dialling it if need be). */
  dialProtocol(peer: ClusterOperator, protocol: string, options?: DialProtocolOptions): Promise<Stream>;
  /** Start tracking connections and dial every other operator. Call it once,
   * after the protocol handlers are registered. */
  connect(): Promise<void>;
  /** Stop redialling, and stop the node. */
  stop(): Promise<void>;
}

/** Create and start the libp2p node (listening, no operator dialled yet: see `connect`). */
export async function createConnections(options: ConnectionsOptions): Promise<Connections> {
  const { operators, limits } = options;
  const log = options.logger;
  const isOperator = (peer: PeerId): boolean => operators.operatorOf(peer) !== undefined;
  let node: Libp2p | undefined;
  const admission = createAdmission({
    operators,
    limits,
    openConnections: (peer) => node?.getConnections(peer).length ?? 0,
    resolve: options.resolve,
    logger: log,
  });
  await admission.start();
  const others = operators.others.length;
  installHalfWindowUpdates();
  node = await createLibp2p({
    privateKey: options.identity,
    addresses: { listen: [...options.listen] },
    transports: [tcp()],
    connectionEncrypters: [coalescedNoise()],
    streamMuxers: [yamux()],
    services: options.shortLived ? undefined : { identify: identify() },
    connectionMonitor: { enabled: false },
    connectionManager: {
      maxIncomingPendingConnections: admission.maxPending + LIBP2P_PENDING_MARGIN,
      inboundConnectionThreshold: Number.MAX_SAFE_INTEGER,
      // A backstop: admission closes an unfinished upgrade at inboundHandshakeTimeoutMs.
      inboundUpgradeTimeout: limits.inboundHandshakeTimeoutMs + 1_000,
      // Only operators get past the handshake, each with at most connectionsPerOperator inbound ones
      // and our own dial: libp2p's cap (and its pruning) is never reached.
      maxConnections: (limits.connectionsPerOperator + 1) * Math.max(others, 1) + 1,
      ...(options.dialTimeoutMs === undefined ? {} : { dialTimeout: options.dialTimeoutMs, addressDialTimeout: options.dialTimeoutMs }),
    },
    connectionGater: {
      // Loopback and private addresses are the normal case for a cluster; only operators are dialled.
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer) => !isOperator(peer),
      denyInboundConnection: (maConn) => admission.denyInboundConnection(maConn),
      denyInboundEncryptedConnection: (peer, maConn) => admission.denyInboundEncryptedConnection(peer, maConn),
      denyInboundUpgradedConnection: (peer, maConn) => admission.denyInboundUpgradedConnection(peer, maConn),
      denyOutboundEncryptedConnection: (peer) => !isOperator(peer),
    },
  });
  const libp2p = node;
  const connectedHandlers: ((peer: ClusterOperator) => void)[] = [];
  const disconnectedHandlers: ((peer: ClusterOperator) => void)[] = [];

  const reconnectDelay = new Map<number, number>();
  const reconnectTimers = new Map<number, NodeJS.Timeout>();
  let stopped = false;

  const isConnected = (peer: ClusterOperator): boolean => libp2p.getConnections(peer.peerId).length > 0;
  /** What a dial to `peer` names: its peer id (libp2p's address book), or its `dialAddrs` only. */
  const dialTarget = (peer: ClusterOperator) => (peer.dialAddrs === undefined ? peer.peerId : peer.dialAddrs.map((a) => multiaddr(`${a}/p2p/${peer.peerId.toString()}`)));

  /** Dial `peer` after `delay` unless it is connected by then; on failure, again with a doubled delay. */
  const scheduleDial = (peer: ClusterOperator, delay: number): void => {
    if (stopped || reconnectTimers.has(peer.index)) return;
    reconnectTimers.set(
      peer.index,
      setTimeout(() => {
        reconnectTimers.delete(peer.index);
        if (stopped || isConnected(peer)) return;
        libp2p.dial(dialTarget(peer)).then(
          () => reconnectDelay.set(peer.index, RECONNECT_INITIAL_DELAY_MS),
          (error: Error) => {
            const nextDelay = Math.min(2 * (reconnectDelay.get(peer.index) ?? RECONNECT_INITIAL_DELAY_MS), options.redialMaxDelayMs ?? RECONNECT_MAX_DELAY_MS);
            reconnectDelay.set(peer.index, nextDelay);
            log?.debug({ share: peer.index + 1, err: error.message, retryMs: nextDelay }, 'dial failed');
            scheduleDial(peer, nextDelay);
          },
        );
      }, delay),
    );
  };

  return {
    listenAddresses: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    isConnected,
    connectedPeers: () => operators.others.filter(isConnected).map((p) => p.index),
    closeConnections: (peer, reason) => {
      for (const connection of libp2p.getConnections(peer.peerId)) connection.abort(reason);
    },
    connectionsRefused: () => admission.connectionsRefused(),
    onPeerConnected: (handler) => void connectedHandlers.push(handler),
    onPeerDisconnected: (handler) => void disconnectedHandlers.push(handler),
    handle: (protocol, handler) => libp2p.handle(protocol, handler),
    dialProtocol: (peer, protocol, dialOptions) => libp2p.dialProtocol(dialTarget(peer), protocol, dialOptions),

    async connect() {
      libp2p.addEventListener('peer:connect', (event) => {
        const peer = operators.operatorOf(event.detail);
        if (!peer) return;
        reconnectDelay.set(peer.index, RECONNECT_INITIAL_DELAY_MS);
        log?.info({ share: peer.index + 1 }, 'operator connected');
        for (const handler of connectedHandlers) handler(peer);
      });
      libp2p.addEventListener('peer:disconnect', (event) => {
        const peer = operators.operatorOf(event.detail);
        if (!peer) return;
        log?.info({ share: peer.index + 1 }, 'operator disconnected');
        for (const handler of disconnectedHandlers) handler(peer);
        scheduleDial(peer, reconnectDelay.get(peer.index) ?? RECONNECT_INITIAL_DELAY_MS);
      });
      for (const peer of operators.others) {
        await libp2p.peerStore.merge(peer.peerId, { multiaddrs: peer.addrs.map((a) => multiaddr(a)) });
        scheduleDial(peer, options.firstDialDelayMs?.(peer) ?? 0);
      }
    },

    async stop() {
      stopped = true;
      for (const timer of reconnectTimers.values()) clearTimeout(timer);
      reconnectTimers.clear();
      admission.stop();
      await libp2p.stop();
    },
  };
}
