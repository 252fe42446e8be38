/**
 * The quorum watch of the peer tracker (src/node/peers.ts, issue 17): with 4 nodes (quorum 3, so 2
 * peers needed) and a virtual clock, losing the quorum is one warning with the connected and needed
 * counts, its return one info line, and nothing is logged before a first quorum or while nothing changes.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { quorumSize } from '../../src/consensus/index.js';
import { VirtualClock } from '../../src/node/clock.js';
import { PeerTracker } from '../../src/node/peers.js';
import type { SequencerNetwork } from '../../src/node/options.js';

function tracker(connected: { peers: number[] }) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const network = { connectedPeers: () => connected.peers } as unknown as SequencerNetwork;
  const peers = new PeerTracker(4, network, 10_000, pino({ level: 'info' }, sink), () => 0);
  return { peers, lines };
}

describe('quorum watch', () => {
  it('warns once when the quorum is lost, with counts, and logs its return', () => {
    const connected = { peers: [] as number[] };
    const { peers, lines } = tracker(connected);
    const clock = new VirtualClock();
    const quorum = quorumSize(4);
    peers.startQuorumWatch(clock, quorum);
    const tick = () => expect(clock.runNext()).toBe(true);

    // Start-up, no peer yet: not a loss (the node has never had its quorum).
    tick();
    expect(lines).toEqual([]);
    expect(peers.quorumConnected).toBeUndefined();
    connected.peers = [1, 2, 3];
    tick();
    expect(peers.quorumConnected).toBe(true);
    connected.peers = [2];
    tick();
    tick();
    connected.peers = [2, 3];
    tick();
    tick();
    peers.stop();
    expect(clock.runNext()).toBe(false);

    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'quorum lost: 1 of 3 peers connected, a quorum of 3 nodes needs 2; no block can be signed until enough reconnect'],
      [30, 'quorum back: 2 of 3 peers connected (a quorum needs 2); blocks can be signed again'],
    ]);
    expect(lines[0]).toMatchObject({ connected: 1, peers: 3, needed: 2, quorum: 3 });
    expect(lines[1]).toMatchObject({ connected: 2, needed: 2 });
  });
});
