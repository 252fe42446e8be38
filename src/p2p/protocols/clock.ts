/**
 * `/dst/time/2` (issues 7 and 16): the cluster's heartbeat — each node's estimate of its peers' wall
 * clocks (NTP-style), the round trip to each (the latency the round timer is fitted to), and the
 * failure detector that closes a connection whose peer stopped answering.
 *
 * Wire: frames on each side's long-lived outbound stream (streams.ts), so a heartbeat opens no
 * stream: a request is `[0, seq]` and its response `[1, seq, time]` (the responder's clock, `now()`,
 * ms since the epoch), sent back over the responder's own outbound stream. Opening a libp2p stream
 * costs a multistream-select negotiation and a peer-store update on both sides; libp2p's ping
 * service and its connection monitor opened two to three of them per peer and interval, plus one
 * per clock request — half of an idle node's CPU (issue 16). This protocol replaces all three.
 *
 * Measuring: the requester notes its clock t0 as it sends and the round trip r to the response (on
 * the monotonic clock, so that a step of the wall clock does not distort it). The response was made
 * about r/2 after t0, so the peer's offset is `remote − (t0 + r/2)` ms, positive when the peer's clock
 * is ahead of ours, accurate to ± r/2 (plus any asymmetry of the two paths). Of the last
 * `CLOCK_SAMPLES` samples of a peer the one with the least round trip gives the offset (a queue on
 * either side only adds to a round trip, so the shortest one is the least distorted); the latest
 * round trip is the peer's latency.
 *
 * Each connected operator is asked when it connects and every `CLOCK_INTERVAL_MS` after that; a
 * request not answered within `CLOCK_REQUEST_TIMEOUT_MS` is dropped. A peer that has answered on its
 * connection and then answers nothing for `PEER_SILENT_MS` is taken for gone (its machine vanished
 * without closing the TCP connection, or its process hangs): its connections are closed, and the
 * host's redial takes over. A tick that runs late (this node's own event loop stalled, the answers
 * perhaps unread in its socket buffers) gives every peer a fresh allowance instead of a verdict. A
 * peer that never answers (a node of an earlier version, which speaks `/dst/time/1` only) has no
 * offset and no latency; nothing else happens. A peer's samples are
 * dropped when it disconnects (a restarted node may come back with another clock).
 *
 * `/dst/time/1`, the earlier version (one request per stream: the integer 0, answered by one number),
 * is still answered, so that nodes of the earlier version keep measuring this one during an upgrade.
 *
 * Frames are limited to `CLOCK_FRAME_MAX_BYTES`; a malformed one closes its stream and is counted
 * (streams.ts). `sample(peer)` makes one request now and returns it without keeping it (`dst test peers`).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Connections } from '../connections.js';
import { FrameError, encodeFrame } from '../framing.js';
import {
  CLOCK_FRAME_MAX_BYTES,
  CLOCK_INTERVAL_MS,
  CLOCK_PROTOCOL,
  CLOCK_REQUEST_TIMEOUT_MS,
  CLOCK_SAMPLES,
  LEGACY_CLOCK_PROTOCOL,
  PEER_SILENT_MS,
} from '../limits.js';
import type { ClusterOperator, Operators } from '../operators.js';
import type { Streams } from '../streams.js';

export interface ClockProtocolOptions {
  readonly operators: Operators;
  readonly connections: Connections;
  readonly streams: Streams;
  /** This node's wall clock in ms since the epoch (the host's `now` option; default Date.now). */
  readonly now: () => number;
  /** The heartbeat's interval and silence limit (default `CLOCK_INTERVAL_MS`, `PEER_SILENT_MS`); tests shorten them. */
  readonly timing?: { readonly intervalMs: number; readonly silentMs: number };
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
  /** The latest round trip to each connected operator that answers, ms, by operator index. */
  roundTrips(): ReadonlyMap<number, number>;
  /**
   * One request to a connected operator now (by index), not recorded: its offset and round trip, or
   * an error (not connected, not answered in time). What `dst test peers` measures with.
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

const REQUEST = 0;
const RESPONSE = 1;
/** Requests in flight to one peer, at most: the oldest is dropped for a new one. */
const MAX_OUTSTANDING = 8;
/** Answers to one peer queued and not yet written, at most: a peer that does not read them gets no more (bounded memory). */
const MAX_QUEUED_ANSWERS = 8;

/** A frame of `/dst/time/2`: a request, or the response to request `seq` carrying the peer's `time`. */
export type ClockFrame = { kind: 'request'; seq: number } | { kind: 'response'; seq: number; time: number };

