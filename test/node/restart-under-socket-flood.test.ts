/**
 * A node that stays in the cluster under hostile networks (issue 12): four nodes in one process
 * (`startNode`, real LMDB stores, real libp2p hosts on 127.0.0.1), producing blocks from a trickle of
 * transactions, while a plain `net.connect` attacker works on every operator's p2p port:
 *   - from 127.0.0.1, the operators' own address (so the address check lets it in): 30 sockets per
 *     port, two in three idle (no byte sent), one in three half-open (multistream's header, then
 *     nothing). The attacker never closes them; the node does, at accept beyond the 6 pending slots
 *     of 127.0.0.1, or at the 3 s handshake timeout. They are opened at the start, again on the three
 *     others' ports just before node 2 comes back, and on node 2's port the moment it listens again;
 *   - from four stranger addresses (127.0.0.2–5), 5 sockets per address and port, each reopened
 *     100 ms after the node closes it, for the whole test.
 * Node 2 (index 1) is stopped (sequencer, host and store closed) and started again with the same
 * identity, port and database directory. The three others must keep producing while it is down; it
 * must reconnect to a quorum of peers and be ready (`/readyz`'s reasons), catch up to the cluster's
 * head and take part again (a block it proposed after the restart is decided everywhere), while the
 * attack goes on; and no two nodes may hold different blocks at one height. The attack is checked to
 * be real: every held socket reached the node's listener, the nodes' refusal counters saw it, and
 * strangers kept connecting to every port until the end.
 * Without the protection it fails (measured): with strangers counted as operators (no address check,
 * no slots reserved for the lock's addresses) the 20 strangers per port hold the operators' 6 slots
 * and node 2 stays alone until the deadline; with no admission at all (libp2p's own 10 shared
 * pending slots and 10 s upgrade timeout) the same in most runs, and the refusal checks fail in all.
 * With admission.ts it is back within a few seconds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { signTransfer } from '../../src/load/transactions.js';
import { hex } from '../../src/chain/index.js';
import type { NodeHandle } from '../../src/node/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { waitFor } from '../helpers/net.js';
import { MULTISTREAM_HEADER, probe, reachedServer, type Probe } from '../p2p/sockets.js';
import { startInProcessCluster, type InProcessCluster } from './in-process-cluster.js';

const CHAIN_ID = 4345n;
const NODES = 4;
const QUORUM = 3;
const RESTARTED = 1;
const BLOCK_TIME_MS = 100;
const TRICKLE_MS = 50;
const HELD_PER_PORT = 30;
/** Pending slots at 127.0.0.1 on each node: 2 per other operator (limits.ts), all three there. */
const OPERATOR_SLOTS = 6;
const STRANGER_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const STRANGERS_PER_ADDRESS = 5;
const STRANGER_REOPEN_MS = 100;
const to = new Uint8Array(20).fill(7);
const keyOf = (k: number): Uint8Array => keccak256(new TextEncoder().encode(`dst-restart-flood-${k}`));
const others = Array.from({ length: NODES }, (_, i) => i).filter((i) => i !== RESTARTED);

