/**
 * QBFT state machine throughput (target: ≥ 100,000 messages/s on one core, bench/README.md): one node's machine
 * runs the happy path of consecutive heights in a 4-node and a 13-node cluster. Per height it is
 * started, gets the leader's PRE-PREPARE (or proposes, when it leads), answers its validation request,
 * and receives every other node's PREPARE and COMMIT; it must decide. Signing is a preallocated
 * 96-byte array and value ids are precomputed strings: what is measured is the consensus logic alone,
 * which must be negligible beside the crypto. One benchmark op is one height; messages/s is ops/s
 * times the messages received per height.
 */
import { QbftMachine, type Commit, type Prepare, type PrePrepare } from '../src/consensus/index.js';
import { compareAsync, figure } from './harness.js';

const TARGET_MESSAGES_PER_SECOND = 100_000;
/** Heights prepared in advance; then a new machine starts over from height 1. */
const HEIGHTS = 1_000;

interface PlannedHeight {
  height: number;
  value: string;
  proposal: PrePrepare<string> | undefined; // undefined when this node leads
  votes: (Prepare | Commit)[];
}

function happyPath(nodes: number, self: number): { run: () => void; messagesPerHeight: number } {
  const signature = new Uint8Array(96);
  const plan: PlannedHeight[] = [];
  let messages = 0;
  for (let height = 1; height <= HEIGHTS; height++) {
    const leader = (height + 1) % nodes;
    const value = `block-${height}`;
    const proposal = leader === self ? undefined : { type: 'PRE-PREPARE' as const, height, round: 1, sender: leader, value };
    const votes: (Prepare | Commit)[] = [];
    for (let s = 0; s < nodes; s++) if (s !== self) votes.push({ type: 'PREPARE', height, round: 1, sender: s, valueId: value });
    for (let s = 0; s < nodes; s++) if (s !== self) votes.push({ type: 'COMMIT', height, round: 1, sender: s, valueId: value, signature });
    messages += votes.length + (proposal ? 1 : 0);
    plan.push({ height, value, proposal, votes });
  }
  const config = { self, nodes, valueId: (v: string) => v, signCommit: () => signature };
  let machine = new QbftMachine<string>(config);
  let next = 0;
  const run = (): void => {
    if (next === HEIGHTS) {
      machine = new QbftMachine<string>(config);
      next = 0;
    }
    const h = plan[next++]!;
    machine.start(h.height);
    if (h.proposal) {
      machine.receive(h.proposal);
      machine.validated(h.height, h.value, true);
    } else {
      machine.propose(h.height, h.value);
    }
    for (const vote of h.votes) machine.receive(vote);
    if (machine.decision?.value !== h.value) throw new Error(`qbft bench: height ${h.height} not decided`);
  };
  return { run, messagesPerHeight: messages / HEIGHTS };
}

export async function run(): Promise<void> {
  for (const nodes of [4, 13]) {
    const path = happyPath(nodes, 1);
    const result = await compareAsync({
      title: `QBFT happy path, n = ${nodes}: one height (${path.messagesPerHeight.toFixed(2)} messages received on average)`,
      subject: { name: `qbft machine n=${nodes}`, fn: path.run },
      peers: [],
    });
    figure({ name: `QBFT happy path, n = ${nodes}: messages received`, value: result.subject.opsPerSecond * path.messagesPerHeight, unit: 'messages/s', target: TARGET_MESSAGES_PER_SECOND });
  }
}
