/**
 * The QBFT state machine (src/consensus/qbft/machine.ts) driven input by input: the outputs it asks
 * for and their order (persist before the messages that depend on it), crash recovery, partial
 * signatures over the round, DECIDED, round changes, the anti-DoS bounds and the errors at its boundary.
 * Cluster of 4 at height 1: the leader of round r is (1 + r) mod 4, so 2, 3, 0, 1, …
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_FUTURE_MESSAGES_PER_SENDER, MAX_HEIGHTS_AHEAD, MAX_ROUNDS_AHEAD, QbftMachine,
  type Commit, type Prepare, type PrePrepare, type QbftMessage, type QbftOutput, type RoundChange,
} from '../../src/consensus/index.js';

const encoder = new TextEncoder();
const id = (v: string): string => `#${v}`;
const signature = (node: number, height: number, round: number, valueId: string): Uint8Array =>
  encoder.encode(`${node}:${height}:${round}:${valueId}`);

function machine(self: number, nodes = 4): QbftMachine<string> {
  return new QbftMachine<string>({
    self, nodes, valueId: id, signCommit: (height, round, _value, valueId) => signature(self, height, round, valueId),
  });
}

const kinds = (outs: QbftOutput<string>[]): string[] =>
  outs.map((o) => (o.kind === 'broadcast' || o.kind === 'send' ? `${o.kind}:${o.message.type}` : o.kind));
const sent = (outs: QbftOutput<string>[], type: QbftMessage<string>['type']): QbftMessage<string>[] =>
  outs.flatMap((o) => (o.kind === 'broadcast' || o.kind === 'send') && o.message.type === type ? [o.message] : []);

const prePrepare = (round: number, sender: number, value: string, justification?: PrePrepare<string>['justification'], height = 1): PrePrepare<string> =>
  ({ type: 'PRE-PREPARE', height, round, sender, value, justification });
const prepare = (round: number, sender: number, value: string, height = 1): Prepare => ({ type: 'PREPARE', height, round, sender, valueId: id(value) });
const commit = (round: number, sender: number, value: string, height = 1): Commit =>
  ({ type: 'COMMIT', height, round, sender, valueId: id(value), signature: signature(sender, height, round, id(value)) });
const roundChange = (round: number, sender: number, prepared?: RoundChange<string>['prepared'], height = 1): RoundChange<string> =>
  ({ type: 'ROUND-CHANGE', height, round, sender, prepared });

/** Node 1 through round 1 of height 1 until it has committed 'a'. */
function committedNode() {
  const m = machine(1);
  m.start(1);
  m.receive(prePrepare(1, 2, 'a'));
  const afterValidation = m.validated(1, id('a'), true);
  m.receive(prepare(1, 2, 'a'));
  const afterQuorum = m.receive(prepare(1, 3, 'a'));
  return { m, afterValidation, afterQuorum };
}