describe('a node restarting while idle and half-open sockets sit on every p2p port', () => {
  let cluster: InProcessCluster | undefined;
  const held: Probe[] = [];
  const strangers = new Set<Probe>();
  const strangerLoops: Promise<void>[] = [];
  /** Stranger connections accepted by the TCP stack, by port. */
  const strangerConnected = new Map<number, number>();
  let strangerBytes = 0;
  let attacking = false;
  let trickle: NodeJS.Timeout | undefined;

  afterAll(async () => {
    clearInterval(trickle);
    attacking = false;
    for (const p of [...held, ...strangers]) p.socket.destroy();
    await Promise.all(strangerLoops);
    await cluster?.stop();
  });

  it('keeps producing, and the restarted node reconnects, catches up and takes part again', async () => {
    cluster = await startInProcessCluster({ nodes: NODES, threshold: QUORUM, chainId: CHAIN_ID, blockTimeMs: BLOCK_TIME_MS });
    const { nodes } = cluster;
    const portOf = (i: number): number => Number(cluster!.peers[i]!.addrs[0]!.split('/')[4]);
    const head = (i: number): number => nodes[i]!.sequencer.headNumber();
    const othersHead = (): number => Math.max(...others.map(head));

    /** Opens `HELD_PER_PORT` sockets from 127.0.0.1 on `port` (the first one given, if any), held until the test ends. */
    const hold = async (port: number, first: Probe[] = []): Promise<Probe[]> => {
      const opened = [
        ...first,
        ...(await Promise.all(
          Array.from({ length: HELD_PER_PORT - first.length }, (_, k) => probe(port, '127.0.0.1', k % 3 === 2 ? MULTISTREAM_HEADER : undefined)),
        )),
      ];
      held.push(...opened);
      return opened;
    };
    /** One stranger socket on `port` from `address`, opened again `STRANGER_REOPEN_MS` after each close. */
    const strangerLoop = async (port: number, address: string): Promise<void> => {
      while (attacking) {
        const p = await probe(port, address);
        strangers.add(p);
        if (reachedServer(p)) strangerConnected.set(port, (strangerConnected.get(port) ?? 0) + 1);
        await p.closed;
        strangerBytes += p.received;
        strangers.delete(p);
        await new Promise((r) => setTimeout(r, STRANGER_REOPEN_MS));
      }
    };

    await waitFor('every node ready', () => nodes.every((node) => node.sequencer.health().ready), 20_000);
    // Blocks need transactions: one every 50 ms from a fresh sender, to a node that stays up.
    let sent = 0;
    trickle = setInterval(() => {
      const k = sent++;
      void nodes[others[k % others.length]!]!.sequencer.submitTransaction(signTransfer(CHAIN_ID, keyOf(k), 0, to), 'test').catch(() => {});
    }, TRICKLE_MS);
    await waitFor('blocks on every node', () => nodes.every((_, i) => head(i) >= 3), 20_000);

    // The attack starts on every port and lasts until afterAll.
    attacking = true;
    for (let i = 0; i < NODES; i++) {
      const opened = await hold(portOf(i));
      expect(opened.every(reachedServer), `held sockets connected to node ${i + 1}`).toBe(true);
      for (const address of STRANGER_ADDRESSES) for (let k = 0; k < STRANGERS_PER_ADDRESS; k++) strangerLoops.push(strangerLoop(portOf(i), address));
    }

    // Node 2 stops; the three others are a quorum and keep producing under the attack.
    await cluster.stopNode(RESTARTED);
    await waitFor('node 2 gone', () => others.every((i) => !nodes[i]!.host!.connectedPeers().includes(RESTARTED)));
    const headAtStop = othersHead();
    await waitFor('blocks while node 2 is down', () => others.every((i) => head(i) >= headAtStop + 3), 30_000);
    for (const i of others) expect(nodes[i]!.host!.connectedPeers().length, `node ${i + 1}'s peers`).toBe(NODES - 2);

    // The others' slots at 127.0.0.1 are filled again just before the restart, so that node 2's first
    // dials meet full slots; and the attacker waits for node 2's port, to fill its slots the moment
    // it listens (before or along with its peers' redials).
    const refusedBefore = others.map((i) => nodes[i]!.host!.connectionsRefused().overLimit);
    for (const i of others) expect((await hold(portOf(i))).every(reachedServer), `held sockets connected to node ${i + 1}`).toBe(true);
    const portOpen = (async (): Promise<Probe[]> => {
      while (attacking) {
        const p = await probe(portOf(RESTARTED), '127.0.0.1');
        if (reachedServer(p)) return [p];
        await new Promise((r) => setTimeout(r, 5));
      }
      return [];
    })();
    const restarted: NodeHandle = await cluster.restartNode(RESTARTED);
    const headAtRestart = restarted.sequencer.headNumber();
    const onRestarted = await hold(portOf(RESTARTED), await portOpen);
    expect(onRestarted.every(reachedServer), 'held sockets connected to the restarted node').toBe(true);
    expect(headAtRestart, 'node 2 restarts behind the cluster').toBeLessThan(othersHead());

    // Back in: a quorum of peers connected and ready by `/readyz`'s own reasons.
    await waitFor(
      'node 2 connected to a quorum and ready',
      () => restarted.host!.connectedPeers().length >= QUORUM - 1 && restarted.sequencer.health().ready,
      25_000,
    );
    const strangersAtRejoin = nodes.map((_, i) => strangerConnected.get(portOf(i)) ?? 0);
    const clusterHead = othersHead();
    await waitFor('node 2 caught up', () => restarted.sequencer.headNumber() >= clusterHead, 20_000);
    // Taking part: a block node 2 proposed after the restart was decided (its PRE-PREPARE got a
    // quorum's PREPAREs and COMMITs), and its head keeps pace with the others'.
    const proposedByRestarted = (): number | undefined => {
      for (let n = headAtRestart + 1; n <= restarted.sequencer.headNumber(); n++) {
        if (restarted.sequencer.getBlockByNumber(n)!.block.header.proposer === RESTARTED + 1) return n;
      }
      return undefined;
    };
    await waitFor('a block proposed by node 2 after its restart', () => proposedByRestarted() !== undefined, 20_000);
    const proposed = proposedByRestarted()!;
    for (const i of others) {
      await waitFor(`node ${i + 1} holding block ${proposed}`, () => head(i) >= proposed, 10_000);
      expect(nodes[i]!.sequencer.getBlockByNumber(proposed)!.block.header.proposer).toBe(RESTARTED + 1);
    }
    const later = othersHead() + 3;
    await waitFor('every node past the later height', () => nodes.every((_, i) => head(i) >= later), 20_000);
    expect(restarted.sequencer.health().reasons).toEqual([]);
    // The gauge `dst_peers_connected` says the same (refreshed every second).
    let gauge = 0;
    for (let tries = 0; gauge < QUORUM - 1 && tries < 50; tries++) {
      gauge = (await cluster.metrics[RESTARTED]!.peersConnected.get()).values[0]?.value ?? 0;
      if (gauge < QUORUM - 1) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gauge).toBeGreaterThanOrEqual(QUORUM - 1);

    // The attack was real and still on: node 2's new listener refused the held sockets beyond its
    // slots and timed out those in them; the others refused the refill; every node refused strangers
    // at accept, strangers kept connecting to every port after node 2 was back, and never got a byte.
    await waitFor('held sockets in node 2\'s slots timed out', () => restarted.host!.connectionsRefused().timedOut >= 1, 10_000);
    const refused = restarted.host!.connectionsRefused();
    expect(refused.overLimit).toBeGreaterThanOrEqual(HELD_PER_PORT - OPERATOR_SLOTS);
    expect(refused.unknownPeer).toBe(0);
    others.forEach((i, k) => expect(nodes[i]!.host!.connectionsRefused().overLimit - refusedBefore[k]!).toBeGreaterThanOrEqual(HELD_PER_PORT - OPERATOR_SLOTS));
    for (const node of nodes) expect(node.host!.connectionsRefused().notOperator).toBeGreaterThan(0);
    for (let i = 0; i < NODES; i++) expect(strangerConnected.get(portOf(i)) ?? 0, `strangers on node ${i + 1} since node 2 is back`).toBeGreaterThan(strangersAtRejoin[i]!);
    expect(strangerBytes + [...strangers].reduce((sum, p) => sum + p.received, 0)).toBe(0);
    // The attacker closed none of the 127.0.0.1 sockets; the nodes closed every one (at accept or at the timeout).
    await waitFor('every held socket closed by its node', () => held.every((p) => p.closedAt !== undefined), 10_000);

    // One chain: no two different blocks at one height on any two nodes.
    const top = Math.max(...nodes.map((_, i) => head(i)));
    for (let n = 1; n <= top; n++) {
      const hashes = new Set(nodes.filter((_, i) => head(i) >= n).map((node) => hex(node.sequencer.getBlockByNumber(n)!.block.hash)));
      expect(hashes.size, `blocks at height ${n}`).toBe(1);
    }
  }, 90_000);
});
