/**
 * The heartbeat, `/dst/time/2` (src/p2p/protocols/clock.ts), over real libp2p on loopback: three
 * hosts, one of them with its clock 30 s ahead (the `now` option), and a raw libp2p node (operator 3)
 * that does not answer heartbeats but sends requests of its own, good and bad, on both versions of
 * the protocol. Then the failure detector over a transport pair in memory (short timings): a peer that
 * answered and then stops answering has its connections closed; one that never answered does not.
 */
import '../../src/p2p/polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import type { Ed25519PrivateKey, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameReader, encodeFrame } from '../../src/p2p/framing.js';
import { CLOCK_PROTOCOL, LEGACY_CLOCK_PROTOCOL, createClusterHost, type ClusterHost, type ClusterPeer } from '../../src/p2p/index.js';
import { bestSample, createClockProtocol, parseClockFrame } from '../../src/p2p/protocols/clock.js';
import type { Connections } from '../../src/p2p/connections.js';
import type { ClusterOperator, Operators } from '../../src/p2p/operators.js';
import type { Streams } from '../../src/p2p/streams.js';
import { freePort, waitFor } from '../helpers/net.js';

const HOSTS = 3;
const RAW = 3;
const AHEAD = 2; // the host whose clock is 30 s ahead
const SKEW_MS = 30_000;

/** Read frames from `stream` until it ends. */
async function framesOf(stream: Stream): Promise<unknown[]> {
  const reader = new FrameReader(64);
  const frames: unknown[] = [];
  for await (const chunk of stream) frames.push(...reader.push(chunk instanceof Uint8Array ? chunk : chunk.subarray()));
  return frames;
}

