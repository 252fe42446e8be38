/**
 * The ceremonies' network: a libp2p host made of the cluster host's pieces (src/p2p: operators.ts,
 * connections.ts, streams.ts — TCP, Noise XX with the Ed25519 identity keys, yamux, the admission
 * gate) with one protocol, `/dst/dkg/1`, carrying one signed envelope (./messages.ts) per
 * length-prefixed msgpack frame. Only the ceremony's participants may connect (admission by their
 * addresses at accept, by their peer ids after Noise), so a SHARE sent to a receiver travels only on
 * the encrypted connection authenticated as that receiver. The envelopes themselves are checked by the
 * ceremony (./ceremony.ts): the transport only delivers what arrives, with the sending peer.
 *
 * Many operators on one loaded host (the benchmark's 16 and 32 operators on 2 cores): diagnosed with
 * debug logs and the admission counters, nothing was refused at accept (every operator shares
 * 127.0.0.1, whose pending slots are sized per operator at the address: 2 × (n − 1)); instead
 * connections were made and then aborted 5–15 s later, over and over, by libp2p's connection monitor,
 * whose heartbeat ping failed — refused because the host's own latency ping held the protocol's one
 * outbound stream, or slower than its ≥ 5 s timeout on a starved event loop — and every abort cost a
 * new Noise handshake, starving the host further. So the ceremony host is `shortLived`
 * (src/p2p/connections.ts: no heartbeat — its own timeouts name a peer that is really gone —, no
 * latency pings, no identify exchange: every address is in the definition), gives a dial 15 s, and dials each pair first from one side only,
 * `dialsFirst` (half the pairs each way, balanced around the ring of indices): n(n − 1)/2 handshakes
 * instead of n(n − 1), and fewer connections replaced under a stream. The other side dials after
 * `FALLBACK_DIAL_MS` if the pair is still not connected, for an operator that cannot be reached (behind
 * a NAT) but can reach out. Refused or failed dials are redialled with the host's exponential backoff.
 * The protocols' theory (GJKR 1999; Desmedt–Jajodia 1997; Wong–Wing–Wang 2002) is in ./ceremony.ts.
 */
import '../../p2p/polyfill.js';
import type { PrivateKey } from '@libp2p/interface';
import type { Logger } from 'pino';
import { createConnections } from '../../p2p/connections.js';
import { encodeFrame } from '../../p2p/framing.js';
import type { ConnectionsRefused } from '../../p2p/admission.js';
import { DEFAULT_LIMITS, type AcceptFrom } from '../../p2p/limits.js';
import { createOperators } from '../../p2p/operators.js';
import { createStreams } from '../../p2p/streams.js';
import type { Envelope } from './messages.js';

export const DKG_PROTOCOL = '/dst/dkg/1';
/**
 * 8 MiB: the largest envelope is a RESPONSE echoing every dealer's commitments, n × t × 48 bytes
 * (64 × 64 × 48 = 192 KiB at the largest cluster) plus complaints carrying SHARE envelopes.
 */
export const DKG_FRAME_MAX_BYTES = 8 << 20;

/** How long an inbound connection may take to finish its Noise and yamux upgrade. */
export const CEREMONY_HANDSHAKE_TIMEOUT_MS = 15_000;
/** Redials of an operator not listening yet back off to at most this (the node's host: 5 s); refused dials on a LAN cost little. */
export const CEREMONY_REDIAL_MAX_MS = 1_000;
/** The side of a pair that does not dial first dials after this long if the pair is still not connected. */
export const FALLBACK_DIAL_MS = 3_000;

/**
 * Whether operator `self` dials operator `peer` first (0-based indices of n): for d = (peer − self) mod n,
 * when d < n/2, or d = n/2 and self < peer. Exactly one of each pair does, and each about (n − 1)/2 peers.
 */
export function dialsFirst(self: number, peer: number, n: number): boolean {
  const d = (((peer - self) % n) + n) % n;
  return 2 * d < n || (2 * d === n && self < peer);
}