describe('QbftMachine: normal case', () => {
  it('validates, prepares, persists before committing, and decides with the COMMIT quorum', () => {
    const m = machine(1);
    expect(kinds(m.start(1))).toEqual(['timer']);
    const asked = m.receive(prePrepare(1, 2, 'a'));
    expect(asked).toEqual([{ kind: 'validate', height: 1, valueId: '#a', value: 'a' }]);
    const { afterValidation, afterQuorum } = committedNode();
    expect(kinds(afterValidation)).toEqual(['timer', 'persist', 'broadcast:PREPARE']);
    expect(kinds(afterQuorum)).toEqual(['persist', 'broadcast:COMMIT']);
    const persisted = afterQuorum[0]!.kind === 'persist' ? afterQuorum[0]!.state : undefined;
    expect(Object.keys(persisted!).sort()).toEqual(['height', 'prepared', 'round']);
    expect(persisted).toMatchObject({ height: 1, round: 1, prepared: { round: 1, value: 'a' } });
    expect(persisted!.prepared!.prepares.map((p) => p.sender).sort()).toEqual([1, 2, 3]);
    expect(sent(afterQuorum, 'COMMIT')[0]).toEqual(commit(1, 1, 'a'));
  });

  it('decides on a COMMIT quorum and answers a late ROUND-CHANGE with DECIDED', () => {
    const { m } = committedNode();
    expect(m.receive(commit(1, 2, 'a'))).toEqual([]);
    const outs = m.receive(commit(1, 3, 'a'));
    expect(kinds(outs)).toEqual(['decide']);
    const decision = outs[0]!.kind === 'decide' ? outs[0]!.decision : undefined;
    expect(decision).toMatchObject({ height: 1, round: 1, value: 'a', valueId: '#a' });
    expect(decision!.commits).toEqual([commit(1, 1, 'a'), commit(1, 2, 'a'), commit(1, 3, 'a')]);
    const answer = m.receive(roundChange(2, 0));
    expect(answer).toEqual([{ kind: 'send', to: 0, message: { type: 'DECIDED', height: 1, round: 1, sender: 1, value: 'a', commits: decision!.commits } }]);
  });

  it('a leader asks for its value once, then proposes and prepares it', () => {
    const m = machine(2);
    expect(kinds(m.start(1))).toEqual(['timer', 'need-value']);
    const outs = m.propose(1, 'a');
    expect(kinds(outs)).toEqual(['persist', 'broadcast:PRE-PREPARE', 'timer', 'broadcast:PREPARE']);
    expect(m.propose(1, 'b')).toEqual([]);
  });

  it('n = 1 decides alone, persisting before its COMMIT', () => {
    const m = machine(0, 1);
    expect(kinds(m.start(5))).toEqual(['timer', 'need-value']);
    const outs = m.propose(5, 'solo');
    expect(kinds(outs)).toEqual(['persist', 'broadcast:PRE-PREPARE', 'timer', 'broadcast:PREPARE', 'persist', 'broadcast:COMMIT', 'decide']);
    expect(m.decision).toMatchObject({ height: 5, value: 'solo' });
  });

  it('does not prepare an invalid value, nor a second proposal while one is being validated', () => {
    const m = machine(1);
    m.start(1);
    expect(kinds(m.receive(prePrepare(1, 2, 'bad')))).toEqual(['validate']);
    expect(m.receive(prePrepare(1, 2, 'other'))).toEqual([]);
    expect(m.validated(1, id('bad'), false)).toEqual([]);
    expect(m.receive(prePrepare(1, 2, 'bad'))).toEqual([]);
  });

  it('ignores a PRE-PREPARE from anyone but the leader, and stale timers', () => {
    const m = machine(1);
    m.start(1);
    expect(m.receive(prePrepare(1, 3, 'a'))).toEqual([]);
    expect(m.timeout(1, 7)).toEqual([]);
    expect(m.timeout(0, 1)).toEqual([]);
  });
});

describe('QbftMachine: injected leader and round timer', () => {
  it('follows the injected leader function and timeout strategy', () => {
    const m = new QbftMachine<string>({
      self: 1, nodes: 4, valueId: id, signCommit: () => new Uint8Array(0), leader: () => 0, roundTimeout: (r) => 42 * r,
    });
    expect(m.start(1)).toEqual([{ kind: 'timer', height: 1, round: 1, afterMs: 42 }]);
    expect(m.receive(prePrepare(1, 2, 'a'))).toEqual([]); // 2 would lead by round-robin
    expect(kinds(m.receive(prePrepare(1, 0, 'a')))).toEqual(['validate']);
    expect(m.timeout(1, 1)[0]).toEqual({ kind: 'timer', height: 1, round: 2, afterMs: 84 });
  });
});

