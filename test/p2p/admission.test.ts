/**
 * Admission of inbound connections (src/p2p/admission.ts): real hosts on 127.0.0.1 and raw TCP
 * clients — a stranger bound to 127.0.0.2 (Linux routes all of 127.0.0.0/8 locally), and sockets from
 * 127.0.0.1, an operator's address — plus the admission rules on their own with a fake resolver.
 */
import '../../src/p2p/polyfill.js';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey, MultiaddrConnection, PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalIp, createAdmission, type Resolver } from '../../src/p2p/admission.js';
import { DEFAULT_LIMITS, DNS_REFRESH_MS } from '../../src/p2p/limits.js';
import { createOperators } from '../../src/p2p/operators.js';
import { createClusterHost, type ClusterHost, type ClusterLimits, type ClusterPeer } from '../../src/p2p/index.js';
import { freePort, waitFor } from '../helpers/net.js';
import { MULTISTREAM_HEADER, closedWithin, probe, type Probe } from './sockets.js';

const STRANGER = '127.0.0.2';
const OPERATOR_ADDRESS = '127.0.0.1';

async function cluster(n: number): Promise<{ keys: Ed25519PrivateKey[]; peers: ClusterPeer[] }> {
  const keys: Ed25519PrivateKey[] = [];
  const peers: ClusterPeer[] = [];
  for (let i = 0; i < n; i++) {
    const key = await generateKeyPair('Ed25519');
    keys.push(key);
    peers.push({ index: i, peerId: peerIdFromPrivateKey(key).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
  }
  return { keys, peers };
}

const portOf = (peer: ClusterPeer): number => Number(peer.addrs[0].split('/')[4]);

describe('admission of inbound connections (real hosts, loopback)', () => {
  const hosts: ClusterHost<unknown>[] = [];
  const probes: Probe[] = [];
  const open = async (port: number, from: string, send?: Uint8Array): Promise<Probe> => {
    const p = await probe(port, from, send);
    probes.push(p);
    return p;
  };
  const start = async (keys: Ed25519PrivateKey[], peers: ClusterPeer[], limits: Partial<ClusterLimits> = {}): Promise<ClusterHost<unknown>[]> => {
    const started: ClusterHost<unknown>[] = [];
    for (let i = 0; i < peers.length; i++) {
      const host = await createClusterHost({ identity: keys[i], listen: peers[i].addrs, peers, limits });
      hosts.push(host);
      started.push(host);
    }
    return started;
  };

  afterEach(async () => {
    for (const p of probes.splice(0)) p.socket.destroy();
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  it('closes a stranger address at accept, before any handshake byte, and lets the operators connect', async () => {
    const { keys, peers } = await cluster(2);
    const [host] = await start(keys, peers);
    await waitFor('the operators connected', () => host.connectedPeers().length === 1);
    const port = portOf(peers[0]);

    // Control: from an operator's address the multistream header gets multistream's answer, so a
    // probe that receives nothing was not answered.
    const control = await open(port, OPERATOR_ADDRESS, MULTISTREAM_HEADER);
    await waitFor('an answer from the host', () => control.received > 0, 5_000);

    const idle = await open(port, STRANGER);
    const speaking = await open(port, STRANGER, MULTISTREAM_HEADER);
    // Closed by the server well before the 3 s handshake timeout could have done it.
    expect(await closedWithin(idle, 1_500)).toBe(true);
    expect(await closedWithin(speaking, 1_500)).toBe(true);
    expect(idle.received).toBe(0);
    expect(speaking.received).toBe(0);
    expect(host.connectionsRefused()).toMatchObject({ notOperator: 2, overLimit: 0, unknownPeer: 0 });
    expect(host.connectedPeers()).toEqual([1]);
  });

  it("with acceptFrom 'any', lets other addresses reach the handshake in slots of their own", async () => {
    const { keys, peers } = await cluster(2);
    const [host, other] = await start(keys, peers, { acceptFrom: 'any', inboundHandshakeTimeoutMs: 10_000 });
    await waitFor('the operators connected', () => host.connectedPeers().length === 1);
    const port = portOf(peers[0]);

    // One other operator: addresses outside the lock get 2 pending slots (2 per other operator).
    const strangers: Probe[] = [];
    for (let i = 0; i < 4; i++) strangers.push(await open(port, STRANGER, MULTISTREAM_HEADER));
    await waitFor('two strangers answered', () => strangers.filter((p) => p.received > 0).length === 2, 5_000);
    await waitFor('two strangers closed', () => strangers.filter((p) => p.closedAt !== undefined).length === 2, 5_000);
    expect(strangers.filter((p) => p.closedAt !== undefined).every((p) => p.received === 0)).toBe(true);
    expect(host.connectionsRefused()).toMatchObject({ notOperator: 0, overLimit: 2 });

    // The operator's slots are not theirs: operator 1 restarts and is back while the strangers hold theirs.
    await other.stop();
    hosts.splice(hosts.indexOf(other), 1);
    await waitFor('operator 1 gone', () => host.connectedPeers().length === 0);
    hosts.push(await createClusterHost({ identity: keys[1], listen: peers[1].addrs, peers, limits: { acceptFrom: 'any' } }));
    await waitFor('operator 1 back', () => host.connectedPeers().length === 1, 8_000);
    expect(strangers.filter((p) => p.closedAt === undefined)).toHaveLength(2);
  });

  it('caps the pending connections from an operator address and closes the handshakes not finished in time', async () => {
    const { keys, peers } = await cluster(2);
    const [host] = await start(keys, peers, { inboundHandshakeTimeoutMs: 600 });
    await waitFor('the operators connected', () => host.connectedPeers().length === 1);
    const port = portOf(peers[0]);

    // One other operator at 127.0.0.1: 2 pending slots there. An idle socket and a half-open one
    // (the multistream header, then nothing) take them; the other four are closed at once. The
    // operator's own dial may still be in its handshake (both hosts dial at start; on a loaded machine
    // that can outlast the first connection), holding a slot: then the probes are refused, and taken
    // again once it is done. The counters are compared from the moment both slots are held.
    let held: Probe[] = [];
    for (let attempt = 0; ; attempt++) {
      held = [await open(port, OPERATOR_ADDRESS), await open(port, OPERATOR_ADDRESS, MULTISTREAM_HEADER)];
      await waitFor('the half-open socket answered or closed', () => held[1].received > 0 || held.some((p) => p.closedAt !== undefined), 5_000);
      if (held[1].received > 0 && held.every((p) => p.closedAt === undefined)) break;
      expect(attempt, 'the two pending slots never came free').toBeLessThan(5);
      for (const p of held) p.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const before = host.connectionsRefused();
    const refused: Probe[] = [];
    for (let i = 0; i < 4; i++) refused.push(await open(port, OPERATOR_ADDRESS));
    for (const p of refused) expect(await closedWithin(p, 1_500)).toBe(true);
    expect(refused.every((p) => p.received === 0)).toBe(true);
    expect(host.connectionsRefused().overLimit - before.overLimit).toBe(4);

    for (const p of held) expect(await closedWithin(p, 5_000)).toBe(true);
    for (const p of held) expect(p.closedAt! - p.openedAt).toBeGreaterThanOrEqual(500);
    const after = host.connectionsRefused();
    expect({ timedOut: after.timedOut - before.timedOut, overLimit: after.overLimit - before.overLimit, notOperator: after.notOperator }).toEqual({ timedOut: 2, overLimit: 4, notOperator: 0 });
    expect(host.connectedPeers()).toEqual([1]);
  });

  it('refuses limits it cannot use, and keeps the default of one given as undefined', async () => {
    const { keys, peers } = await cluster(1);
    const host = await createClusterHost({ identity: keys[0], listen: [], peers, limits: { acceptFrom: undefined, inboundHandshakeTimeoutMs: undefined } });
    hosts.push(host);
    expect(host.limits).toEqual(DEFAULT_LIMITS);
    await expect(createClusterHost({ identity: keys[0], listen: [], peers, limits: { acceptFrom: 'nobody' as 'any' } })).rejects.toThrow(
      /limits.acceptFrom: expected 'operators' or 'any'/,
    );
    await expect(createClusterHost({ identity: keys[0], listen: [], peers, limits: { inboundHandshakeTimeoutMs: 0 } })).rejects.toThrow(
      /limits.inboundHandshakeTimeoutMs: expected a positive integer/,
    );
  });
});

describe('admission rules', () => {
  type FakeConnection = MultiaddrConnection & { aborted?: Error; close(): void };
  /** A raw inbound connection from `address` that the admission may abort, and the test may close. */
  const connectionFrom = (address: string): FakeConnection => {
    const listeners: (() => void)[] = [];
    const fake = {
      remoteAddr: multiaddr(address),
      addEventListener: (_event: string, listener: () => void) => listeners.push(listener),
      abort(error: Error) {
        fake.aborted = error;
        fake.close();
      },
      close: () => listeners.splice(0).forEach((l) => l()),
      aborted: undefined as Error | undefined,
    };
    return fake as unknown as FakeConnection;
  };

  const operatorsWith = async (addrs: string[][]) => {
    const keys = await Promise.all(addrs.map(() => generateKeyPair('Ed25519')));
    const peers = addrs.map((a, index) => ({ index, peerId: peerIdFromPrivateKey(keys[index]).toString(), addrs: a }));
    return { operators: createOperators(keys[0], peers), keys };
  };

  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes IP addresses one way', () => {
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('::ffff:a00:3')).toBe('10.0.0.3');
    expect(canonicalIp('::FFFF:10.0.0.3')).toBe('10.0.0.3');
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('FE80:0::1')).toBe('fe80::1');
    expect(canonicalIp('10.0.0.2')).toBe('10.0.0.2');
    expect(canonicalIp('example.com')).toBeUndefined();
  });

  it('admits by the operators’ addresses, counting the operators at each, and resolves DNS names again on a refusal at most every 10 s', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let current = '10.0.0.3';
    const lookups: string[] = [];
    const resolve: Resolver = async (name, family) => {
      lookups.push(`${name}/${family}`);
      return name === 'three.example' ? [current] : [];
    };
    const { operators } = await operatorsWith([
      ['/ip4/10.0.0.1/tcp/9000'], // this node
      ['/ip4/10.0.0.2/tcp/9000', '/ip6/0:0:0:0:0:0:0:1/tcp/9000'],
      ['/ip4/10.0.0.2/tcp/9001'],
      ['/dns4/three.example/tcp/9000'],
      ['/dnsaddr/four.example'],
    ]);
    const admission = createAdmission({ operators, limits: DEFAULT_LIMITS, openConnections: () => 0, resolve });
    await admission.start();
    expect(lookups).toEqual(['three.example/4']);
    expect(admission.operatorAddresses()).toEqual(new Map([['10.0.0.2', 2], ['::1', 1], ['10.0.0.3', 1]]));

    // 10.0.0.2 holds two operators: 2 × 2 pending slots.
    const fromTwo = Array.from({ length: 5 }, () => connectionFrom('/ip4/10.0.0.2/tcp/40000'));
    expect(fromTwo.map((c) => admission.denyInboundConnection(c))).toEqual([false, false, false, false, true]);
    expect(admission.denyInboundConnection(connectionFrom('/ip6/::ffff:10.0.0.3/tcp/40000'))).toBe(false);
    expect(admission.denyInboundConnection(connectionFrom('/ip6/::1/tcp/40000'))).toBe(false);
    // A slot frees when its connection closes, or finishes its upgrade.
    fromTwo[0].close();
    const another = connectionFrom('/ip4/10.0.0.2/tcp/40001');
    expect(admission.denyInboundConnection(another)).toBe(false);
    admission.denyInboundUpgradedConnection(operators.all[1].peerId, fromTwo[1]);
    expect(admission.denyInboundConnection(connectionFrom('/ip4/10.0.0.2/tcp/40002'))).toBe(false);
    expect(admission.connectionsRefused()).toEqual({ notOperator: 0, unknownPeer: 0, overLimit: 1, timedOut: 0 });

    // Operator 3 moves to 10.0.0.9: refused, and not looked up again within 10 s of the last lookup …
    current = '10.0.0.9';
    expect(admission.denyInboundConnection(connectionFrom('/ip4/10.0.0.9/tcp/40000'))).toBe(true);
    expect(lookups).toHaveLength(1);
    // … then a refusal looks it up again, and the next connection from its new address is admitted.
    vi.setSystemTime(Date.now() + DNS_REFRESH_MS);
    expect(admission.denyInboundConnection(connectionFrom('/ip4/10.0.0.9/tcp/40001'))).toBe(true);
    expect(lookups).toHaveLength(2);
    await vi.waitFor(() => expect(admission.operatorAddresses().get('10.0.0.9')).toBe(1));
    expect(admission.denyInboundConnection(connectionFrom('/ip4/10.0.0.9/tcp/40002'))).toBe(false);
    expect(admission.connectionsRefused()).toMatchObject({ notOperator: 2 });
    admission.stop();
  });

  it('caps the operators’ addresses in all at 2 per other operator, however many addresses each has', async () => {
    const { operators } = await operatorsWith([['/ip4/10.0.0.1/tcp/9000'], ['/ip4/10.0.0.2/tcp/9000', '/ip4/10.0.0.5/tcp/9000']]);
    const admission = createAdmission({ operators, limits: DEFAULT_LIMITS, openConnections: () => 0 });
    expect(admission.maxPending).toBe(2);
    const deny = (address: string): boolean => admission.denyInboundConnection(connectionFrom(`/ip4/${address}/tcp/40000`));
    expect(['10.0.0.2', '10.0.0.5', '10.0.0.5'].map(deny)).toEqual([false, false, true]);
    expect(admission.connectionsRefused().overLimit).toBe(1);
    admission.stop();
  });

  it('resolves localhost with the system resolver', async () => {
    const { operators } = await operatorsWith([['/ip4/10.0.0.1/tcp/9000'], ['/dns4/localhost/tcp/9000']]);
    const admission = createAdmission({ operators, limits: DEFAULT_LIMITS, openConnections: () => 0 });
    await admission.start();
    expect(admission.operatorAddresses().get('127.0.0.1')).toBe(1);
    admission.stop();
  });

  it('closes a connection whose handshake does not finish in time, and nothing after it finished', async () => {
    const { operators } = await operatorsWith([['/ip4/10.0.0.1/tcp/9000'], ['/ip4/10.0.0.2/tcp/9000']]);
    const admission = createAdmission({ operators, limits: { ...DEFAULT_LIMITS, inboundHandshakeTimeoutMs: 50 }, openConnections: () => 0 });
    const slow = connectionFrom('/ip4/10.0.0.2/tcp/40000');
    const quick = connectionFrom('/ip4/10.0.0.2/tcp/40001');
    expect(admission.denyInboundConnection(slow)).toBe(false);
    expect(admission.denyInboundConnection(quick)).toBe(false);
    admission.denyInboundUpgradedConnection(operators.all[1].peerId, quick);
    await vi.waitFor(() => expect(slow.aborted?.message).toMatch(/not finished within 50 ms/));
    expect(quick.aborted).toBeUndefined();
    expect(admission.connectionsRefused()).toMatchObject({ timedOut: 1 });
    admission.stop();
  });

  it("with acceptFrom 'any', gives other addresses their own slots, 2 per address and 2 per other operator in all", async () => {
    const { operators } = await operatorsWith([['/ip4/10.0.0.1/tcp/9000'], ['/ip4/10.0.0.2/tcp/9000'], ['/ip4/10.0.0.3/tcp/9000']]);
    const admission = createAdmission({ operators, limits: { ...DEFAULT_LIMITS, acceptFrom: 'any' }, openConnections: () => 0 });
    const deny = (address: string): boolean => admission.denyInboundConnection(connectionFrom(`/ip4/${address}/tcp/40000`));
    expect(['192.0.2.1', '192.0.2.1', '192.0.2.1'].map(deny)).toEqual([false, false, true]);
    expect(['192.0.2.2', '192.0.2.2', '192.0.2.3'].map(deny)).toEqual([false, false, true]);
    // The operators' own slots are untouched.
    expect(['10.0.0.2', '10.0.0.2', '10.0.0.3', '10.0.0.3'].map(deny)).toEqual([false, false, false, false]);
    expect(admission.connectionsRefused()).toEqual({ notOperator: 0, unknownPeer: 0, overLimit: 2, timedOut: 0 });
    admission.stop();
  });

  it('after the handshake, refuses a peer id that is no operator’s and an operator over its open connections', async () => {
    const { operators } = await operatorsWith([['/ip4/10.0.0.1/tcp/9000'], ['/ip4/10.0.0.2/tcp/9000']]);
    let open = 0;
    const admission = createAdmission({ operators, limits: DEFAULT_LIMITS, openConnections: () => open });
    const stranger: PeerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    const connection = connectionFrom('/ip4/10.0.0.2/tcp/40000');
    expect(admission.denyInboundEncryptedConnection(stranger, connection)).toBe(true);
    expect(admission.denyInboundEncryptedConnection(operators.ownPeerId, connection)).toBe(true);
    expect(admission.denyInboundEncryptedConnection(operators.all[1].peerId, connection)).toBe(false);
    open = DEFAULT_LIMITS.connectionsPerOperator;
    expect(admission.denyInboundEncryptedConnection(operators.all[1].peerId, connection)).toBe(true);
    expect(admission.connectionsRefused()).toEqual({ notOperator: 0, unknownPeer: 2, overLimit: 1, timedOut: 0 });
    admission.stop();
  });
});