describe('clock offsets (real libp2p, loopback)', () => {
  const keys: Ed25519PrivateKey[] = [];
  const peers: ClusterPeer[] = [];
  const hosts: ClusterHost<unknown>[] = [];
  let raw: Libp2p;
  /** Heartbeat frames the hosts sent the raw operator over their own outbound streams. */
  const toRaw: unknown[] = [];

  beforeAll(async () => {
    for (let i = 0; i <= RAW; i++) {
      const key = await generateKeyPair('Ed25519');
      keys.push(key);
      peers.push({ index: i, peerId: peerIdFromPrivateKey(key).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
    }
    raw = await createLibp2p({
      privateKey: keys[RAW],
      addresses: { listen: peers[RAW].addrs as string[] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      connectionGater: { denyDialMultiaddr: () => false },
    });
    await raw.handle(CLOCK_PROTOCOL, async (stream) => {
      const reader = new FrameReader(64);
      for await (const chunk of stream) toRaw.push(...reader.push(chunk instanceof Uint8Array ? chunk : chunk.subarray()));
    });
    for (let i = 0; i < HOSTS; i++) {
      const now = i === AHEAD ? () => Date.now() + SKEW_MS : undefined;
      hosts.push(await createClusterHost({ identity: keys[i], listen: peers[i].addrs, peers, now }));
    }
    await waitFor('a full mesh', () => hosts.every((h) => h.connectedPeers().length === HOSTS));
  });

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await raw?.stop();
  });

  it('measures a clock 30 s ahead as +30 s, and the others from it as −30 s', async () => {
    await waitFor('offsets to every host', () => hosts.every((h) => h.clockOffsets().size === HOSTS - 1), 10_000);
    for (const i of [0, 1]) {
      const offsets = hosts[i].clockOffsets();
      expect(Math.abs(offsets.get(AHEAD)! - SKEW_MS)).toBeLessThan(1_000);
      expect(Math.abs(offsets.get(1 - i)!)).toBeLessThan(1_000);
      // The raw operator does not answer heartbeats: connected, but no offset and no round trip.
      expect(offsets.has(RAW)).toBe(false);
      expect(hosts[i].pingLatencies().has(RAW)).toBe(false);
      expect([...hosts[i].pingLatencies().keys()].sort()).toEqual([0, 1, 2].filter((peer) => peer !== i));
    }
    for (const [peer, offset] of hosts[AHEAD].clockOffsets()) {
      expect([0, 1]).toContain(peer);
      expect(Math.abs(offset + SKEW_MS)).toBeLessThan(1_000);
    }
  });

  it('answers [0, seq] with [1, seq, its clock] over its own stream, and closes and counts a malformed frame', async () => {
    // The answer comes over the host's own stream (into `toRaw`), never on this one.
    const send = async (host: number, protocol: string, frame: Uint8Array): Promise<void> => {
      const stream = await raw.dialProtocol(peerIdFromPrivateKey(keys[host]), protocol);
      stream.send(frame);
      await stream.close();
    };
    await send(AHEAD, CLOCK_PROTOCOL, encodeFrame([0, 77], 24));
    await send(0, CLOCK_PROTOCOL, encodeFrame([0, 78], 24));
    await waitFor('both answers', () => toRaw.some((f) => (f as number[])[1] === 77) && toRaw.some((f) => (f as number[])[1] === 78));
    const answer = (seq: number) => toRaw.find((f) => (f as number[])[1] === seq) as number[];
    expect(answer(77)[0]).toBe(1);
    expect(Math.abs(answer(77)[2]! - (Date.now() + SKEW_MS))).toBeLessThan(1_000);
    expect(Math.abs(answer(78)[2]! - Date.now())).toBeLessThan(1_000);
    // The hosts ask the raw operator too (it never answers): requests [0, seq].
    expect(toRaw.some((f) => (f as number[])[0] === 0 && (f as number[]).length === 2)).toBe(true);

    const before = hosts[0].counters().malformedFrames[CLOCK_PROTOCOL];
    await send(0, CLOCK_PROTOCOL, encodeFrame('what time is it', 64)); // not an array
    await send(0, CLOCK_PROTOCOL, encodeFrame([1, 5], 24)); // a response without a time
    await send(0, CLOCK_PROTOCOL, encodeFrame([0, -1], 24)); // not a u32
    await send(0, CLOCK_PROTOCOL, new Uint8Array([0, 0, 1, 0])); // a 256-byte frame: over the limit
    await waitFor('four malformed frames counted', () => hosts[0].counters().malformedFrames[CLOCK_PROTOCOL] - before === 4);
    expect(hosts[0].connectedPeers()).toContain(RAW);
  });

  it('still answers /dst/time/1 (one request per stream, the integer 0) for nodes of the earlier version', async () => {
    const ask = async (host: number, request: Uint8Array): Promise<unknown[]> => {
      const stream = await raw.dialProtocol(peerIdFromPrivateKey(keys[host]), LEGACY_CLOCK_PROTOCOL);
      stream.send(request);
      await stream.close();
      return framesOf(stream).catch(() => []);
    };
    const [ahead] = (await ask(AHEAD, encodeFrame(0, 16))) as number[];
    expect(Math.abs(ahead! - (Date.now() + SKEW_MS))).toBeLessThan(1_000);
    const before = hosts[0].counters().malformedFrames[LEGACY_CLOCK_PROTOCOL];
    expect(await ask(0, encodeFrame('what time is it', 64))).toEqual([]);
    expect(hosts[0].counters().malformedFrames[LEGACY_CLOCK_PROTOCOL] - before).toBe(1);
  });

  it('measures on demand (measureClock), and refuses a peer that does not answer', async () => {
    const sample = await hosts[0].measureClock(AHEAD);
    expect(Math.abs(sample.offset - SKEW_MS)).toBeLessThan(1_000);
    expect(sample.roundTrip).toBeGreaterThanOrEqual(0);
    await expect(hosts[0].measureClock(RAW)).rejects.toThrow(/did not answer a clock request within 2000 ms/);
  });

  it('forgets the offset of a peer that disconnects', async () => {
    await hosts[AHEAD].stop();
    await waitFor('the offsets to the stopped host dropped', () => [0, 1].every((i) => !hosts[i].clockOffsets().has(AHEAD)));
    expect(hosts[0].clockOffsets().has(1)).toBe(true);
  });

  it('reports the sample with the least round trip', () => {
    expect(bestSample([])).toBeUndefined();
    const samples = [
      { offset: 40, roundTrip: 80 },
      { offset: 3, roundTrip: 2 },
      { offset: -20, roundTrip: 50 },
      { offset: 9, roundTrip: 2 },
    ];
    expect(bestSample(samples)).toEqual({ offset: 3, roundTrip: 2 });
  });
});

describe('the heartbeat as a failure detector (a transport pair in memory, 50 ms interval, 300 ms silence)', () => {
  const timing = { intervalMs: 50, silentMs: 300 };
  const operatorsOf = [{ index: 0 }, { index: 1 }] as ClusterOperator[];

  /** Two clock protocols joined by in-memory streams; `answering()` says whether side 1's answers still arrive. */
  function pair(answering: () => boolean) {
    let connected = true;
    const sides = [0, 1].map((self) => ({
      self,
      handlers: new Map<string, (stream: unknown, connection: unknown) => void>(),
      receivers: new Map<string, (frame: unknown) => void>(),
      connected: [] as Array<(peer: ClusterOperator) => void>,
      disconnected: [] as Array<(peer: ClusterOperator) => void>,
      closed: [] as Error[],
    }));
    // Side 1's answers are lost once it stops answering; its own requests still arrive (and are answered).
    const deliver = (from: number, protocol: string, bytes: Uint8Array): void => {
      if (!connected) return;
      const to = sides[1 - from]!;
      if (!to.receivers.has(protocol)) to.handlers.get(protocol)!({}, { remotePeer: operatorsOf[from] });
      for (const frame of new FrameReader(64).push(bytes)) {
        if (from === 1 && !answering() && (frame as number[])[0] === 1) continue;
        to.receivers.get(protocol)!(frame);
      }
    };
    const clocks = sides.map((side) => {
      const connections = {
        handle: async (protocol: string, handler: (stream: unknown, connection: unknown) => void) => void side.handlers.set(protocol, handler),
        isConnected: () => connected,
        onPeerConnected: (handler: (peer: ClusterOperator) => void) => void side.connected.push(handler),
        onPeerDisconnected: (handler: (peer: ClusterOperator) => void) => void side.disconnected.push(handler),
        closeConnections: (_peer: ClusterOperator, reason: Error) => {
          side.closed.push(reason);
          connected = false;
          for (const s of sides) for (const handler of s.disconnected) handler(operatorsOf[1 - s.self]!);
        },
      } as unknown as Connections;
      const streams = {
        sendFrame: async (protocol: string, _peer: ClusterOperator, frame: Uint8Array) => deliver(side.self, protocol, frame),
        readFrames: async (_stream: unknown, protocol: string, _max: number, onFrame: (frame: unknown) => void) => {
          side.receivers.set(protocol, (frame) => onFrame(frame));
          return undefined;
        },
      } as unknown as Streams;
      const operators = { others: [operatorsOf[1 - side.self]], operatorOf: (peer: unknown) => peer } as unknown as Operators;
      return createClockProtocol({ operators, connections, streams, now: Date.now, timing });
    });
    for (const clock of clocks) clock.start();
    return { clocks, sides, stop: () => clocks.forEach((clock) => clock.stop()) };
  }

  it('closes the connections of a peer that answered and then went silent', async () => {
    let answering = true;
    const { clocks, sides, stop } = pair(() => answering);
    try {
      await waitFor('a round trip and an offset', () => clocks[0]!.roundTrips().has(1) && clocks[0]!.clockOffsets().has(1));
      expect(sides[0]!.closed).toEqual([]);
      answering = false;
      await waitFor('the connection closed', () => sides[0]!.closed.length > 0, 3_000);
      expect(sides[0]!.closed[0]!.message).toMatch(/operator 1 answered no heartbeat for 300 ms/);
      expect(sides[1]!.closed).toEqual([]); // side 0 kept answering side 1
      // Its samples went with it.
      expect(clocks[0]!.roundTrips().size).toBe(0);
      expect(clocks[0]!.clockOffsets().size).toBe(0);
    } finally {
      stop();
    }
  });

  it('does not take its own stalled event loop for silent peers', async () => {
    const { clocks, sides, stop } = pair(() => true);
    try {
      await waitFor('a round trip', () => clocks[0]!.roundTrips().has(1));
      // 600 ms without a tick: the last answer is older than the 300 ms limit when the next tick runs.
      const until = performance.now() + 600;
      while (performance.now() < until);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sides[0]!.closed).toEqual([]);
      expect(sides[1]!.closed).toEqual([]);
    } finally {
      stop();
    }
  });

  it('leaves a peer that never answers alone (a node of the earlier version): no samples, no verdict', async () => {
    const { clocks, sides, stop } = pair(() => false);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(sides[0]!.closed).toEqual([]);
      expect(clocks[0]!.roundTrips().size).toBe(0);
    } finally {
      stop();
    }
  });

  it('answers a peer that does not read its answers at most 8 times (bounded memory)', () => {
    const sent: unknown[] = [];
    let receive: (frame: unknown) => void = () => {};
    const handlers = new Map<string, (stream: unknown, connection: unknown) => void>();
    const connections = {
      handle: async (protocol: string, handler: (stream: unknown, connection: unknown) => void) => void handlers.set(protocol, handler),
      isConnected: () => true,
      onPeerConnected: () => {},
      onPeerDisconnected: () => {},
    } as unknown as Connections;
    const streams = {
      // Its writes never complete: the peer does not read.
      sendFrame: (_protocol: string, _peer: ClusterOperator, frame: Uint8Array) => {
        sent.push(...new FrameReader(64).push(frame));
        return new Promise(() => {});
      },
      readFrames: async (_stream: unknown, _protocol: string, _max: number, onFrame: (frame: unknown) => void) => void (receive = onFrame),
    } as unknown as Streams;
    const operators = { others: [operatorsOf[1]], operatorOf: (peer: unknown) => peer } as unknown as Operators;
    const clock = createClockProtocol({ operators, connections, streams, now: Date.now, timing });
    handlers.get(CLOCK_PROTOCOL)!({}, { remotePeer: operatorsOf[1] });
    for (let seq = 1; seq <= 20; seq++) receive([0, seq]);
    expect(sent.map((frame) => (frame as number[])[1])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    clock.stop();
  });

  it('reads only [0, seq] and [1, seq, time]', () => {
    expect(parseClockFrame([0, 5])).toEqual({ kind: 'request', seq: 5 });
    expect(parseClockFrame([1, 0xffffffff, 1.5])).toEqual({ kind: 'response', seq: 0xffffffff, time: 1.5 });
    for (const bad of [0, [0], [0, 1, 2], [1, 1], [1, 1, 'now'], [1, 1, Infinity], [2, 1], [0, 2 ** 32], [0, 1.5], 'x']) {
      expect(() => parseClockFrame(bad)).toThrow(/malformed clock frame/);
    }
  });
});
