/**
 * p2p logs name operators by their 1-based share index (the lock's, the metrics' and the proposers'),
 * not by the 0-based operator number the host uses inside: two real hosts on loopback with a captured
 * pino logger; host 1 (operator 0) must log its peer (operator 1) as share 2 when it connects and when
 * it goes away.
 */
import '../../src/p2p/polyfill.js';
import { Writable } from 'node:stream';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createClusterHost, type ClusterHost, type ClusterPeer } from '../../src/p2p/index.js';
import { freePort, waitFor } from '../helpers/net.js';

describe('p2p logs use the share index', () => {
  const hosts: ClusterHost<unknown>[] = [];
  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
  });

  it('logs "operator connected" and "operator disconnected" with share = index + 1', async () => {
    const keys: Ed25519PrivateKey[] = [];
    const peers: ClusterPeer[] = [];
    for (let i = 0; i < 2; i++) {
      const key = await generateKeyPair('Ed25519');
      keys.push(key);
      peers.push({ index: i, peerId: peerIdFromPrivateKey(key).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
    }
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    for (let i = 0; i < 2; i++) {
      hosts.push(await createClusterHost<unknown>({ identity: keys[i]!, listen: peers[i]!.addrs, peers, ...(i === 0 ? { logger } : {}) }));
    }
    const logged = (msg: string) => lines.filter((line) => line.msg === msg);
    await waitFor('operator connected', () => logged('operator connected').length > 0);
    expect(logged('operator connected')[0]).toMatchObject({ share: 2 });
    expect(logged('operator connected')[0]).not.toHaveProperty('peer');
    await hosts.pop()!.stop();
    await waitFor('operator disconnected', () => logged('operator disconnected').length > 0);
    expect(logged('operator disconnected')[0]).toMatchObject({ share: 2 });
  });
});
