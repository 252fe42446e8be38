/**
 * The cluster host over real libp2p on loopback: four operator hosts plus a raw libp2p node under the
 * test's control (operator 4, so the hosts accept it) that sends forged messages and garbage, and a
 * stranger whose peer id is in no lock.
 */
import '../../src/p2p/polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import type { Ed25519PrivateKey, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Commit, Decided, Prepare, QbftMessage } from '../../src/consensus/qbft/types.js';
import { freePort, waitFor } from '../helpers/net.js';
import {
  CONSENSUS_PROTOCOL,
  ConsensusCodec,
  SYNC_PROTOCOL,
  TX_PROTOCOL,
  createClusterHost,
  encodeFrame,
  type ClusterHost,
  type ClusterPeer,
} from '../../src/p2p/index.js';

type Value = { number: number; payload: Uint8Array };
type Received = { message: QbftMessage<Value>; from: number };

const HOSTS = 4;
const RAW = 4; // operator index of the raw node
const SYNC_MAX_BLOCKS = 8;

function rawNode(key: Ed25519PrivateKey, port: number): Promise<Libp2p> {
  return createLibp2p({
    privateKey: key,
    addresses: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: { denyDialMultiaddr: () => false },
  });
}

/** Wait until `stream` is closed or reset by the other side. */
function closed(stream: Stream): Promise<void> {
  if (stream.status !== 'open') return Promise.resolve();
  return new Promise((resolve) => stream.addEventListener('close', () => resolve(), { once: true }));
}