describe('QbftMachine: crash recovery and per-round signing', () => {
  it('resumes in the next round with its lock, and signs another value only in a later round, over that round', () => {
    const { afterQuorum } = committedNode();
    const state = afterQuorum[0]!.kind === 'persist' ? afterQuorum[0]!.state : undefined;
    const m = machine(1);
    const outs = m.start(1, state);
    expect(kinds(outs)).toEqual(['timer', 'persist', 'broadcast:ROUND-CHANGE']);
    expect(m.round).toBe(2);
    expect((sent(outs, 'ROUND-CHANGE')[0] as RoundChange<string>).prepared).toMatchObject({ round: 1, value: 'a' });
    // Round 1 is over for it: an equivocating leader's second proposal gets no vote.
    expect(m.receive(prePrepare(1, 2, 'b'))).toEqual([]);
    // A round-change quorum that left it out justifies 'b' in round 2. Its 'a' of round 1 had no
    // COMMIT quorum behind it (else f + 1 honest nodes would report the lock), so, as in the paper, it
    // prepares and commits 'b' — a partial signature over round 2, which no round-1 partial joins.
    const justification = { roundChanges: [roundChange(2, 0), roundChange(2, 2), roundChange(2, 3)], prepares: [] };
    expect(kinds(m.receive(prePrepare(2, 3, 'b', justification)))).toEqual(['validate']);
    expect(kinds(m.validated(1, id('b'), true))).toEqual(['timer', 'broadcast:PREPARE']);
    m.receive(prepare(2, 0, 'b'));
    const committed = m.receive(prepare(2, 3, 'b'));
    expect(kinds(committed)).toEqual(['persist', 'broadcast:COMMIT']);
    expect(committed[0]).toMatchObject({ state: { round: 2, prepared: { round: 2, value: 'b' } } });
    expect(sent(committed, 'COMMIT')).toEqual([commit(2, 1, 'b')]);
  });

  it('never sends a second COMMIT in a round it voted in before a restart', () => {
    const { afterQuorum } = committedNode();
    const state = afterQuorum[0]!.kind === 'persist' ? afterQuorum[0]!.state : undefined;
    const m = machine(1);
    m.start(1, state);
    // Round 1 messages that would have made it commit are now stale: it is in round 2.
    for (const sender of [0, 2, 3]) expect(m.receive(prepare(1, sender, 'a'))).toEqual([]);
    expect(m.round).toBe(2);
  });

  it('rejects a persisted state from a later height', () => {
    const { afterQuorum } = committedNode();
    const state = afterQuorum[0]!.kind === 'persist' ? afterQuorum[0]!.state : undefined;
    expect(() => machine(1).start(0, state)).toThrow(/persisted state is for height 1/);
  });
});

describe('QbftMachine: DECIDED', () => {
  const decided = (commits: Commit[], value = 'a', round = commits[0]?.round ?? 1) =>
    ({ type: 'DECIDED' as const, height: 1, round, sender: 2, value, commits });

  it('decides from a COMMIT quorum it is sent', () => {
    const m = machine(0);
    m.start(1);
    const outs = m.receive(decided([commit(3, 1, 'a'), commit(3, 2, 'a'), commit(3, 3, 'a')]));
    expect(kinds(outs)).toEqual(['decide']);
    expect(m.decision).toMatchObject({ round: 3, value: 'a' });
  });

  it.each([
    ['too few', [commit(3, 1, 'a'), commit(3, 2, 'a')], 'a'],
    ['no commits', [], 'a'],
    ['a repeated sender', [commit(3, 1, 'a'), commit(3, 2, 'a'), commit(3, 2, 'a')], 'a'],
    ['mixed rounds', [commit(3, 1, 'a'), commit(3, 2, 'a'), commit(4, 3, 'a')], 'a'],
    ['another value', [commit(3, 1, 'a'), commit(3, 2, 'a'), commit(3, 3, 'a')], 'b'],
    ['another height', [commit(3, 1, 'a', 2), commit(3, 2, 'a', 2), commit(3, 3, 'a', 2)], 'a'],
  ])('ignores one with %s', (_name, commits, value) => {
    const m = machine(0);
    m.start(1);
    expect(m.receive(decided(commits, value))).toEqual([]);
  });

  it('ignores one whose commits are of another round than it names', () => {
    const m = machine(0);
    m.start(1);
    expect(m.receive(decided([commit(3, 1, 'a'), commit(3, 2, 'a'), commit(3, 3, 'a')], 'a', 4))).toEqual([]);
  });

  it('restores past decisions to answer peers after a restart, and checks them', () => {
    const m = machine(0);
    const commits = [commit(1, 1, 'a'), commit(1, 2, 'a'), commit(1, 3, 'a')];
    m.restoreDecision({ height: 1, round: 1, value: 'a', valueId: '#a', commits });
    m.start(2);
    expect(m.receive(roundChange(3, 2))).toEqual([{ kind: 'send', to: 2, message: { type: 'DECIDED', height: 1, round: 1, sender: 0, value: 'a', commits } }]);
    expect(() => m.restoreDecision({ height: 1, round: 1, value: 'b', valueId: '#b', commits })).toThrow(/quorum of 3 COMMITs/);
  });
});

