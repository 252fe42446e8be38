/**
 * `/dst/consensus/1` (issue 7, "Networking"): QBFT messages in signed envelopes (consensus-codec.ts),
 * one long-lived outbound stream per peer (streams.ts), one envelope per frame. A received envelope is
 * authenticated before it is handed up: one with a bad signature, or whose sender is not the operator
 * on the other end of the connection, is dropped and counted; a malformed one closes its stream.
 */
import type { Logger } from 'pino';
import type { QbftMessage } from '../../consensus/qbft/types.js';
import type { Connections } from '../connections.js';
import { AuthenticationError, type ConsensusCodec } from '../consensus-codec.js';
import { encodeFrame } from '../framing.js';
import { CONSENSUS_PROTOCOL, type ClusterLimits } from '../limits.js';
import type { Operators } from '../operators.js';
import type { Streams } from '../streams.js';
import type { ConsensusHandler } from '../types.js';
import { deliver } from './deliver.js';

export interface ConsensusProtocolOptions<V> {
  readonly codec: ConsensusCodec<V>;
  readonly operators: Operators;
  readonly limits: ClusterLimits;
  readonly connections: Connections;
  readonly streams: Streams;
  readonly logger?: Logger;
}

export interface ConsensusProtocol<V> {
  /** Send a QBFT message to one operator (dropped and counted if it is not connected). */
  send(to: number, message: QbftMessage<V>): Promise<void>;
  /** Send a QBFT message to every other operator. */
  broadcast(message: QbftMessage<V>): Promise<void>;
  onConsensusMessage(handler: ConsensusHandler<V>): void;
  /** Consensus messages dropped for a bad signature or a sender that is not the connection's peer. */
  rejectedMessages(): number;
}

/** Register the `/dst/consensus/1` handler and return the sending side. */
export function createConsensusProtocol<V>(options: ConsensusProtocolOptions<V>): ConsensusProtocol<V> {
  const { codec, operators, limits, streams } = options;
  const log = options.logger;
  let consensusHandler: ConsensusHandler<V> = () => {};
  let rejectedMessages = 0;

  void options.connections.handle(CONSENSUS_PROTOCOL, (stream, connection) => {
    const from = operators.indexOf(connection.remotePeer);
    void streams.readFrames(stream, CONSENSUS_PROTOCOL, limits.consensusFrameBytes, async (frame) => {
      let message: QbftMessage<V>;
      try {
        message = await codec.open(frame, from);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        rejectedMessages++;
        log?.warn({ share: from + 1, err: error.message }, 'consensus message rejected');
        return;
      }
      deliver(log, () => consensusHandler(message, from));
    });
  });

  return {
    async send(to, message) {
      const peer = operators.all[to];
      if (!peer || to === operators.self) {
        throw new Error(`send: expected an operator index other than ${operators.self} in 0..${operators.all.length - 1}, got ${to}`);
      }
      const frame = encodeFrame(await codec.seal(message), limits.consensusFrameBytes);
      await streams.sendFrame(CONSENSUS_PROTOCOL, peer, frame);
    },
    async broadcast(message) {
      const frame = encodeFrame(await codec.seal(message), limits.consensusFrameBytes);
      await Promise.all(operators.others.map((peer) => streams.sendFrame(CONSENSUS_PROTOCOL, peer, frame)));
    },
    onConsensusMessage(handler) {
      consensusHandler = handler;
    },
    rejectedMessages: () => rejectedMessages,
  };
}
