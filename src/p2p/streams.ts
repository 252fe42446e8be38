/**
 * Frames over the cluster host's libp2p streams (issue 7, "Networking"). Frames are length-prefixed
 * msgpack (framing.ts), each protocol with its own size limit (limits.ts).
 *   - Reading: a malformed or oversized frame closes its stream and is counted by protocol; nothing a
 *     peer sends can throw out of the host.
 *   - Sending (consensus and transaction gossip): one long-lived outbound stream per (protocol, peer),
 *     opened lazily and reopened when it closes; the frames to one peer on one protocol leave in order,
 *     and a frame that cannot be delivered (peer not connected, stream failed) is counted and dropped.
 *   - Stopping: the frames already queued are flushed for at most `STOP_FLUSH_TIMEOUT_MS`.
 */
import type { Stream } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Connections } from './connections.js';
import { FrameError, FrameReader } from './framing.js';
import type { ClusterOperator } from './operators.js';

/** How long `stop()` waits for queued frames (gossip, consensus) to be sent. */
export const STOP_FLUSH_TIMEOUT_MS = 1_000;

export interface StreamsOptions {
  readonly connections: Connections;
  /** The protocols whose malformed frames are counted (each from 0). */
  readonly protocols: readonly string[];
  readonly logger?: Logger;
}

export interface Streams {
  /** Read length-prefixed frames from `stream` until it ends; a FrameError (from the reader or from
   * `onFrame`) closes the stream and is counted. Returns the error that ended the stream, if any. */
  readFrames(
    stream: Stream,
    protocol: string,
    maxBytes: number,
    onFrame: (frame: unknown) => Promise<void> | void,
  ): Promise<Error | undefined>;
  /** Send one frame to one operator, in order with earlier frames of that protocol; never throws. */
  sendFrame(protocol: string, peer: ClusterOperator, frame: Uint8Array): Promise<void>;
  /** Frames that were oversized or not decodable, by protocol id (a copy). */
  malformedFrames(): Record<string, number>;
  /** Frames not delivered because the peer was not connected or the stream failed. */
  undeliveredMessages(): number;
  /** Wait for the frames queued so far to be sent, for at most `STOP_FLUSH_TIMEOUT_MS`. */
  flush(): Promise<void>;
  /** Send nothing more (every later frame is undelivered) and stop logging streams that close. */
  close(): void;
}

export function createStreams(options: StreamsOptions): Streams {
  const { connections } = options;
  const log = options.logger;
  const malformedFrames: Record<string, number> = Object.fromEntries(options.protocols.map((p) => [p, 0]));
  let undeliveredMessages = 0;
  let stopped = false;

  const countMalformed = (protocol: string, stream: Stream, error: FrameError): void => {
    malformedFrames[protocol]++;
    log?.warn({ protocol, err: error.message }, 'malformed frame: closing the stream');
    stream.abort(error);
  };

  // One outbound stream per (protocol, peer), opened lazily, and the chain of its pending sends.
  const outbound = new Map<string, Promise<Stream>>();
  const sendChains = new Map<string, Promise<void>>();

  const openStream = (protocol: string, peer: ClusterOperator): Promise<Stream> => {
    const key = `${protocol} ${peer.index}`;
    let stream = outbound.get(key);
    if (!stream) {
      const opening = connections.dialProtocol(peer, protocol);
      const forget = (): void => {
        if (outbound.get(key) === opening) outbound.delete(key);
      };
      opening.then((s) => s.addEventListener('close', forget, { once: true }), forget);
      outbound.set(key, opening);
      stream = opening;
    }
    return stream;
  };

  return {
    async readFrames(stream, protocol, maxBytes, onFrame) {
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
    },

    sendFrame(protocol, peer, frame) {
      const key = `${protocol} ${peer.index}`;
      const previous = sendChains.get(key) ?? Promise.resolve();
      const next = previous.then(async () => {
        if (stopped || !connections.isConnected(peer)) {
          undeliveredMessages++;
          return;
        }
        try {
          let stream = await openStream(protocol, peer);
          if (stream.writeStatus !== 'writable') {
            // Closed under us (e.g. yamux's 120 s inactivity timeout) before its 'close' event ran.
            outbound.delete(key);
            stream = await openStream(protocol, peer);
          }
          if (stream.writableNeedsDrain) await stream.onDrain();
          stream.send(frame);
        } catch (error) {
          undeliveredMessages++;
          log?.debug({ protocol, share: peer.index + 1, err: (error as Error).message }, 'send failed');
        }
      });
      sendChains.set(key, next);
      return next;
    },

    malformedFrames: () => ({ ...malformedFrames }),
    undeliveredMessages: () => undeliveredMessages,

    async flush() {
      await Promise.race([Promise.all(sendChains.values()), new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_TIMEOUT_MS))]);
    },
    close() {
      stopped = true;
    },
  };
}