describe('QbftMachine: round changes', () => {
  it('leaves a round only with a quorum, re-sending the same ROUND-CHANGE meanwhile', () => {
    const m = machine(1);
    m.start(1);
    const first = m.timeout(1, 1);
    expect(kinds(first)).toEqual(['timer', 'persist', 'broadcast:ROUND-CHANGE']);
    const again = m.timeout(1, 2);
    expect(kinds(again)).toEqual(['timer', 'broadcast:ROUND-CHANGE']);
    expect(sent(again, 'ROUND-CHANGE')[0]).toBe(sent(first, 'ROUND-CHANGE')[0]);
    expect(m.round).toBe(2);
    m.receive(roundChange(2, 0));
    m.receive(roundChange(2, 2));
    const moved = m.timeout(1, 2);
    expect(m.round).toBe(3);
    expect(sent(moved, 'ROUND-CHANGE')[0]).toMatchObject({ round: 3 });
  });

  it('jumps to the smallest round f + 1 others moved to', () => {
    const m = machine(1);
    m.start(1);
    expect(m.receive(roundChange(5, 0))).toEqual([]);
    const outs = m.receive(roundChange(7, 3));
    expect(m.round).toBe(5);
    expect(sent(outs, 'ROUND-CHANGE')[0]).toMatchObject({ round: 5, sender: 1 });
  });

  it('as leader of a later round, proposes the highest prepared value with its proof', () => {
    const m = machine(3); // leads round 2
    m.start(1);
    const cert = [prepare(1, 0, 'a'), prepare(1, 1, 'a'), prepare(1, 2, 'a')];
    m.receive(roundChange(2, 0, { round: 1, value: 'a', prepares: cert }));
    const outs = m.receive(roundChange(2, 1));
    const proposal = sent(outs, 'PRE-PREPARE')[0] as PrePrepare<string>;
    expect(proposal).toMatchObject({ round: 2, sender: 3, value: 'a' });
    expect(proposal.justification!.prepares).toEqual(cert);
    expect(proposal.justification!.roundChanges.map((r) => r.sender).sort()).toEqual([0, 1, 3]);
    expect(kinds(outs)).not.toContain('need-value');
  });

  it('ignores a ROUND-CHANGE whose prepared certificate does not prove it', () => {
    const m = machine(3);
    m.start(1);
    m.receive(roundChange(2, 0, { round: 1, value: 'a', prepares: [prepare(1, 0, 'b'), prepare(1, 1, 'b'), prepare(1, 2, 'b')] }));
    expect(m.receive(roundChange(2, 1))).toEqual([]); // one valid round change is not f + 1
    expect(m.round).toBe(1);
  });
});

describe('QbftMachine: anti-DoS bounds', () => {
  it('buffers at most MAX_FUTURE_MESSAGES_PER_SENDER per sender for the next heights, none beyond', () => {
    const m = machine(0);
    m.start(1);
    for (let r = 1; r <= 1000; r++) m.receive(prepare(r, 3, 'x', 2));
    expect(m.bufferedFutureMessages).toBe(MAX_FUTURE_MESSAGES_PER_SENDER);
    for (let r = 1; r <= 5; r++) m.receive(prepare(r, 2, 'x', 1 + MAX_HEIGHTS_AHEAD));
    expect(m.bufferedFutureMessages).toBe(MAX_FUTURE_MESSAGES_PER_SENDER + 5);
    m.receive(prepare(1, 2, 'x', 2 + MAX_HEIGHTS_AHEAD));
    expect(m.bufferedFutureMessages).toBe(MAX_FUTURE_MESSAGES_PER_SENDER + 5);
  });

  it('replays buffered messages when their height starts', () => {
    const m = machine(0);
    m.start(1);
    m.receive(prePrepare(1, 3, 'next', undefined, 2)); // leader of height 2, round 1 is 3
    m.receive({ type: 'DECIDED', height: 1, round: 1, sender: 1, value: 'a', commits: [commit(1, 1, 'a'), commit(1, 2, 'a'), commit(1, 3, 'a')] });
    const outs = m.start(2);
    expect(kinds(outs)).toEqual(['timer', 'validate']);
    expect(m.bufferedFutureMessages).toBe(0);
  });

  it.each([
    [MAX_ROUNDS_AHEAD, true],
    [MAX_ROUNDS_AHEAD + 1, false],
  ])('keeps votes %i rounds ahead: %s', (ahead, kept) => {
    const m = machine(1);
    m.start(1);
    const round = 1 + ahead;
    const leader = (1 + round) % 4;
    const others = [0, 2, 3];
    for (const s of others) m.receive(prepare(round, s, 'w'));
    const justification = { roundChanges: others.map((s) => roundChange(round, s)), prepares: [] };
    const outs = [...m.receive(prePrepare(round, leader, 'w', justification)), ...m.validated(1, id('w'), true)];
    expect(m.round).toBe(round);
    expect(sent(outs, 'COMMIT').length).toBe(kept ? 1 : 0);
  });
});

