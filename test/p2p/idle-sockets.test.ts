/**
 * A host restarts while every operator's p2p port is under a socket attack (real libp2p hosts on
 * 127.0.0.1, the attacker plain `net.connect`):
 *   - from 127.0.0.1, an operator's address, so the address check lets them in: 30 sockets held on
 *     each port, idle (no byte sent) or half-open (multistream's header, then nothing); only the
 *     per-address pending cap and the handshake timeout bound what they hold;
 *   - from 127.0.0.2, a stranger: 12 sockets per port, each reopened 100 ms after the host closes it,
 *     for the whole test (the measured attack held libp2p's 10 shared pending slots this way).
 * The restarted host must find its three peers again, and they it, while the attack goes on. (With
 * libp2p's defaults and no address check — 10 pending slots for everyone, 10 s to a handshake — it
 * was still alone after the test's 20 s; with admission.ts it is back once the held sockets' 3 s
 * handshake timeout frees the operators' slots, typically within 5 s.)
 */
import '../../src/p2p/polyfill.js';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterAll, describe, expect, it } from 'vitest';
import { createClusterHost, type ClusterHost, type ClusterPeer } from '../../src/p2p/index.js';
import { freePort, waitFor } from '../helpers/net.js';
import { MULTISTREAM_HEADER, probe, type Probe } from './sockets.js';

const HOSTS = 4;
const HELD_PER_PORT = 30;
const STRANGER_PER_PORT = 12;
const STRANGER_REOPEN_MS = 100;

describe('a restart under an idle-socket attack (real libp2p, loopback)', () => {
  const keys: Ed25519PrivateKey[] = [];
  const peers: ClusterPeer[] = [];
  const hosts: ClusterHost<unknown>[] = [];
  const held: Probe[] = [];
  const strangers = new Set<Probe>();
  let strangerConnections = 0;
  let strangerBytes = 0;
  let attacking = true;

  const portOf = (i: number): number => Number(peers[i].addrs[0].split('/')[4]);
  const startHost = async (i: number): Promise<void> => {
    hosts[i] = await createClusterHost({ identity: keys[i], listen: peers[i].addrs, peers });
  };
  /** Hold `HELD_PER_PORT` sockets from 127.0.0.1 on port `port`: two in three idle, one in three half-open. */
  const hold = async (port: number): Promise<Probe[]> => {
    const opened = await Promise.all(
      Array.from({ length: HELD_PER_PORT }, (_, k) => probe(port, '127.0.0.1', k % 3 === 2 ? MULTISTREAM_HEADER : undefined)),
    );
    held.push(...opened);
    return opened;
  };
  /** A stranger socket on `port` that is opened again `STRANGER_REOPEN_MS` after each close. */
  const strangerLoop = async (port: number): Promise<void> => {
    while (attacking) {
      const p = await probe(port, '127.0.0.2');
      strangers.add(p);
      strangerConnections++;
      await p.closed;
      strangerBytes += p.received;
      strangers.delete(p);
      await new Promise((r) => setTimeout(r, STRANGER_REOPEN_MS));
    }
  };

  afterAll(async () => {
    attacking = false;
    for (const p of [...held, ...strangers]) p.socket.destroy();
    await Promise.all(hosts.map((h) => h.stop()));
  });

  it('reconnects a restarted host to its three peers while the attacker holds its sockets and the stranger keeps reopening', async () => {
    for (let i = 0; i < HOSTS; i++) {
      const key = await generateKeyPair('Ed25519');
      keys.push(key);
      peers.push({ index: i, peerId: peerIdFromPrivateKey(key).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
    }
    for (let i = 0; i < HOSTS; i++) await startHost(i);
    await waitFor('a full mesh', () => hosts.every((h) => h.connectedPeers().length === HOSTS - 1));

    const strangerLoops: Promise<void>[] = [];
    for (let i = 0; i < HOSTS; i++) {
      await hold(portOf(i));
      for (let k = 0; k < STRANGER_PER_PORT; k++) strangerLoops.push(strangerLoop(portOf(i)));
    }

    // Host 3 restarts (same identity and port). Its peers' slots at 127.0.0.1 are filled again just
    // before, so that its first dials meet full slots; the held sockets on its own port went with its
    // listener, and the attacker holds 30 more on the new one as soon as it listens.
    await hosts[3].stop();
    await waitFor('3 gone', () => [0, 1, 2].every((i) => !hosts[i].connectedPeers().includes(3)));
    for (const i of [0, 1, 2]) await hold(portOf(i));
    await startHost(3);
    await hold(portOf(3));

    await waitFor(
      'host 3 back in the mesh',
      () => hosts[3].connectedPeers().length === HOSTS - 1 && [0, 1, 2].every((i) => hosts[i].connectedPeers().includes(3)),
      20_000,
    );
    // 6 pending slots at 127.0.0.1 (2 for each of the 3 other operators there): of each 30 held sockets
    // at least 24 are closed at accept, and those in slots at the 3 s handshake timeout.
    await waitFor('the held sockets in slots timed out', () => hosts.every((h) => h.connectionsRefused().timedOut >= 6), 10_000);
    for (const host of hosts) {
      const refused = host.connectionsRefused();
      expect(refused.overLimit).toBeGreaterThanOrEqual(HELD_PER_PORT - 6);
      expect(refused.notOperator).toBeGreaterThan(0);
      expect(refused.unknownPeer).toBe(0);
    }
    // The strangers kept coming and were refused at accept every time: not one byte reached them.
    expect(strangerConnections).toBeGreaterThan(HOSTS * STRANGER_PER_PORT);
    expect(strangerBytes + [...strangers].reduce((sum, p) => sum + p.received, 0)).toBe(0);
    attacking = false;
    for (const p of strangers) p.socket.destroy();
    await Promise.all(strangerLoops);
  }, 40_000);
});
