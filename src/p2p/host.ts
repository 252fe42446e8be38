/**
 * The cluster's libp2p host (issue 7, "Networking"): js-libp2p 3.x over TCP with Noise (XX handshake,
 * the identity key authenticates the peer id), yamux multiplexing, identify and ping, and the three
 * DST protocols on top:
 *   - `/dst/consensus/1`: QBFT messages in signed envelopes (consensus-codec.ts), one long-lived
 *     outbound stream per peer, authenticated before they are handed up;
 *   - `/dst/tx/1`: transaction gossip, batched (many raw transactions per frame, see limits.ts);
 *   - `/dst/sync/1`: request/response — request `[from, to]`, response up to K frames of one signed
 *     block (opaque bytes) each, then the responder closes its side.
 * Frames are length-prefixed msgpack (framing.ts). Peers are exactly the operators given: a
 * connection gater refuses every other peer id in both directions, and every operator is dialled and
 * redialled with exponential backoff while it is disconnected. A malformed or oversized frame closes
 * its stream and is counted; nothing a peer sends can throw out of the host.
 */
import './polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Connection, PeerId, PrivateKey, PublicKey, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { Logger } from 'pino';
import type { QbftMessage } from '../consensus/qbft/types.js';
import { AuthenticationError, ConsensusCodec, type ValueCodec } from './consensus-codec.js';
import { FrameError, FrameReader, encodeFrame } from './framing.js';
import {
  CONSENSUS_PROTOCOL,
  DEFAULT_LIMITS,
  PING_INTERVAL_MS,
  RECONNECT_INITIAL_DELAY_MS,
  RECONNECT_MAX_DELAY_MS,
  SYNC_PROTOCOL,
  SYNC_REQUEST_FRAME_MAX_BYTES,
  SYNC_REQUEST_TIMEOUT_MS,
  TX_BATCH_DELAY_MS,
  TX_BATCH_MAX_BYTES,
  TX_BATCH_MAX_COUNT,
  TX_PROTOCOL,
  type ClusterLimits,
} from './limits.js';

/** How long `stop()` waits for queued frames (gossip, consensus) to be sent. */
const STOP_FLUSH_TIMEOUT_MS = 1_000;

export interface ClusterPeer {
  /** Operator index, 0..n-1 (the QBFT node index). */
  readonly index: number;
  /** The operator's libp2p peer id (base58 string), derived from its Ed25519 identity key. */
  readonly peerId: string;
  /** Where to dial it (multiaddrs, e.g. `/ip4/10.0.0.2/tcp/9000`). */
  readonly addrs: readonly string[];
}