/** Reads a `/dst/time/2` frame; anything else is a FrameError (it closes the stream, and is counted). */
export function parseClockFrame(frame: unknown): ClockFrame {
  if (!Array.isArray(frame)) throw new FrameError('malformed clock frame: expected an array');
  const [kind, seq, time] = frame as unknown[];
  if (!Number.isSafeInteger(seq) || (seq as number) < 0 || (seq as number) > 0xffffffff) {
    throw new FrameError('malformed clock frame: expected a sequence number (a u32)');
  }
  if (kind === REQUEST && frame.length === 2) return { kind: 'request', seq: seq as number };
  if (kind === RESPONSE && frame.length === 3 && typeof time === 'number' && Number.isFinite(time)) {
    return { kind: 'response', seq: seq as number, time };
  }
  throw new FrameError('malformed clock frame: expected [0, seq] or [1, seq, time]');
}

interface Outstanding {
  /** Our wall clock and the monotonic clock when the request was queued. */
  readonly sentAt: number;
  readonly sent: number;
  /** Set for a `sample()` request: who waits for it (it is not recorded). */
  readonly waiter?: { resolve: (sample: ClockSample) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
}

/** What this node knows of one connected operator, dropped when it disconnects. */
interface PeerClock {
  samples: ClockSample[];
  roundTrip: number | undefined;
  outstanding: Map<number, Outstanding>;
  /** Monotonic time of its latest answer; undefined until it first answers on this connection. */
  answeredAt: number | undefined;
}

/** Register the `/dst/time/2` and `/dst/time/1` responders and return the measuring side. */
export function createClockProtocol(options: ClockProtocolOptions): ClockProtocol {
  const { operators, connections, streams, now } = options;
  const { intervalMs, silentMs } = options.timing ?? { intervalMs: CLOCK_INTERVAL_MS, silentMs: PEER_SILENT_MS };
  const log = options.logger;
  const peers = new Map<number, PeerClock>();
  /** Answers queued for each peer (by index) and not yet written. */
  const queuedAnswers = new Map<number, number>();
  let nextSeq = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const stateOf = (index: number): PeerClock => {
    let state = peers.get(index);
    if (state === undefined) peers.set(index, (state = { samples: [], roundTrip: undefined, outstanding: new Map(), answeredAt: undefined }));
    return state;
  };

  const forget = (index: number): void => {
    const state = peers.get(index);
    peers.delete(index);
    for (const { waiter } of state?.outstanding.values() ?? []) {
      if (!waiter) continue;
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`operator ${index} disconnected before answering`));
    }
  };

  /** Queues a request to `peer`; returns its sequence number. */
  const request = (peer: ClusterOperator, waiter?: Outstanding['waiter']): number => {
    const state = stateOf(peer.index);
    nextSeq = (nextSeq + 1) >>> 0;
    const seq = nextSeq;
    if (state.outstanding.size >= MAX_OUTSTANDING) {
      const [oldest, entry] = state.outstanding.entries().next().value!;
      state.outstanding.delete(oldest);
      if (entry.waiter) {
        clearTimeout(entry.waiter.timer);
        entry.waiter.reject(new Error(`too many clock requests to operator ${peer.index} in flight`));
      }
    }
    state.outstanding.set(seq, { sentAt: now(), sent: performance.now(), waiter });
    void streams.sendFrame(CLOCK_PROTOCOL, peer, encodeFrame([REQUEST, seq], CLOCK_FRAME_MAX_BYTES));
    return seq;
  };

  const answered = (peer: ClusterOperator, seq: number, remote: number): void => {
    const state = peers.get(peer.index);
    const entry = state?.outstanding.get(seq);
    if (state === undefined || entry === undefined) return; // late (dropped) or not ours: ignored
    state.outstanding.delete(seq);
    const received = performance.now();
    state.answeredAt = received;
    const roundTrip = received - entry.sent;
    const sample = { offset: remote - (entry.sentAt + roundTrip / 2), roundTrip };
    if (entry.waiter) {
      clearTimeout(entry.waiter.timer);
      entry.waiter.resolve(sample);
      return;
    }
    // A sample later than the request timeout is worthless for the offset, but the peer is alive.
    if (roundTrip > CLOCK_REQUEST_TIMEOUT_MS) return;
    state.roundTrip = roundTrip;
    state.samples.push(sample);
    if (state.samples.length > CLOCK_SAMPLES) state.samples.shift();
  };

  void connections.handle(CLOCK_PROTOCOL, (stream, connection) => {
    const peer = operators.operatorOf(connection.remotePeer);
    if (peer === undefined) return void stream.abort(new Error('not an operator'));
    void streams.readFrames(stream, CLOCK_PROTOCOL, CLOCK_FRAME_MAX_BYTES, (frame) => {
      const message = parseClockFrame(frame);
      if (message.kind === 'response') return answered(peer, message.seq, message.time);
      const queued = queuedAnswers.get(peer.index) ?? 0;
      if (queued >= MAX_QUEUED_ANSWERS) return;
      queuedAnswers.set(peer.index, queued + 1);
      void streams
        .sendFrame(CLOCK_PROTOCOL, peer, encodeFrame([RESPONSE, message.seq, now()], CLOCK_FRAME_MAX_BYTES))
        .finally(() => queuedAnswers.set(peer.index, (queuedAnswers.get(peer.index) ?? 1) - 1));
    });
  });

  // The earlier version: one request per stream, the integer 0, answered by one number.
  void connections.handle(LEGACY_CLOCK_PROTOCOL, (stream) => {
    let answeredRequest = false;
    void streams.readFrames(stream, LEGACY_CLOCK_PROTOCOL, CLOCK_FRAME_MAX_BYTES, async (frame) => {
      if (answeredRequest) throw new FrameError('clock: expected one request per stream, got another');
      if (frame !== 0) throw new FrameError('malformed clock request: expected the integer 0');
      answeredRequest = true;
      stream.send(encodeFrame(now(), CLOCK_FRAME_MAX_BYTES));
      await stream.close();
    });
  });

  /**
   * Every interval: drop unanswered requests, close the connections of a peer gone silent, ask again.
   * `stalled`: this node's own event loop ran this tick late (over two intervals since the last), so
   * the peers' answers may be waiting unread in its socket buffers: each peer's silence counts afresh.
   */
  const heartbeat = (peer: ClusterOperator, stalled = false): void => {
    if (stopped || !connections.isConnected(peer)) return;
    const state = stateOf(peer.index);
    const at = performance.now();
    if (stalled && state.answeredAt !== undefined) state.answeredAt = at;
    for (const [seq, entry] of state.outstanding) if (!entry.waiter && at - entry.sent > CLOCK_REQUEST_TIMEOUT_MS) state.outstanding.delete(seq);
    if (state.answeredAt !== undefined && at - state.answeredAt > silentMs) {
      log?.warn({ share: peer.index + 1, silentMs: Math.round(at - state.answeredAt) }, 'operator stopped answering heartbeats: closing its connections');
      forget(peer.index);
      connections.closeConnections(peer, new Error(`operator ${peer.index} answered no heartbeat for ${silentMs} ms`));
      return;
    }
    request(peer);
  };

  connections.onPeerConnected((peer) => heartbeat(peer));
  connections.onPeerDisconnected((peer) => forget(peer.index));

  const measured = (value: (state: PeerClock) => number | undefined): ReadonlyMap<number, number> => {
    const result = new Map<number, number>();
    for (const [index, state] of peers) {
      const v = value(state);
      if (v !== undefined) result.set(index, v);
    }
    return result;
  };

  return {
    clockOffsets: () => measured((state) => bestSample(state.samples)?.offset),
    roundTrips: () => measured((state) => state.roundTrip),
    sample(index) {
      const peer = operators.others.find((operator) => operator.index === index);
      if (peer === undefined) return Promise.reject(new Error(`operator ${index} is not a peer of this node`));
      if (!connections.isConnected(peer)) return Promise.reject(new Error(`operator ${index} is not connected`));
      return new Promise<ClockSample>((resolve, reject) => {
        const timer = setTimeout(() => {
          peers.get(index)?.outstanding.delete(seq);
          reject(new Error(`operator ${index} did not answer a clock request within ${CLOCK_REQUEST_TIMEOUT_MS} ms`));
        }, CLOCK_REQUEST_TIMEOUT_MS);
        const seq = request(peer, { resolve, reject, timer });
      });
    },
    start() {
      let lastTick = performance.now();
      timer = setInterval(() => {
        const at = performance.now();
        const stalled = at - lastTick > 2 * intervalMs;
        lastTick = at;
        for (const peer of operators.others) heartbeat(peer, stalled);
      }, intervalMs);
      timer.unref();
      // Operators connected before the handlers were registered (none usually) are asked now.
      for (const peer of operators.others) heartbeat(peer);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const index of [...peers.keys()]) forget(index);
    },
  };
}
