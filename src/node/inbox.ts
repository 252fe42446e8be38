/**
 * The consensus inbox (issue 19): where each consensus message from a peer goes, in this order — its
 * COMMIT partial (alone, or every one inside a DECIDED) to the `PartialAggregator`; its height to the
 * `PeerTracker` (a sync may be due; peers may have started the next height, which wakes the loop); a
 * proposal for the next height to the height's timeline; then the message itself to the
 * `ConsensusDriver` — except, while the driver is paused for a sync, a message for a height this node
 * has stored, which is answered once consensus runs again.
 */
import type { Block } from '../chain/index.js';
import type { QbftMessage } from '../consensus/index.js';
import type { ConsensusDriver } from './driver.js';
import type { SequencerMetrics } from './options.js';
import type { PeerTracker } from './peers.js';
import type { ChangeSignal } from './signal.js';
import type { HeightTimeline } from './timeline.js';

export interface InboxParts {
  driver: ConsensusDriver;
  peers: PeerTracker;
  timeline: HeightTimeline;
  signal: ChangeSignal;
  metrics?: SequencerMetrics;
  /** The stored head's number. */
  head: () => number;
  requestSync: () => void;
  /** Records a COMMIT partial with the aggregator (waking the loop if it is new). */
  recordCommit: (commit: Commit) => void;
}

type Commit = { height: number; round: number; sender: number; valueId: string; signature: Uint8Array };

export class ConsensusInbox {
  constructor(private readonly parts: InboxParts) {}

  receive(message: QbftMessage<Block>, from: number): void {
    const { peers, timeline, signal, driver, metrics } = this.parts;
    const head = this.parts.head();
    if (message.type === 'COMMIT') {
      metrics?.partialsReceived.inc();
      this.parts.recordCommit(message);
    } else if (message.type === 'DECIDED') {
      for (const commit of message.commits) this.parts.recordCommit(commit);
    }
    const { syncDue, startedNext } = peers.observe(message, from, head);
    if (syncDue) this.parts.requestSync();
    if (message.type === 'PRE-PREPARE' && message.height === head + 1) timeline.mark('proposal');
    if (startedNext) signal.notify();
    if (driver.paused && message.height <= head) return;
    driver.receive(message, from);
  }
}