export interface ClusterHostOptions<V = unknown> {
  /** This node's Ed25519 identity key (its peer id; signs its consensus messages). */
  readonly identity: PrivateKey;
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/9000` (port 0 picks a free port). */
  readonly listen: readonly string[];
  /** Every operator of the cluster, this node included (found by its peer id). */
  readonly peers: readonly ClusterPeer[];
  readonly limits?: Partial<ClusterLimits>;
  /** How consensus values travel (default: as they are, msgpack-encoded); see consensus-codec.ts. */
  readonly values?: ValueCodec<V>;
  readonly logger?: Logger;
}

/** Counters of what peers did wrong (for metrics and tests). */
export interface ClusterHostCounters {
  /** Frames that were oversized or not decodable, by protocol id; each closed its stream. */
  readonly malformedFrames: Record<string, number>;
  /** Consensus messages dropped for a bad signature or a sender that is not the connection's peer. */
  readonly rejectedConsensusMessages: number;
  /** Messages not delivered because the peer was not connected or the stream failed. */
  readonly undeliveredMessages: number;
}

export type ConsensusHandler<V> = (message: QbftMessage<V>, from: number) => void;
export type TransactionsHandler = (transactions: Uint8Array[], from: number) => void;
/** Signed blocks `from..to` (inclusive, already clamped to the K limit), as encoded bytes; fewer if
 * this node does not have them all. */
export type BlockProvider = (from: number, to: number) => Promise<Uint8Array[]> | Uint8Array[];

export interface ClusterHost<V> {
  readonly self: number;
  readonly peerId: string;
  /** The limits in force (defaults merged with the options'); sync asks for `syncMaxBlocks` at a time. */
  readonly limits: ClusterLimits;
  /** The addresses the host listens on (with the ports actually bound). */
  listenAddresses(): string[];
  /** Indices of the operators currently connected. */
  connectedPeers(): number[];
  /** Last measured ping round-trip time in ms, by operator index (connected operators only). */
  pingLatencies(): ReadonlyMap<number, number>;
  counters(): ClusterHostCounters;

  /** Send a QBFT message to one operator (dropped and counted if it is not connected). */
  send(to: number, message: QbftMessage<V>): Promise<void>;
  /** Send a QBFT message to every other operator. */
  broadcast(message: QbftMessage<V>): Promise<void>;
  onConsensusMessage(handler: ConsensusHandler<V>): void;

  /** Queue raw transactions for gossip to every other operator (sent in batches). */
  gossipTransactions(transactions: readonly Uint8Array[]): void;
  onTransactions(handler: TransactionsHandler): void;

  /** Answer sync requests from this provider. */
  provideBlocks(provider: BlockProvider): void;
  /** Ask operator `peer` for signed blocks `first..last` (inclusive); it returns at most K. */
  requestBlocks(peer: number, first: number, last: number): Promise<Uint8Array[]>;

  stop(): Promise<void>;
}

export async function createClusterHost<V>(options: ClusterHostOptions<V>): Promise<ClusterHost<V>> {
  const limits: ClusterLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.logger;
  if (options.identity.type !== 'Ed25519') {
    throw new Error(`identity: expected an Ed25519 private key, got ${options.identity.type}`);
  }
  const ownPeerId = peerIdFromPrivateKey(options.identity);
  const operators = checkOperators(options.peers);
  const selfOperator = operators.find((p) => p.peerId.equals(ownPeerId));
  if (!selfOperator) {
    throw new Error(`identity key is not an operator: expected its peer id ${ownPeerId.toString()} among the peers`);
  }
  const self = selfOperator.index;
  const indexByPeer = new Map(operators.map((p) => [p.peerId.toString(), p.index]));
  const others = operators.filter((p) => p.index !== self);
  const isOperator = (peer: PeerId): boolean => indexByPeer.has(peer.toString());
  const operatorKeys: PublicKey[] = operators.map((p) => p.publicKey);
  const codec = new ConsensusCodec<V>(options.identity, self, operatorKeys, options.values);

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

  const malformedFrames: Record<string, number> = { [CONSENSUS_PROTOCOL]: 0, [TX_PROTOCOL]: 0, [SYNC_PROTOCOL]: 0 };
  let rejectedConsensusMessages = 0;
  let undeliveredMessages = 0;
  const latencies = new Map<number, number>();
  let consensusHandler: ConsensusHandler<V> = () => {};
  let transactionsHandler: TransactionsHandler = () => {};
  let blockProvider: BlockProvider = () => [];
  let stopped = false;

  /** A failing handler is the node's bug, not the peer's: log it and keep the stream. */
  const deliver = (handle: () => void): void => {
    try {
      handle();
    } catch (error) {
      log?.error({ err: (error as Error).message }, 'message handler threw');
    }
  };
  const indexOf = (connection: Connection): number => indexByPeer.get(connection.remotePeer.toString()) ?? -1;
  const countMalformed = (protocol: string, stream: Stream, error: FrameError): void => {
    malformedFrames[protocol]++;
    log?.warn({ protocol, err: error.message }, 'malformed frame: closing the stream');
    stream.abort(error);
  };

  /** Read length-prefixed frames from `stream` until it ends; a FrameError (from the reader or from
   * `onFrame`) closes the stream and is counted. Returns the error that ended the stream, if any. */
  const readFrames = async (
    stream: Stream,
    protocol: string,
    maxBytes: number,
    onFrame: (frame: unknown) => Promise<void> | void,
  ): Promise<Error | undefined> => {
    const reader = new FrameReader(maxBytes);
    try {
      for await (const chunk of stream) {
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
        for (const frame of reader.push(bytes)) await onFrame(frame);
      }
      if (reader.pendingBytes > 0) throw new FrameError(`stream ended inside a frame (${reader.pendingBytes} bytes)`);
      return undefined;
    } catch (error) {
      if (error instanceof FrameError) countMalformed(protocol, stream, error);
      else if (!stopped) log?.debug({ protocol, err: (error as Error).message }, 'stream closed');
      return error as Error;
    }
  };

  // ---- consensus and transaction streams: one outbound stream per (protocol, peer), opened lazily.
  const outbound = new Map<string, Promise<Stream>>();
  const sendChains = new Map<string, Promise<void>>();

  const openStream = (protocol: string, peer: ClusterOperator): Promise<Stream> => {
    const key = `${protocol} ${peer.index}`;
    let stream = outbound.get(key);
    if (!stream) {
      const opening = node.dialProtocol(peer.peerId, protocol);
      const forget = (): void => {
        if (outbound.get(key) === opening) outbound.delete(key);
      };
      opening.then((s) => s.addEventListener('close', forget, { once: true }), forget);
      outbound.set(key, opening);
      stream = opening;
    }
    return stream;
  };

  /** Send one frame to one operator, in order with earlier frames of that protocol; never throws. */
  const sendFrame = (protocol: string, peer: ClusterOperator, frame: Uint8Array): Promise<void> => {
    const key = `${protocol} ${peer.index}`;
    const previous = sendChains.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (stopped || node.getConnections(peer.peerId).length === 0) {
        undeliveredMessages++;
        return;
      }
      try {
        let stream = await openStream(protocol, peer);
        if (stream.writeStatus !== 'writable') {
          // Closed under us (e.g. yamux's 120 s inactivity timeout) before its 'close' event ran.
          outbound.delete(`${protocol} ${peer.index}`);
          stream = await openStream(protocol, peer);
        }
        if (stream.writableNeedsDrain) await stream.onDrain();
        stream.send(frame);
      } catch (error) {
        undeliveredMessages++;
        log?.debug({ protocol, peer: peer.index, err: (error as Error).message }, 'send failed');
      }
    });
    sendChains.set(key, next);
    return next;
  };

  node.handle(CONSENSUS_PROTOCOL, (stream, connection) => {
    const from = indexOf(connection);
    void readFrames(stream, CONSENSUS_PROTOCOL, limits.consensusFrameBytes, async (frame) => {
      let message: QbftMessage<V>;
      try {
        message = await codec.open(frame, from);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        rejectedConsensusMessages++;
        log?.warn({ from, err: error.message }, 'consensus message rejected');
        return;
      }
      deliver(() => consensusHandler(message, from));
    });
  });

  node.handle(TX_PROTOCOL, (stream, connection) => {
    const from = indexOf(connection);
    void readFrames(stream, TX_PROTOCOL, limits.txFrameBytes, (frame) => {
      if (!Array.isArray(frame) || !frame.every((tx) => tx instanceof Uint8Array)) {
        throw new FrameError('malformed transaction batch: expected an array of bin');
      }
      deliver(() => transactionsHandler(frame as Uint8Array[], from));
    });
  });

  // ---- transaction batching
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let batchTimer: NodeJS.Timeout | undefined;
  const flushBatch = (): void => {
    clearTimeout(batchTimer);
    batchTimer = undefined;
    if (batch.length === 0) return;
    const frame = encodeFrame(batch, limits.txFrameBytes);
    batch = [];
    batchBytes = 0;
    for (const peer of others) void sendFrame(TX_PROTOCOL, peer, frame);
  };

  // ---- sync
  node.handle(SYNC_PROTOCOL, (stream) => {
    let answered = false;
    void readFrames(stream, SYNC_PROTOCOL, SYNC_REQUEST_FRAME_MAX_BYTES, async (frame) => {
      if (answered) throw new FrameError('sync: expected one request per stream, got another');
      answered = true;
      if (
        !Array.isArray(frame) || frame.length !== 2 || !frame.every((n) => Number.isSafeInteger(n) && n >= 0) ||
        frame[0] > frame[1]
      ) {
        throw new FrameError('malformed sync request: expected [from, to] with 0 ≤ from ≤ to');
      }
      const first = frame[0] as number;
      const last = Math.min(frame[1] as number, first + limits.syncMaxBlocks - 1);
      try {
        const blocks = (await blockProvider(first, last)).slice(0, last - first + 1);
        for (const block of blocks) {
          if (!(block instanceof Uint8Array) || block.length > limits.syncFrameBytes) {
            throw new Error(`block provider: expected blocks as Uint8Array of at most ${limits.syncFrameBytes} bytes`);
          }
          if (stream.writableNeedsDrain) await stream.onDrain();
          stream.send(encodeFrame(block, limits.syncFrameBytes));
        }
      } catch (error) {
        // Our side failed: reset the stream so the requester fails now instead of at its timeout.
        log?.error({ err: (error as Error).message }, 'sync request not served');
        stream.abort(error as Error);
        return;
      }
      await stream.close();
    });
  });

  // ---- connectivity: dial every operator, redial with backoff while disconnected
  const reconnectDelay = new Map<number, number>();
  const reconnectTimers = new Map<number, NodeJS.Timeout>();
  const scheduleDial = (peer: ClusterOperator, delay: number): void => {
    if (stopped || reconnectTimers.has(peer.index)) return;
    reconnectTimers.set(
      peer.index,
      setTimeout(() => {
        reconnectTimers.delete(peer.index);
        if (stopped || node.getConnections(peer.peerId).length > 0) return;
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
  const operatorOf = (peerId: PeerId): ClusterOperator | undefined => {
    const index = indexByPeer.get(peerId.toString());
    return index === undefined ? undefined : operators[index];
  };
  node.addEventListener('peer:connect', (event) => {
    const peer = operatorOf(event.detail);
    if (!peer) return;
    reconnectDelay.set(peer.index, RECONNECT_INITIAL_DELAY_MS);
    log?.info({ peer: peer.index }, 'operator connected');
    pingPeer(peer);
  });
  node.addEventListener('peer:disconnect', (event) => {
    const peer = operatorOf(event.detail);
    if (!peer) return;
    latencies.delete(peer.index);
    log?.info({ peer: peer.index }, 'operator disconnected');
    scheduleDial(peer, reconnectDelay.get(peer.index) ?? RECONNECT_INITIAL_DELAY_MS);
  });
  for (const peer of others) {
    await node.peerStore.merge(peer.peerId, { multiaddrs: peer.addrs.map((a) => multiaddr(a)) });
    scheduleDial(peer, 0);
  }
  const pingTimer = setInterval(() => {
    for (const peer of others) if (node.getConnections(peer.peerId).length > 0) pingPeer(peer);
  }, PING_INTERVAL_MS);

  return {
    self,
    peerId: ownPeerId.toString(),
    limits,
    listenAddresses: () => node.getMultiaddrs().map((a) => a.toString()),
    connectedPeers: () => others.filter((p) => node.getConnections(p.peerId).length > 0).map((p) => p.index),
    pingLatencies: () => new Map(latencies),
    counters: () => ({ malformedFrames: { ...malformedFrames }, rejectedConsensusMessages, undeliveredMessages }),

    async send(to, message) {
      const peer = operators[to];
      if (!peer || to === self) throw new Error(`send: expected an operator index other than ${self} in 0..${operators.length - 1}, got ${to}`);
      const frame = encodeFrame(await codec.seal(message), limits.consensusFrameBytes);
      await sendFrame(CONSENSUS_PROTOCOL, peer, frame);
    },
    async broadcast(message) {
      const frame = encodeFrame(await codec.seal(message), limits.consensusFrameBytes);
      await Promise.all(others.map((peer) => sendFrame(CONSENSUS_PROTOCOL, peer, frame)));
    },
    onConsensusMessage(handler) {
      consensusHandler = handler;
    },

    gossipTransactions(transactions) {
      for (const tx of transactions) {
        if (!(tx instanceof Uint8Array) || tx.length > TX_BATCH_MAX_BYTES) {
          throw new Error(`gossipTransactions: expected transactions as Uint8Array of at most ${TX_BATCH_MAX_BYTES} bytes`);
        }
        if (batchBytes + tx.length > TX_BATCH_MAX_BYTES) flushBatch();
        batch.push(tx);
        batchBytes += tx.length;
        if (batch.length >= TX_BATCH_MAX_COUNT) flushBatch();
      }
      if (batch.length > 0 && batchTimer === undefined) batchTimer = setTimeout(flushBatch, TX_BATCH_DELAY_MS);
    },
    onTransactions(handler) {
      transactionsHandler = handler;
    },

    provideBlocks(provider) {
      blockProvider = provider;
    },
    async requestBlocks(index, first, last) {
      const peer = operators[index];
      if (!peer || index === self) throw new Error(`requestBlocks: expected an operator index other than ${self}, got ${index}`);
      if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || first > last) {
        throw new Error(`requestBlocks: expected 0 ≤ first ≤ last, got first ${first}, last ${last}`);
      }
      const signal = AbortSignal.timeout(SYNC_REQUEST_TIMEOUT_MS);
      const stream = await node.dialProtocol(peer.peerId, SYNC_PROTOCOL, { signal });
      const onAbort = (): void => stream.abort(new Error(`sync request to operator ${index} timed out`));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        stream.send(encodeFrame([first, last], SYNC_REQUEST_FRAME_MAX_BYTES));
        await stream.close();
        const blocks: Uint8Array[] = [];
        const expected = Math.min(last - first + 1, limits.syncMaxBlocks);
        const error = await readFrames(stream, SYNC_PROTOCOL, limits.syncFrameBytes, (frame) => {
          if (!(frame instanceof Uint8Array)) throw new FrameError('malformed sync response: expected a block as bin');
          if (blocks.length >= expected) throw new FrameError(`sync response too long: expected at most ${expected} blocks`);
          blocks.push(frame);
        });
        if (error) throw new Error(`sync request to operator ${index} failed: ${error.message}`, { cause: error });
        return blocks;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },

    async stop() {
      // Transactions queued for gossip leave first: a node stopped cleanly right after accepting a
      // transaction must not keep it to itself. Bounded, so that an unreachable peer cannot hold the stop.
      flushBatch();
      await Promise.race([Promise.all(sendChains.values()), new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_TIMEOUT_MS))]);
      stopped = true;
      clearInterval(pingTimer);
      clearTimeout(batchTimer);
      for (const timer of reconnectTimers.values()) clearTimeout(timer);
      reconnectTimers.clear();
      await node.stop();
    },
  };
}

interface ClusterOperator {
  readonly index: number;
  readonly peerId: PeerId;
  readonly publicKey: PublicKey;
  readonly addrs: readonly string[];
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
    operators.push({ index: peer.index, peerId, publicKey: peerId.publicKey, addrs: peer.addrs });
  });
  return operators;
}