describe('cluster host (real libp2p, loopback)', () => {
  const keys: Ed25519PrivateKey[] = [];
  const peers: ClusterPeer[] = [];
  const hosts: ClusterHost<Value>[] = [];
  const inbox: Received[][] = [];
  const txInbox: { txs: Uint8Array[]; from: number }[][] = [];
  let raw: Libp2p;
  let stranger: Libp2p | undefined;
  let codecs: ConsensusCodec<Value>[];

  const startHost = async (index: number): Promise<ClusterHost<Value>> => {
    const host = await createClusterHost<Value>({
      identity: keys[index],
      listen: peers[index].addrs,
      peers,
      limits: { syncMaxBlocks: SYNC_MAX_BLOCKS },
    });
    host.onConsensusMessage((message, from) => inbox[index].push({ message, from }));
    host.onTransactions((txs, from) => txInbox[index].push({ txs, from }));
    host.provideBlocks((first, last) => {
      const blocks: Uint8Array[] = [];
      // Deliberately returns more than asked: the host must cut the answer to the range.
      for (let n = first; n <= last + 3; n++) blocks.push(new TextEncoder().encode(`block ${n} from ${index}`));
      return blocks;
    });
    hosts[index] = host;
    return host;
  };

  const rawStream = async (to: number, protocol: string): Promise<Stream> =>
    raw.dialProtocol(peerIdFromPrivateKey(keys[to]), protocol);

  beforeAll(async () => {
    for (let i = 0; i <= RAW; i++) {
      const key = await generateKeyPair('Ed25519');
      keys.push(key);
      peers.push({ index: i, peerId: peerIdFromPrivateKey(key).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
      inbox.push([]);
      txInbox.push([]);
    }
    const publicKeys = keys.map((k) => k.publicKey);
    codecs = keys.map((k, i) => new ConsensusCodec<Value>(k, i, publicKeys));
    raw = await rawNode(keys[RAW], Number(peers[RAW].addrs[0].split('/')[4]));
    for (let i = 0; i < HOSTS; i++) await startHost(i);
    await waitFor('a full mesh', () => hosts.every((h) => h.connectedPeers().length === HOSTS));
  });

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await raw?.stop();
    await stranger?.stop();
  });

  it('connects the four hosts to each other and to the fifth operator, and measures the round trip to each host', async () => {
    for (const host of hosts) {
      expect(host.connectedPeers()).toEqual([0, 1, 2, 3, 4].filter((i) => i !== host.self));
    }
    // Over the heartbeat (/dst/time/2): the fifth operator, a bare libp2p node, does not answer it.
    await waitFor('round trips', () => hosts.every((h) => h.pingLatencies().size === HOSTS - 1));
    for (const host of hosts) {
      expect([...host.pingLatencies().keys()].sort()).toEqual([0, 1, 2, 3].filter((i) => i !== host.self));
      for (const latency of host.pingLatencies().values()) expect(latency).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses an identity that is not Ed25519 or not an operator', async () => {
    const secp = await generateKeyPair('secp256k1');
    await expect(createClusterHost({ identity: secp, listen: [], peers })).rejects.toThrow(/expected an Ed25519 private key, got secp256k1/);
    const outsider = await generateKeyPair('Ed25519');
    await expect(createClusterHost({ identity: outsider, listen: [], peers })).rejects.toThrow(/identity key is not an operator/);
  });

  it('refuses a stranger whose peer id is not an operator', async () => {
    stranger = await rawNode(await generateKeyPair('Ed25519'), 0);
    // Noise completes before the host's gater sees the stranger's peer id, so the stranger's own dial
    // may briefly succeed; the host then closes the connection, and no protocol stream gets through.
    const address = multiaddr(`${peers[0].addrs[0]}/p2p/${peers[0].peerId}`);
    const opened = await stranger.dialProtocol(address, CONSENSUS_PROTOCOL).then(
      () => 'opened',
      (error: Error) => `refused: ${error.name}`,
    );
    expect(opened).toMatch(/^refused/);
    await waitFor('the stranger disconnected', () => stranger!.getConnections().length === 0);
    expect(hosts[0].connectedPeers().length).toBe(HOSTS);
  });

  it('broadcasts consensus messages, delivered with the authenticated sender index', async () => {
    const prepare: Prepare = { type: 'PREPARE', height: 7, round: 1, sender: 2, valueId: '0xabc' };
    await hosts[2].broadcast(prepare);
    await waitFor('the PREPARE everywhere', () => [0, 1, 3].every((i) => inbox[i].some((r) => r.message.type === 'PREPARE')));
    for (const i of [0, 1, 3]) {
      const got = inbox[i].find((r) => r.message.type === 'PREPARE')!;
      expect(got).toEqual({ message: prepare, from: 2 });
    }
    expect(inbox[2]).toEqual([]);
  });

  it('forwards justifications with their original signatures (DECIDED carrying received COMMITs)', async () => {
    const commitOf = (sender: number): Commit => ({
      type: 'COMMIT', height: 9, round: 2, sender, valueId: '0x99', signature: new Uint8Array(96).fill(sender),
    });
    await hosts[1].send(0, commitOf(1));
    await hosts[2].send(0, commitOf(2));
    await waitFor('two COMMITs at 0', () => inbox[0].filter((r) => r.message.type === 'COMMIT').length === 2);
    const received = inbox[0].filter((r) => r.message.type === 'COMMIT').map((r) => r.message as Commit);
    const decided: Decided<Value> = {
      type: 'DECIDED', height: 9, round: 2, sender: 0, value: { number: 9, payload: new Uint8Array([1, 2, 3]) },
      commits: [...received, commitOf(0)],
    };
    await hosts[0].send(3, decided);
    await waitFor('the DECIDED at 3', () => inbox[3].some((r) => r.message.type === 'DECIDED'));
    const got = inbox[3].find((r) => r.message.type === 'DECIDED')!;
    expect(got.from).toBe(0);
    const message = got.message as Decided<Value>;
    expect(message.commits.map((c) => c.sender).sort()).toEqual([0, 1, 2]);
    expect(message.value.number).toBe(9);
    expect(Uint8Array.from(message.value.payload)).toEqual(new Uint8Array([1, 2, 3]));
    // A host cannot invent another operator's message: there is no signature to forward.
    await expect(hosts[0].send(1, commitOf(3))).rejects.toThrow(/without its signature/);
  });

  it('drops and counts a bad signature, a sender that is not the connection peer, and a forged justification', async () => {
    const before = hosts[0].counters().rejectedConsensusMessages;
    const delivered = inbox[0].length;
    const stream = await rawStream(0, CONSENSUS_PROTOCOL);
    const prepare = (sender: number): Prepare => ({ type: 'PREPARE', height: 1, round: 1, sender, valueId: 'x' });

    // 1. Signed by the raw operator's key but claiming to be operator 1.
    const posingAs1 = new ConsensusCodec<Value>(keys[RAW], 1, keys.map((k) => k.publicKey));
    stream.send(encodeFrame(await posingAs1.seal(prepare(1)), 1 << 20));
    // 2. Its own message with a flipped signature bit.
    const [body, signature] = await codecs[RAW].seal(prepare(RAW));
    const flipped = Uint8Array.from(signature);
    flipped[0] ^= 1;
    stream.send(encodeFrame([body, flipped], 1 << 20));
    // 3. Validly signed by the raw operator, claiming as such, but carrying a COMMIT forged for operator 2.
    const forgedCommit: Commit = { type: 'COMMIT', height: 1, round: 1, sender: 2, valueId: 'x', signature: new Uint8Array(96) };
    const posingAs2 = new ConsensusCodec<Value>(keys[RAW], 2, keys.map((k) => k.publicKey));
    await posingAs2.seal(forgedCommit);
    const decided: Decided<Value> = { type: 'DECIDED', height: 1, round: 1, sender: RAW, value: { number: 1, payload: new Uint8Array() }, commits: [forgedCommit] };
    // Seal with a codec that knows the forged envelope (the raw operator's own codec would refuse to forward it).
    const forgingCodec = new ConsensusCodec<Value>(keys[RAW], RAW, keys.map((k) => k.publicKey));
    (forgingCodec as unknown as { envelopes: WeakMap<object, unknown> }).envelopes.set(forgedCommit, await posingAs2.seal(forgedCommit));
    stream.send(encodeFrame(await forgingCodec.seal(decided), 1 << 20));
    // 4. A genuine message after them on the same stream still arrives: dropping is per message.
    stream.send(encodeFrame(await codecs[RAW].seal(prepare(RAW)), 1 << 20));

    await waitFor('the genuine message', () => inbox[0].length > delivered);
    expect(hosts[0].counters().rejectedConsensusMessages - before).toBe(3);
    expect(inbox[0].slice(delivered)).toEqual([{ message: prepare(RAW), from: RAW }]);
    expect(stream.status).toBe('open');
    await stream.close();
  });

  it('closes and counts garbage on every protocol, and keeps working', async () => {
    const garbage: [string, Uint8Array][] = [
      [CONSENSUS_PROTOCOL, new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3])], // length prefix far above the limit
      [CONSENSUS_PROTOCOL, new Uint8Array([0, 0, 0, 1, 0xc1])], // msgpack's unused 0xc1: not an envelope
      [CONSENSUS_PROTOCOL, encodeFrame(['not', 'an', 'envelope'], 100)],
      [TX_PROTOCOL, new Uint8Array([0, 0, 0, 2, 0x92, 0x01])], // truncated array
      [TX_PROTOCOL, encodeFrame([new Uint8Array(1), 'not bytes'], 100)],
      [TX_PROTOCOL, new Uint8Array([0x00, 0x20, 0x00, 0x00])], // 2 MiB > 1 MiB tx frame limit
      [SYNC_PROTOCOL, encodeFrame([5, 1], 100)], // from > to
      [SYNC_PROTOCOL, new Uint8Array([0, 0, 1, 0])], // 256 bytes > the request limit
    ];
    const before = hosts[1].counters().malformedFrames;
    for (const [protocol, bytes] of garbage) {
      const stream = await rawStream(1, protocol);
      stream.send(bytes);
      await closed(stream);
      expect(stream.status).not.toBe('open');
    }
    const after = hosts[1].counters().malformedFrames;
    expect(after[CONSENSUS_PROTOCOL] - before[CONSENSUS_PROTOCOL]).toBe(3);
    expect(after[TX_PROTOCOL] - before[TX_PROTOCOL]).toBe(3);
    expect(after[SYNC_PROTOCOL] - before[SYNC_PROTOCOL]).toBe(2);

    const prepare: Prepare = { type: 'PREPARE', height: 11, round: 1, sender: 1, valueId: 'after garbage' };
    await hosts[1].broadcast(prepare);
    await waitFor('delivery after garbage', () => inbox[0].some((r) => r.message === undefined || (r.message.type === 'PREPARE' && r.message.height === 11)));
    const back: Prepare = { type: 'PREPARE', height: 11, round: 1, sender: 0, valueId: 'to 1' };
    await hosts[0].send(1, back);
    await waitFor('host 1 still receiving', () => inbox[1].some((r) => r.message.height === 11));
    expect(hosts[1].connectedPeers().length).toBe(HOSTS);
  });

  it('gossips transactions in batches', async () => {
    const txs = Array.from({ length: 1200 }, (_, i) => new TextEncoder().encode(`tx-${i}`));
    hosts[3].gossipTransactions(txs.slice(0, 1000));
    hosts[3].gossipTransactions(txs.slice(1000));
    const receivedBy = (i: number) => txInbox[i].flatMap((b) => b.txs);
    await waitFor('every transaction', () => [0, 1, 2].every((i) => receivedBy(i).length === txs.length));
    for (const i of [0, 1, 2]) {
      expect(receivedBy(i).map((t) => new TextDecoder().decode(t))).toEqual(txs.map((t) => new TextDecoder().decode(t)));
      expect(txInbox[i].every((b) => b.from === 3)).toBe(true);
      // Batched: far fewer frames than transactions, none above the batch count.
      expect(txInbox[i].length).toBeLessThan(10);
      expect(Math.max(...txInbox[i].map((b) => b.txs.length))).toBeLessThanOrEqual(512);
    }
  });

  it('serves sync requests for a range, cut to the range and to the limit K', async () => {
    const decode = (blocks: Uint8Array[]) => blocks.map((b) => new TextDecoder().decode(b));
    expect(decode(await hosts[0].requestBlocks(2, 10, 12))).toEqual(['block 10 from 2', 'block 11 from 2', 'block 12 from 2']);
    const many = await hosts[0].requestBlocks(1, 100, 10_000);
    expect(decode(many)).toEqual(Array.from({ length: SYNC_MAX_BLOCKS }, (_, i) => `block ${100 + i} from 1`));
    await expect(hosts[0].requestBlocks(1, 5, 4)).rejects.toThrow(/first ≤ last/);
  });

  it('counts and reports a malformed sync response', async () => {
    raw.handle(SYNC_PROTOCOL, (stream) => {
      stream.send(encodeFrame({ not: 'a block' }, 100));
      void stream.close();
    });
    const before = hosts[2].counters().malformedFrames[SYNC_PROTOCOL];
    await expect(hosts[2].requestBlocks(RAW, 0, 1)).rejects.toThrow(/malformed sync response/);
    expect(hosts[2].counters().malformedFrames[SYNC_PROTOCOL] - before).toBe(1);
  });

  it('survives a throwing handler and a failing block provider', async () => {
    let calls = 0;
    hosts[0].onConsensusMessage((message, from) => {
      calls++;
      if (message.height === 30) throw new Error('handler bug');
      inbox[0].push({ message, from });
    });
    const at = (height: number): Prepare => ({ type: 'PREPARE', height, round: 1, sender: 1, valueId: 'h' });
    await hosts[1].send(0, at(30));
    await hosts[1].send(0, at(31));
    await waitFor('the message after the throwing one', () => inbox[0].some((r) => r.message.height === 31));
    expect(calls).toBe(2);
    hosts[0].onConsensusMessage((message, from) => inbox[0].push({ message, from }));

    hosts[2].provideBlocks(() => {
      throw new Error('store unavailable');
    });
    await expect(hosts[0].requestBlocks(2, 0, 3)).rejects.toThrow(/sync request to operator 2 failed/);
  });

  it('reconnects a host that stops and restarts', async () => {
    await hosts[3].stop();
    await waitFor('3 gone', () => hosts[0].connectedPeers().every((i) => i !== 3));
    inbox[3].length = 0;
    await startHost(3);
    await waitFor('3 back in the mesh', () =>
      [0, 1, 2].every((i) => hosts[i].connectedPeers().includes(3)) && hosts[3].connectedPeers().length === HOSTS,
    );
    const prepare: Prepare = { type: 'PREPARE', height: 20, round: 1, sender: 0, valueId: 'after restart' };
    await hosts[0].broadcast(prepare);
    await waitFor('delivery to the restarted host', () => inbox[3].some((r) => r.message.height === 20));
  });
});