describe('QbftMachine: errors at the boundary', () => {
  it('rejects a bad configuration', () => {
    expect(() => machine(0, 0)).toThrow(/expected nodes ≥ 1, got 0/);
    expect(() => machine(4, 4)).toThrow(/expected self in 0..3, got 4/);
    expect(() => new QbftMachine<string>({ self: 0, nodes: 4, valueId: id } as never)).toThrow(/config.signCommit to be a function/);
  });

  it('requires start before messages, and increasing heights', () => {
    const m = machine(0);
    expect(() => m.receive(prepare(1, 1, 'a'))).toThrow(/call start\(height\) first/);
    m.start(3);
    expect(() => m.start(3)).toThrow(/expected a height above 3, got 3/);
    expect(() => m.start(-1)).toThrow(/non-negative safe integer height/);
  });

  it.each([
    [null, /message: expected a message object, got null/],
    [{ type: 'VOTE' }, /message.type: expected one of/],
    [{ type: 'PREPARE', height: 1, round: 1, sender: 4, valueId: '#a' }, /PREPARE.sender: expected a node index in 0..3, got number 4/],
    [{ type: 'PREPARE', height: 1, round: 0, sender: 1, valueId: '#a' }, /PREPARE.round: expected a safe integer ≥ 1, got number 0/],
    [{ type: 'PREPARE', height: -1, round: 1, sender: 1, valueId: '#a' }, /PREPARE.height: expected a non-negative safe integer/],
    [{ type: 'PREPARE', height: 1, round: 1, sender: 1, valueId: 7 }, /PREPARE.valueId: expected a string, got number 7/],
    [{ type: 'COMMIT', height: 1, round: 1, sender: 1, valueId: '#a', signature: 'sig' }, /COMMIT.signature: expected a Uint8Array, got string sig/],
    [{ type: 'PRE-PREPARE', height: 1, round: 1, sender: 2 }, /PRE-PREPARE.value: expected a value/],
    [{ type: 'PRE-PREPARE', height: 1, round: 2, sender: 3, value: 'a', justification: { roundChanges: Array(5).fill(roundChange(2, 0)), prepares: [] } },
      /roundChanges: expected at most 4 entries \(one per node\), got array of 5/],
    [{ type: 'ROUND-CHANGE', height: 1, round: 2, sender: 0, prepared: { round: 1, value: 'a', prepares: [{ type: 'COMMIT' }] } },
      /prepared.prepares\[0\].type: expected 'PREPARE'/],
    [{ type: 'DECIDED', height: 1, round: 1, sender: 0, value: 'a', commits: 'all' }, /DECIDED.commits: expected an array, got string all/],
    [{ type: 'DECIDED', height: 1, sender: 0, value: 'a', commits: [] }, /DECIDED.round: expected a safe integer ≥ 1, got undefined/],
  ])('throws a TypeError on a malformed message (%#)', (message, error) => {
    const m = machine(0);
    m.start(1);
    expect(() => m.receive(message as never)).toThrow(TypeError);
    expect(() => m.receive(message as never)).toThrow(error);
  });
});
