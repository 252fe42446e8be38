/**
 * `/dst/sync/1` (issue 7, "Networking"): request/response, one request per stream. The request is
 * `[from, to]` (0 ≤ from ≤ to); the response is up to K (`syncMaxBlocks`) frames of one signed block
 * (opaque bytes) each, then the responder closes its side. The responder clamps the range to K blocks
 * and resets the stream if its block provider fails, so the requester fails at once instead of at its
 * `SYNC_REQUEST_TIMEOUT_MS` timeout (limits.ts). A malformed request or response closes its stream.
 */
import type { Logger } from 'pino';
import type { Connections } from '../connections.js';
import { FrameError, encodeFrame } from '../framing.js';
import { SYNC_PROTOCOL, SYNC_REQUEST_FRAME_MAX_BYTES, SYNC_REQUEST_TIMEOUT_MS, type ClusterLimits } from '../limits.js';
import type { Operators } from '../operators.js';
import type { Streams } from '../streams.js';
import type { BlockProvider } from '../types.js';

export interface SyncProtocolOptions {
  readonly operators: Operators;
  readonly limits: ClusterLimits;
  readonly connections: Connections;
  readonly streams: Streams;
  readonly logger?: Logger;
}

export interface SyncProtocol {
  /** Answer sync requests from this provider. */
  provideBlocks(provider: BlockProvider): void;
  /** Ask operator `peer` for signed blocks `first..last` (inclusive); it returns at most K. */
  requestBlocks(peer: number, first: number, last: number): Promise<Uint8Array[]>;
}

/** Register the `/dst/sync/1` responder and return the requesting side. */
export function createSyncProtocol(options: SyncProtocolOptions): SyncProtocol {
  const { operators, limits, connections, streams } = options;
  const log = options.logger;
  let blockProvider: BlockProvider = () => [];

  void connections.handle(SYNC_PROTOCOL, (stream) => {
    let answered = false;
    void streams.readFrames(stream, SYNC_PROTOCOL, SYNC_REQUEST_FRAME_MAX_BYTES, async (frame) => {
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

  return {
    provideBlocks(provider) {
      blockProvider = provider;
    },
    async requestBlocks(index, first, last) {
      const peer = operators.all[index];
      if (!peer || index === operators.self) {
        throw new Error(`requestBlocks: expected an operator index other than ${operators.self}, got ${index}`);
      }
      if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || first > last) {
        throw new Error(`requestBlocks: expected 0 ≤ first ≤ last, got first ${first}, last ${last}`);
      }
      const signal = AbortSignal.timeout(SYNC_REQUEST_TIMEOUT_MS);
      const stream = await connections.dialProtocol(peer, SYNC_PROTOCOL, { signal });
      const onAbort = (): void => stream.abort(new Error(`sync request to operator ${index} timed out`));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        stream.send(encodeFrame([first, last], SYNC_REQUEST_FRAME_MAX_BYTES));
        await stream.close();
        const blocks: Uint8Array[] = [];
        const expected = Math.min(last - first + 1, limits.syncMaxBlocks);
        const error = await streams.readFrames(stream, SYNC_PROTOCOL, limits.syncFrameBytes, (frame) => {
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
  };
}
