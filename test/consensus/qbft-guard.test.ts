/**
 * Why the equivocation guard (DESIGN.md §3) is needed when the partial signature is over the value
 * alone: a hand-driven schedule of four machines — honest 0, 1, 2 and Byzantine 3 — in which no value
 * is ever decided, but, without the guard, node 1 would sign v in round 1 and x in round 2, and both
 * values would end with t = 3 partial signatures (partials from different rounds combine). With the
 * guard node 1 refuses x, and only v can be signed.
 *
 * Leaders at height 1: round 1 → 2, round 2 → 3 (Byzantine), round 3 → 0, round 4 → 1.
 * The Byzantine node hides its round-1 lock in its round-2 ROUND-CHANGE and shows it in round 3.
 */
import { describe, expect, it } from 'vitest';
import {
  QbftMachine, type Commit, type Prepare, type PrePrepare, type QbftMessage, type QbftOutput, type RoundChange,
} from '../../src/consensus/index.js';

const encoder = new TextEncoder();
const BYZANTINE = 3;

class Cluster {
  readonly machines = [0, 1, 2].map((self) => new QbftMachine<string>({
    self, nodes: 4, valueId: (v) => v, signCommit: (h, _v, id) => encoder.encode(`${self}:${h}:${id}`),
  }));
  /** Everything broadcast so far, by sender. */
  readonly sent: QbftMessage<string>[] = [];

  act(node: number, outputs: QbftOutput<string>[]): void {
    for (const o of outputs) {
      if (o.kind === 'broadcast') this.sent.push(o.message);
      if (o.kind === 'validate') this.act(node, this.machines[node]!.validated(o.height, o.valueId, true));
      if (o.kind === 'need-value') this.act(node, this.machines[node]!.propose(o.height, `value of ${node}`));
    }
  }

  deliver(to: number, messages: QbftMessage<string>[]): void {
    for (const m of messages) this.act(to, this.machines[to]!.receive(m));
  }

  timeout(node: number): void {
    const m = this.machines[node]!;
    this.act(node, m.timeout(m.height, m.round));
  }

  find<T extends QbftMessage<string>>(type: T['type'], round: number, senders: number[]): T[] {
    return senders.map((s) => {
      const found = this.sent.find((m) => m.type === type && 'round' in m && m.round === round && m.sender === s);
      if (found === undefined) throw new Error(`no ${type} of round ${round} from ${s}`);
      return found as T;
    });
  }

  /** value id → honest nodes that signed it. */
  signers(): Map<string, Set<number>> {
    const out = new Map<string, Set<number>>();
    for (const m of this.sent) {
      if (m.type !== 'COMMIT') continue;
      if (!out.has(m.valueId)) out.set(m.valueId, new Set());
      out.get(m.valueId)!.add(m.sender);
    }
    return out;
  }
}

const prepare = (round: number, value: string): Prepare => ({ type: 'PREPARE', height: 1, round, sender: BYZANTINE, valueId: value });
const roundChange = (round: number, prepared?: RoundChange<string>['prepared']): RoundChange<string> =>
  ({ type: 'ROUND-CHANGE', height: 1, round, sender: BYZANTINE, prepared });

describe('the equivocation guard', () => {
  it('keeps a schedule with no decision from producing threshold signatures on two values', () => {
    const c = new Cluster();
    for (let i = 0; i < 3; i++) c.act(i, c.machines[i]!.start(1));

    // Round 1: node 2 proposes v; only node 1 sees a PREPARE quorum (0, 1, 3) and signs v.
    const [v1] = c.find<PrePrepare<string>>('PRE-PREPARE', 1, [2]);
    const v = v1!.value;
    c.deliver(0, [v1!]);
    c.deliver(1, [v1!]);
    c.deliver(1, [...c.find<Prepare>('PREPARE', 1, [0]), prepare(1, v)]);
    expect(c.signers().get(v)).toEqual(new Set([1]));

    // Round 2: everyone times out. The Byzantine leader (3) claims no lock and proposes x, justified by
    // the round changes of 0, 2 and its own; only node 1 sees the PREPARE quorum (0, 2, 3).
    for (let i = 0; i < 3; i++) c.timeout(i);
    const x = 'x';
    const x2: PrePrepare<string> = {
      type: 'PRE-PREPARE', height: 1, round: 2, sender: BYZANTINE, value: x,
      justification: { roundChanges: [...c.find<RoundChange<string>>('ROUND-CHANGE', 2, [0, 2]), roundChange(2)], prepares: [] },
    };
    for (let i = 0; i < 3; i++) c.deliver(i, [x2]);
    c.deliver(1, [...c.find<Prepare>('PREPARE', 2, [0, 2]), prepare(2, x)]);

    // Round 3 (leader 0): 0 and 2 move on, having seen each other's and 3's round change; 3 now shows
    // its round-1 lock on v, with the genuine PREPAREs of round 1 as proof. 0 proposes v again; only
    // node 2 sees the PREPARE quorum (0, 2, 3) and signs v.
    const rc2 = [...c.find<RoundChange<string>>('ROUND-CHANGE', 2, [0, 2]), roundChange(2)];
    c.deliver(0, rc2);
    c.deliver(2, rc2);
    c.timeout(0);
    c.timeout(2);
    const lock = { round: 1, value: v, prepares: [...c.find<Prepare>('PREPARE', 1, [0, 1, 2]), prepare(1, v)].slice(0, 3) };
    c.deliver(0, [...c.find<RoundChange<string>>('ROUND-CHANGE', 3, [2]), roundChange(3, lock)]);
    const [v3] = c.find<PrePrepare<string>>('PRE-PREPARE', 3, [0]);
    expect(v3!.value).toBe(v);
    c.deliver(2, [v3!]);
    c.deliver(2, [...c.find<Prepare>('PREPARE', 3, [0]), prepare(3, v)]);

    // Round 4 (leader 1): 0, 1 and 3 move on; node 1's round change reports x prepared in round 2, the
    // highest, so 1 proposes x; only node 0 sees the PREPARE quorum (0, 1, 3) and signs x.
    const rc3 = [...c.find<RoundChange<string>>('ROUND-CHANGE', 3, [0, 2]), roundChange(3, lock)];
    c.deliver(1, rc3); // 1 jumps to round 3 (f + 1 ahead of it)
    c.deliver(0, rc3);
    c.timeout(0);
    c.timeout(1);
    const rc4 = [...c.find<RoundChange<string>>('ROUND-CHANGE', 4, [0]), roundChange(4)];
    c.deliver(1, rc4);
    const [x4] = c.find<PrePrepare<string>>('PRE-PREPARE', 4, [1]);
    expect(x4!.value).toBe(x);
    c.deliver(0, [x4!]);
    c.deliver(0, [...c.find<Prepare>('PREPARE', 4, [1]), prepare(4, x)]);

    // Nobody decided. The Byzantine node signs anything, so a value is signable with 2 honest signers.
    for (const m of c.machines) expect(m.decision).toBeUndefined();
    const signers = c.signers();
    expect(signers.get(v)).toEqual(new Set([1, 2]));
    expect(signers.get(x)).toEqual(new Set([0])); // without the guard: {0, 1}, and x signable too
    const signable = [...signers].filter(([, s]) => s.size + 1 >= 3).map(([id]) => id);
    expect(signable).toEqual([v]);
    expect(c.sent.filter((m): m is Commit => m.type === 'COMMIT' && m.sender === 1).map((m) => m.valueId)).toEqual([v]);
  });
});
