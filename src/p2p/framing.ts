/**
 * Frames on the cluster's libp2p streams: a 4-byte unsigned big-endian length, then that many bytes
 * of msgpack (msgpackr). docs/architecture.md §5 ("Wire").
 *
 * Why a fixed u32 and not an unsigned varint (as multistream-select uses): the reader knows the
 * frame's length after exactly four bytes, so an oversized frame is refused before any of its body
 * is buffered, and there is no varint-overflow case to get wrong. The prefix costs at most 3 bytes
 * more than a varint per frame, nothing next to a consensus message or a batch of transactions.
 *
 * Each protocol sets its own size limit (see `limits.ts`). A reader that meets a frame above the
 * limit, or bytes msgpack cannot decode, throws `FrameError`; the caller closes that stream and
 * counts it. No decoded value is trusted: callers validate its shape.
 */
import { Packr } from 'msgpackr';

/** Bytes in the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** Plain msgpack: no record extension (nothing in the wire format depends on msgpackr-only types),
 * maps decoded as plain objects, binary decoded as Uint8Array views. */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** A stream carried bytes that are not a well-formed frame of its protocol. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** msgpack-encode `value` and prefix it with its length; refuses a frame above `maxBytes`. */
export function encodeFrame(value: unknown, maxBytes: number): Uint8Array {
  const body = packr.pack(value);
  if (body.length > maxBytes) {
    throw new FrameError(`frame too large: expected at most ${maxBytes} bytes, got ${body.length}`);
  }
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(frame.buffer).setUint32(0, body.length, false);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/** msgpack-encode `value` without a frame (used for the bytes a signature covers). */
export function encodeMsgpack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** msgpack-decode `bytes` that must hold exactly one value; FrameError otherwise. */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  try {
    // `unpackMultiple` would accept trailing values; a frame must hold exactly one.
    const values = packr.unpackMultiple(bytes) as unknown[];
    if (values.length !== 1) throw new FrameError(`expected one msgpack value, got ${values.length}`);
    return values[0];
  } catch (error) {
    if (error instanceof FrameError) throw error;
    throw new FrameError(`malformed msgpack: ${(error as Error).message}`);
  }
}

/**
 * Incremental reader: feed it the chunks a stream delivers, get back the decoded frames that are now
 * complete. Throws FrameError on an oversized length prefix (before buffering its body) or a body
 * that does not decode.
 */
export class FrameReader {
  /** Received bytes not yet consumed, as the chunks arrived: a large frame is joined once, when it
   * is complete, not copied again on every chunk. */
  private chunks: Uint8Array[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): unknown[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    const frames: unknown[] = [];
    while (this.bufferedBytes >= FRAME_HEADER_BYTES) {
      if (this.chunks[0].length < FRAME_HEADER_BYTES) this.join();
      const head = this.chunks[0];
      const length = new DataView(head.buffer, head.byteOffset, FRAME_HEADER_BYTES).getUint32(0, false);
      if (length > this.maxBytes) {
        throw new FrameError(`frame too large: expected at most ${this.maxBytes} bytes, got a prefix of ${length}`);
      }
      if (length === 0) throw new FrameError('empty frame: expected a msgpack value, got 0 bytes');
      if (this.bufferedBytes < FRAME_HEADER_BYTES + length) break;
      const bytes = this.join();
      frames.push(decodeMsgpack(bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length)));
      const rest = bytes.subarray(FRAME_HEADER_BYTES + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.bufferedBytes = rest.length;
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest (non-zero at stream end = truncated). */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Join the buffered chunks into one (a no-op when there is one) and return it. */
  private join(): Uint8Array {
    if (this.chunks.length > 1) {
      const joined = new Uint8Array(this.bufferedBytes);
      let offset = 0;
      for (const chunk of this.chunks) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
      this.chunks = [joined];
    }
    return this.chunks[0];
  }
}