export interface Participant {
  readonly peerId: string;
  readonly addresses: readonly string[];
}

export interface CeremonyTransport {
  /** Peer ids of the participants connected now. */
  connected(): Set<string>;
  /** Send an envelope to one participant (dropped if it is not connected). */
  send(to: string, envelope: Envelope): Promise<void>;
  /** Send an envelope to every other participant. */
  broadcast(envelope: Envelope): Promise<void>;
  /** Called with every frame that arrives (not yet checked) and who sent it. */
  onEnvelope(handler: (envelope: unknown, from: string) => void): void;
  /** Frames that could not be delivered (peer not connected, stream failed). */
  undelivered(): number;
  /** Inbound connections the admission gate closed, by reason (for a connect timeout's message). */
  connectionsRefused(): ConnectionsRefused;
  listenAddresses(): string[];
  stop(): Promise<void>;
}

export interface CeremonyTransportOptions {
  readonly identity: PrivateKey;
  readonly listen: readonly string[];
  /** Every participant, this node included. */
  readonly participants: readonly Participant[];
  /** Admit connections from any address (operators behind NAT); default only the participants'. */
  readonly acceptFrom?: AcceptFrom;
  readonly logger?: Logger;
}

export async function createCeremonyTransport(options: CeremonyTransportOptions): Promise<CeremonyTransport> {
  const operators = createOperators(options.identity, options.participants.map((p, index) => ({ index, peerId: p.peerId, addrs: p.addresses })));
  // A ceremony's host lives for a minute or two and admits its participants only, all dialling at once:
  // their handshakes get more time than a running node's (whose 3 s guard against idle sockets).
  const limits = { ...DEFAULT_LIMITS, acceptFrom: options.acceptFrom ?? 'operators', inboundHandshakeTimeoutMs: CEREMONY_HANDSHAKE_TIMEOUT_MS };
  const n = operators.all.length;
  const connections = await createConnections({
    identity: options.identity,
    listen: options.listen,
    operators,
    limits,
    logger: options.logger,
    firstDialDelayMs: (peer) => (dialsFirst(operators.self, peer.index, n) ? 0 : FALLBACK_DIAL_MS),
    dialTimeoutMs: CEREMONY_HANDSHAKE_TIMEOUT_MS,
    redialMaxDelayMs: CEREMONY_REDIAL_MAX_MS,
    shortLived: true,
  });
  const streams = createStreams({ connections, protocols: [DKG_PROTOCOL], logger: options.logger });
  let handler: (envelope: unknown, from: string) => void = () => {};
  await connections.handle(DKG_PROTOCOL, (stream, connection) => {
    const from = connection.remotePeer.toString();
    void streams.readFrames(stream, DKG_PROTOCOL, DKG_FRAME_MAX_BYTES, (frame) => handler(frame, from));
  });
  await connections.connect();
  const byPeerId = new Map(operators.all.map((p) => [p.peerId.toString(), p]));
  return {
    connected: () => new Set(connections.connectedPeers().map((index) => operators.all[index]!.peerId.toString())),
    async send(to, envelope) {
      const peer = byPeerId.get(to);
      if (peer === undefined || peer.index === operators.self) throw new Error(`send: ${to} is not another participant of the ceremony`);
      await streams.sendFrame(DKG_PROTOCOL, peer, encodeFrame([...envelope], DKG_FRAME_MAX_BYTES));
    },
    async broadcast(envelope) {
      const frame = encodeFrame([...envelope], DKG_FRAME_MAX_BYTES);
      await Promise.all(operators.others.map((peer) => streams.sendFrame(DKG_PROTOCOL, peer, frame)));
    },
    onEnvelope(h) {
      handler = h;
    },
    undelivered: () => streams.undeliveredMessages(),
    connectionsRefused: () => connections.connectionsRefused(),
    listenAddresses: () => connections.listenAddresses(),
    async stop() {
      await streams.flush();
      streams.close();
      await connections.stop();
    },
  };
}
