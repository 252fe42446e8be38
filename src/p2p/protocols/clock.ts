/**
 * `/dst/time/1` (issue 7, "Networking"): each node's estimate of its peers' wall clocks, NTP-style.
 * Request/response, one request per stream: the request is the integer 0, the response the
 * responder's clock (`now()`, ms since the epoch, a number); then the responder closes its side.
 *
 * The requester notes its clock t0 as it sends the request and the round trip r to the response
 * (on the monotonic clock, so that a step of the wall clock does not distort it). The response was
 * made about r/2 after t0, so the peer's offset is `remote − (t0 + r/2)` ms, positive when the peer's
 * clock is ahead of ours, accurate to ± r/2 (plus any asymmetry of the two paths). Of the last
 * `CLOCK_SAMPLES` samples of a peer, the one with the least round trip is reported: a queue on
 * either side only adds to a round trip, so the shortest one is the least distorted.
 *
 * Each connected operator is asked when it connects and every `CLOCK_INTERVAL_MS` after that, one
 * request in flight per peer, each given up after `CLOCK_REQUEST_TIMEOUT_MS`; frames are limited to
 * `CLOCK_FRAME_MAX_BYTES` (a malformed one closes its stream and is counted, streams.ts). A peer's
 * samples are dropped when it disconnects (a restarted node may come back with another clock). A
 * peer that does not speak the protocol (an older version) has no offset; nothing else happens.
 * `sample(peer)` makes one request now and returns it without keeping it (`dst test peers`).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Connections } from '../connections.js';
import { FrameError, encodeFrame } from '../framing.js';
import { CLOCK_FRAME_MAX_BYTES, CLOCK_INTERVAL_MS, CLOCK_PROTOCOL, CLOCK_REQUEST_TIMEOUT_MS, CLOCK_SAMPLES } from '../limits.js';
import type { ClusterOperator, Operators } from '../operators.js';
import type { Streams } from '../streams.js';

export interface ClockProtocolOptions {
  readonly operators: Operators;
  readonly connections: Connections;
  readonly streams: Streams;
  /** This node's wall clock in ms since the epoch (the host's `now` option; default Date.now). */
  readonly now: () => number;
  readonly logger?: Logger;
}

export interface ClockSample {
  /** The peer's clock minus ours, ms. */
  readonly offset: number;
  /** Request to response, ms. */
  readonly roundTrip: number;
}

export interface ClockProtocol {
  /** Offset of each connected operator's clock from ours in ms (positive: the peer is ahead), by
   * operator index; operators not measured yet are absent. */
  clockOffsets(): ReadonlyMap<number, number>;
  /**
   * One request to a connected operator now (by index), not recorded: its offset and round trip, or
   * an error (not connected, timed out, a malformed answer). What `dst test peers` measures with.
   */
  sample(peer: number): Promise<ClockSample>;
  /** Start asking the connected operators (call it after `connections.connect`). */
  start(): void;
  /** Ask no more. */
  stop(): void;
}

/** The sample with the least round trip (the first of equals); undefined for none. */
export function bestSample(samples: readonly ClockSample[]): ClockSample | undefined {
  let best: ClockSample | undefined;
  for (const sample of samples) if (best === undefined || sample.roundTrip < best.roundTrip) best = sample;
  return best;
}

/** Register the `/dst/time/1` responder and return the measuring side. */
export function createClockProtocol(options: ClockProtocolOptions): ClockProtocol {
  const { operators, connections, streams, now } = options;
  const log = options.logger;
  const samples = new Map<number, ClockSample[]>();
  const inFlight = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  void connections.handle(CLOCK_PROTOCOL, (stream) => {
    let answered = false;
    void streams.readFrames(stream, CLOCK_PROTOCOL, CLOCK_FRAME_MAX_BYTES, async (frame) => {
      if (answered) throw new FrameError('clock: expected one request per stream, got another');
      if (frame !== 0) throw new FrameError('malformed clock request: expected the integer 0');
      answered = true;
      stream.send(encodeFrame(now(), CLOCK_FRAME_MAX_BYTES));
      await stream.close();
    });
  });

  const record = (peer: number, sample: ClockSample): void => {
    const kept = samples.get(peer) ?? [];
    kept.push(sample);
    if (kept.length > CLOCK_SAMPLES) kept.shift();
    samples.set(peer, kept);
  };

  /** One request and its response: the sample, or the reason there is none. */
  const request = async (peer: ClusterOperator): Promise<ClockSample> => {
    const signal = AbortSignal.timeout(CLOCK_REQUEST_TIMEOUT_MS);
    let onAbort: (() => void) | undefined;
    try {
      const stream = await connections.dialProtocol(peer, CLOCK_PROTOCOL, { signal });
      onAbort = () => stream.abort(new Error(`clock request to operator ${peer.index} timed out`));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      let remote: number | undefined;
      let received = 0;
      // Reading starts before the request leaves, so that the response is timed as it arrives.
      const reading = streams.readFrames(stream, CLOCK_PROTOCOL, CLOCK_FRAME_MAX_BYTES, (frame) => {
        if (remote !== undefined) throw new FrameError('clock response too long: expected one number');
        if (typeof frame !== 'number' || !Number.isFinite(frame)) throw new FrameError('malformed clock response: expected a number');
        received = performance.now();
        remote = frame;
      });
      const sentAt = now();
      const sent = performance.now();
      stream.send(encodeFrame(0, CLOCK_FRAME_MAX_BYTES));
      await stream.close();
      const error = await reading;
      if (error) throw error;
      if (remote === undefined) throw new Error('the response held no time');
      const roundTrip = received - sent;
      return { offset: remote - (sentAt + roundTrip / 2), roundTrip };
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  };

  const measure = async (peer: ClusterOperator): Promise<void> => {
    if (stopped || inFlight.has(peer.index)) return;
    inFlight.add(peer.index);
    try {
      const sample = await request(peer);
      // The peer may have gone (and its samples with it) while this request was out: keep nothing then.
      if (!stopped && connections.isConnected(peer)) record(peer.index, sample);
    } catch (error) {
      if (!stopped) log?.debug({ share: peer.index + 1, err: (error as Error).message }, 'clock request failed');
    } finally {
      inFlight.delete(peer.index);
    }
  };

  connections.onPeerConnected((peer) => void measure(peer));
  connections.onPeerDisconnected((peer) => samples.delete(peer.index));

  return {
    clockOffsets() {
      const offsets = new Map<number, number>();
      for (const [peer, kept] of samples) {
        const best = bestSample(kept);
        if (best) offsets.set(peer, best.offset);
      }
      return offsets;
    },
    sample(index) {
      const peer = operators.others.find((operator) => operator.index === index);
      if (peer === undefined) return Promise.reject(new Error(`operator ${index} is not a peer of this node`));
      if (!connections.isConnected(peer)) return Promise.reject(new Error(`operator ${index} is not connected`));
      return request(peer);
    },
    start() {
      timer = setInterval(() => {
        for (const peer of operators.others) if (connections.isConnected(peer)) void measure(peer);
      }, CLOCK_INTERVAL_MS);
      timer.unref();
      // Operators connected before the handlers were registered (none usually) are asked now.
      for (const peer of operators.others) if (connections.isConnected(peer)) void measure(peer);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
