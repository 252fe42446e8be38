/**
 * `/dst/time/1` (src/p2p/protocols/clock.ts) over real libp2p on loopback: three hosts, one of them
 * with its clock 30 s ahead (the `now` option), and a raw libp2p node (operator 3) that does not
 * speak the protocol but sends requests of its own, good and bad.
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
import { CLOCK_PROTOCOL, createClusterHost, type ClusterHost, type ClusterPeer } from '../../src/p2p/index.js';
import { bestSample } from '../../src/p2p/protocols/clock.js';
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
      // The raw operator does not speak /dst/time/1: connected, but no offset.
      expect(offsets.has(RAW)).toBe(false);
    }
    for (const [peer, offset] of hosts[AHEAD].clockOffsets()) {
      expect([0, 1]).toContain(peer);
      expect(Math.abs(offset + SKEW_MS)).toBeLessThan(1_000);
    }
  });

  it('answers a request with its own clock, and closes and counts a malformed one', async () => {
    const ask = async (host: number, request: Uint8Array): Promise<unknown[]> => {
      const stream = await raw.dialProtocol(peerIdFromPrivateKey(keys[host]), CLOCK_PROTOCOL);
      stream.send(request);
      await stream.close();
      return framesOf(stream).catch(() => []);
    };
    const [ahead] = (await ask(AHEAD, encodeFrame(0, 16))) as number[];
    expect(Math.abs(ahead - (Date.now() + SKEW_MS))).toBeLessThan(1_000);
    const [plain] = (await ask(0, encodeFrame(0, 16))) as number[];
    expect(Math.abs(plain - Date.now())).toBeLessThan(1_000);

    const before = hosts[0].counters().malformedFrames[CLOCK_PROTOCOL];
    expect(await ask(0, encodeFrame('what time is it', 64))).toEqual([]); // not the integer 0
    expect(await ask(0, new Uint8Array([0, 0, 1, 0]))).toEqual([]); // a 256-byte frame: over the 16-byte limit
    expect(hosts[0].counters().malformedFrames[CLOCK_PROTOCOL] - before).toBe(2);
    expect(hosts[0].connectedPeers()).toContain(RAW);
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
