/**
 * `/dst/tx/1` (issue 7, "Networking"): transaction gossip, batched: many raw transactions per frame
 * (a msgpack array of bin), sent to every other operator over its long-lived outbound stream
 * (streams.ts). A batch leaves `TX_BATCH_DELAY_MS` after its first transaction, or as soon as it holds
 * `TX_BATCH_MAX_COUNT` transactions or would exceed `TX_BATCH_MAX_BYTES` (limits.ts), whichever comes
 * first. A received frame that is not an array of bin is malformed and closes its stream.
 */
import type { Logger } from 'pino';
import type { Connections } from '../connections.js';
import { FrameError, encodeFrame } from '../framing.js';
import { TX_BATCH_DELAY_MS, TX_BATCH_MAX_BYTES, TX_BATCH_MAX_COUNT, TX_PROTOCOL, type ClusterLimits } from '../limits.js';
import type { Operators } from '../operators.js';
import type { Streams } from '../streams.js';
import type { TransactionsHandler } from '../types.js';
import { deliver } from './deliver.js';

export interface GossipProtocolOptions {
  readonly operators: Operators;
  readonly limits: ClusterLimits;
  readonly connections: Connections;
  readonly streams: Streams;
  readonly logger?: Logger;
}

export interface GossipProtocol {
  /** Queue raw transactions for gossip to every other operator (sent in batches). */
  gossipTransactions(transactions: readonly Uint8Array[]): void;
  onTransactions(handler: TransactionsHandler): void;
  /** Send the batch queued so far now. */
  flush(): void;
  /** Cancel the batch timer. */
  stop(): void;
}

/** Register the `/dst/tx/1` handler and return the sending side. */
export function createGossipProtocol(options: GossipProtocolOptions): GossipProtocol {
  const { operators, limits, streams } = options;
  const log = options.logger;
  let transactionsHandler: TransactionsHandler = () => {};

  void options.connections.handle(TX_PROTOCOL, (stream, connection) => {
    const from = operators.indexOf(connection.remotePeer);
    void streams.readFrames(stream, TX_PROTOCOL, limits.txFrameBytes, (frame) => {
      if (!Array.isArray(frame) || !frame.every((tx) => tx instanceof Uint8Array)) {
        throw new FrameError('malformed transaction batch: expected an array of bin');
      }
      deliver(log, () => transactionsHandler(frame as Uint8Array[], from));
    });
  });

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
    for (const peer of operators.others) void streams.sendFrame(TX_PROTOCOL, peer, frame);
  };

  return {
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
    flush: flushBatch,
    stop() {
      clearTimeout(batchTimer);
    },
  };
}
