/**
 * The deterministic simulator of whole nodes (issue 19): n real node pipelines — `Sequencer` with its
 * Admission, ConsensusDriver, PartialAggregator, BlockCommitter, PeerTracker and SyncRunner, real QBFT,
 * real threshold BLS (blst, the WebAssembly combine), real secp256k1 sender recovery, real wire
 * encoding for sync — on one `VirtualClock` and the in-memory network of ./network.ts, each node's
 * storage the in-memory store of ./memory-store.ts (why not LMDB: see there).
 *
 * A run, from its seed (./scenario.ts draws the rest): every node starts; signed transactions from
 * test wallets are sent to random nodes at random times; during the chaos phase links drop, duplicate
 * and delay messages, a partition may cut the cluster, nodes crash (possibly between a write and its
 * flush) and restart from their stores, a node's disk may refuse writes for a while, and one node may
 * be Byzantine (./byzantine.ts). Then the
 * network heals, every node is up again, one probe transaction is sent, and the run goes on
 * until every honest node holds every acknowledged transaction and all are at one head.
 *
 * Invariants, checked on every run:
 * - agreement: no height with two different signed blocks, across all nodes and incarnations;
 * - every stored block verifies independently of src/ (hash by noble keccak over the header, signing
 *   root per README, signature by blst against the group key);
 * - every transaction sent is acknowledged by some node (clients resend), and every acknowledged one is
 *   in every honest node's chain exactly once;
 * - every incarnation's `onBlock` listener saw exactly the blocks it stored, in order, none twice;
 * - liveness: after healing (a quorum of honest nodes up) the above completes within `LIVENESS_MS`;
 * - no honest node's block production failed.
 *
 * Execution is deterministic: nothing uses the real clock or real I/O, so between two virtual timers
 * the simulator lets every promise job run (one `setImmediate`), and the order of everything follows
 * from the seed.
 */
import * as blst from '@chainsafe/blst';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { pino, type Logger } from 'pino';
import { encodeHeader, hex, TransactionRejected } from '../../../src/chain/index.js';
import { MainThreadExecutor, type ThresholdKey } from '../../../src/crypto/index.js';
import { VirtualClock, type Clock, type Timer } from '../../../src/node/clock.js';
import { Sequencer } from '../../../src/node/sequencer.js';
import { DEFAULT_POOL_LIMITS } from '../../../src/node/start.js';
import type { SignedBlock } from '../../../src/node/types.js';
import { Prng } from '../../consensus/sim/prng.js';
import { referenceSigningRoot } from '../../helpers/signing-root.js';
import { byzantineHook, type ByzantineKind } from './byzantine.js';
import { DurableState, MemoryStore } from './memory-store.js';
import { SimNetwork, type LinkFaults } from './network.js';
import type { LatencyProfile } from '../../../src/devnet/latency.js';
import type { SequencerMetrics } from '../../../src/node/options.js';

export const CHAIN_ID = 901n;
/** After healing, the run must complete within this much virtual time. */
const LIVENESS_MS = 90_000;
/** A client resends a transaction no node has acknowledged after this long. */
const RESEND_MS = 500;
/** Flushes take 0..this many virtual ms. */
const MAX_FLUSH_MS = 3;

export interface Scenario {
  seed: number;
  nodes: number;
  faults: LinkFaults;
  /** Virtual ms of chaos before the network heals. */
  chaosMs: number;
  partition?: { sides: number[]; fromMs: number; toMs: number };
  crashes: Array<{ node: number; atMs: number; downMs: number }>;
  /** A node whose disk refuses every write from `fromMs` to `toMs` (within the chaos phase). */
  diskFull?: { node: number; fromMs: number; toMs: number };
  byzantine?: { node: number; kind: ByzantineKind };
  /** Transactions sent during the chaos: sender (wallet index), nonce, node, time; in nonce order per sender. */
  submissions: Array<{ sender: number; nonce: number; node: number; atMs: number }>;
  blockTimeMs: number;
  /** Distances between the nodes (src/devnet/latency.ts) in place of `faults.maxDelayMs`. */
  latency?: LatencyProfile;
}

/** What the simulator needs made once per process: keys and signed transactions (slow to make). */
export interface Fixtures {
  keyFor(nodes: number): ThresholdKey;
  /** Raw signed transaction of wallet `sender` with `nonce`. */
  transaction(sender: number, nonce: number): Uint8Array;
  /** The probe transaction (its own wallet, nonce 0) sent after healing. */
  probe(): Uint8Array;
}

/** One incarnation (process lifetime) of a node, for scripted tests. */
export interface IncarnationReport {
  /** Virtual ms when it started. */
  bootedAt: number;
  /** Its store's head when it started and when it ended. */
  startHead: number;
  endHead: number;
  /** The highest head any other node's store had when it started. */
  clusterHeadAtBoot: number;
  /** Numbers of the blocks its `onBlock` listener saw, in order. */
  seen: number[];
}

/** A block as one node stored it: when (virtual ms), in which round, by which proposer (1-based). */
export interface StoredRecord {
  number: number;
  round: number;
  proposer: number;
  atMs: number;
}

export interface SimResult {
  violations: string[];
  /** Per node, every block it stored (all incarnations, in order). */
  stored: StoredRecord[][];
  /** Per node, the last `dst_round_timeout_seconds` its metrics reported, in ms (undefined: none). */
  roundTimeoutMs: Array<number | undefined>;
  /** Per node, its incarnations in order. */
  incarnations: IncarnationReport[][];
  blocks: number;
  acknowledged: number;
  virtualMs: number;
  delivered: number;
}

class ScopedClock implements Clock {
  private dead = false;
  constructor(private readonly base: VirtualClock) {}
  kill(): void {
    this.dead = true;
  }
  now = (): number => this.base.now();
  monotonic = (): number => this.base.monotonic();
  after(ms: number, callback: () => void): Timer {
    return this.base.after(ms, () => this.dead || callback());
  }
  every(ms: number, callback: () => void): Timer {
    return this.base.every(ms, () => this.dead || callback());
  }
}

interface Incarnation {
  bootedAt: number;
  clusterHeadAtBoot: number;
  sequencer: Sequencer;
  store: MemoryStore;
  clock: ScopedClock;
  startHead: number;
  seen: SignedBlock[];
  /** Head of the store when the incarnation ended (crash), else undefined while it runs. */
  endHead?: number;
}

export async function simulate(scenario: Scenario, fixtures: Fixtures, log?: Logger): Promise<SimResult> {
  const violations: string[] = [];
  const clock = new VirtualClock();
  const prng = new Prng(scenario.seed ^ 0x5eed);
  const network = new SimNetwork(clock, prng, scenario.nodes);
  network.faults = { ...scenario.faults };
  network.latency = scenario.latency;
  const stored: StoredRecord[][] = Array.from({ length: scenario.nodes }, () => []);
  const roundTimeoutMs: Array<number | undefined> = new Array<number | undefined>(scenario.nodes).fill(undefined);
  const key = fixtures.keyFor(scenario.nodes);
  const executor = new MainThreadExecutor();
  const logger = log ?? pino({ level: 'silent' });
  const durable = Array.from({ length: scenario.nodes }, () => new DurableState());
  const incarnations: Incarnation[][] = durable.map(() => []);
  const current: Array<Incarnation | undefined> = durable.map(() => undefined);
  const byHeight = new Map<number, string>();
  /** Hash (hex) of every acknowledged transaction → which node acknowledged it, and when. */
  const acknowledged = new Map<string, string>();
  const sent = new Set<string>();
  const honest = (i: number): boolean => scenario.byzantine?.node !== i;

  const noteBlock = (node: number, signed: SignedBlock): void => {
    const height = signed.block.header.number;
    const hash = hex(signed.block.hash);
    const known = byHeight.get(height);
    if (known === undefined) byHeight.set(height, hash);
    else if (known !== hash) violations.push(`agreement: node ${node + 1} stored block 0x${hash} at height ${height}, another node 0x${known}`);
  };

  const boot = (node: number): void => {
    const store = new MemoryStore(durable[node]!, new ScopedClock(clock), () => prng.int(0, MAX_FLUSH_MS));
    const scoped = new ScopedClock(clock);
    const endpoint = network.attach(node);
    const sequencer = new Sequencer({
      store,
      chainId: CHAIN_ID,
      key: { share: key.shares[node]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: key.threshold },
      nodes: scenario.nodes,
      blockTimeMs: scenario.blockTimeMs,
      pool: { ...DEFAULT_POOL_LIMITS, maxTransactions: 10_000, maxBytes: 16 << 20 },
      block: { maxTransactions: 8, maxBytes: 1 << 20 },
      maxTransactionBytes: 128 * 1024,
      maxFutureDriftMs: 2_000,
      logger: logger.child({ node: node + 1 }),
      executor,
      network: scenario.nodes > 1 ? endpoint : undefined,
      clock: scoped,
      metrics: recordingMetrics((seconds) => (roundTimeoutMs[node] = seconds * 1000)),
    });
    const clusterHeadAtBoot = durable.reduce((max, state, i) => (i !== node && state.blocks.length > max ? state.blocks.length : max), 0);
    const incarnation: Incarnation = { bootedAt: clock.monotonic(), clusterHeadAtBoot, sequencer, store, clock: scoped, startHead: store.headNumber(), seen: [] };
    sequencer.onBlock((signed) => {
      incarnation.seen.push(signed);
      stored[node]!.push({ number: signed.block.header.number, round: signed.round, proposer: signed.block.header.proposer, atMs: clock.monotonic() });
      noteBlock(node, signed);
    });
    incarnations[node]!.push(incarnation);
    current[node] = incarnation;
    void sequencer.start();
  };

  const crash = (node: number): void => {
    const incarnation = current[node];
    if (incarnation === undefined) return;
    incarnation.clock.kill();
    incarnation.store.crash();
    incarnation.endHead = incarnation.store.headNumber();
    network.detach(node);
    current[node] = undefined;
  };

  /**
   * A client sending a transaction: to `node`, and again to a random node every `RESEND_MS` until some
   * node acknowledges it (a wallet retries when its node is down or its write was lost in a crash).
   * Without the retries a sender's later nonces would wait forever behind one that was never accepted.
   */
  const send = (node: number, raw: Uint8Array): void => {
    sent.add(hex(keccak_256(raw)));
    const attempt = (target: number): void => {
      const incarnation = current[target];
      if (incarnation !== undefined) {
        incarnation.sequencer.submitTransaction(raw, `client-${target}`).then(
          (hash) => acknowledged.has(hex(hash)) || acknowledged.set(hex(hash), `node ${target + 1} at ${clock.monotonic()} ms`),
          (error: unknown) => {
            if (!(error instanceof TransactionRejected)) violations.push(`node ${target + 1}: submitTransaction failed: ${(error as Error).message}`);
            // Included already (gossiped by a node that crashed before acknowledging it): the client learns it is in.
            else if (error.reason === 'already-included') acknowledged.has(hex(keccak_256(raw))) || acknowledged.set(hex(keccak_256(raw)), `inclusion, seen by node ${target + 1}`);
          },
        );
      }
      clock.after(RESEND_MS, () => {
        if (!acknowledged.has(hex(keccak_256(raw)))) attempt(prng.int(0, scenario.nodes - 1));
      });
    };
    attempt(node);
  };

  // The scenario's events.
  if (scenario.byzantine) network.setOutgoing(scenario.byzantine.node, byzantineHook(scenario.byzantine.kind, key.shares[scenario.byzantine.node]!));
  for (let node = 0; node < scenario.nodes; node++) boot(node);
  for (const s of scenario.submissions) clock.after(s.atMs, () => send(s.node, fixtures.transaction(s.sender, s.nonce)));
  if (scenario.diskFull) {
    const { node, fromMs, toMs } = scenario.diskFull;
    clock.after(fromMs, () => (durable[node]!.diskFull = true));
    clock.after(toMs, () => (durable[node]!.diskFull = false));
  }
  if (scenario.partition) {
    const { sides, fromMs, toMs } = scenario.partition;
    clock.after(fromMs, () => network.partition(sides));
    clock.after(toMs, () => network.heal());
  }
  for (const c of scenario.crashes) {
    clock.after(c.atMs, () => crash(c.node));
    clock.after(Math.min(c.atMs + c.downMs, scenario.chaosMs), () => current[c.node] ?? boot(c.node));
  }
  let probed = false;
  clock.after(scenario.chaosMs, () => {
    network.heal();
    network.faults = { dropRate: 0, duplicateRate: 0, maxDelayMs: scenario.faults.maxDelayMs };
    for (let node = 0; node < scenario.nodes; node++) if (current[node] === undefined) boot(node);
  });
  // A probe once healed: one more transaction, so that every node (an idle laggard too) takes part in
  // one more height and catches up.
  clock.after(scenario.chaosMs + 1, () => {
    const honestNodes = Array.from({ length: scenario.nodes }, (_, i) => i).filter(honest);
    send(prng.pick(honestNodes), fixtures.probe());
    probed = true;
  });

  const complete = (): boolean => {
    if (!probed || acknowledged.size < sent.size) return false;
    let head: number | undefined;
    for (let node = 0; node < scenario.nodes; node++) {
      if (!honest(node)) continue;
      const store = current[node]!.store;
      if (head === undefined) head = store.headNumber();
      if (store.headNumber() !== head) return false;
      for (const hash of acknowledged.keys()) if (!store.isIncluded(hash)) return false;
    }
    return true;
  };

  const finished = await runUntil(clock, complete, scenario.chaosMs + LIVENESS_MS);
  if (!finished) {
    const heads = current.map((c, i) => `node ${i + 1}: head ${c?.store.headNumber()}, pending ${c?.sequencer.health().mempoolSize}`);
    const missing = [...acknowledged.keys()].filter((hash) => current.some((c, i) => honest(i) && !c?.store.isIncluded(hash)));
    violations.push(
      `liveness: ${LIVENESS_MS / 1000} s after healing, ${sent.size - acknowledged.size} of ${sent.size} transactions are not acknowledged, ` +
        `the honest nodes lack ${missing.length} acknowledged ones or disagree on the head (${heads.join('; ')})`,
    );
  }
  const virtualMs = clock.monotonic();
  // Stop every node, with the clock still running for what stopping waits on (flushes, the block in progress).
  let stopping = scenario.nodes;
  for (let node = 0; node < scenario.nodes; node++) {
    const incarnation = current[node]!;
    if (honest(node) && incarnation.sequencer.failure) violations.push(`node ${node + 1}: block production failed: ${incarnation.sequencer.failure.message}`);
    void incarnation.sequencer.stop().finally(() => stopping--);
  }
  if (!(await runUntil(clock, () => stopping === 0, virtualMs + 60_000))) violations.push(`${stopping} nodes did not stop`);
  for (const incarnation of current) {
    incarnation!.endHead = incarnation!.store.headNumber();
    incarnation!.clock.kill();
  }
  await executor.close();
  checkChains(durable, incarnations, acknowledged, key, honest, violations, noteBlock);
  const reports = incarnations.map((list) =>
    list.map(({ bootedAt, startHead, endHead, clusterHeadAtBoot, seen }) => ({ bootedAt, startHead, endHead: endHead!, clusterHeadAtBoot, seen: seen.map((s) => s.block.header.number) })),
  );
  return { violations, stored, roundTimeoutMs, incarnations: reports, blocks: byHeight.size, acknowledged: acknowledged.size, virtualMs, delivered: network.delivered };
}

/** Metrics that go nowhere but the round-1 timeout gauge, which `roundTimeout` hears. */
function recordingMetrics(roundTimeout: (seconds: number) => void): SequencerMetrics {
  const none = { inc: () => {}, observe: () => {}, set: () => {}, reset: () => {} };
  return new Proxy({} as SequencerMetrics, {
    get: (_, name) => (name === 'roundTimeout' ? { set: roundTimeout } : none),
  });
}

/** Runs due virtual timers, letting promise jobs settle between them, until `done()` or `deadline`. */
async function runUntil(clock: VirtualClock, done: () => boolean, deadline: number): Promise<boolean> {
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (done()) return true;
    const next = clock.nextAt();
    if (next === undefined || next > deadline) return false;
    clock.runNext();
  }
}

function checkChains(
  durable: DurableState[],
  incarnations: Incarnation[][],
  acknowledged: Map<string, string>,
  key: ThresholdKey,
  honest: (node: number) => boolean,
  violations: string[],
  noteBlock: (node: number, signed: SignedBlock) => void,
): void {
  const verified = new Set<string>();
  const groupKey = blst.PublicKey.fromBytes(key.groupPublicKey);
  durable.forEach((state, node) => {
    const counts = new Map<string, number>();
    state.blocks.forEach((signed, i) => {
      noteBlock(node, signed);
      const { block } = signed;
      if (block.header.number !== i + 1) violations.push(`node ${node + 1}: block at position ${i + 1} has number ${block.header.number}`);
      const hash = hex(keccak_256(encodeHeader(block.header)));
      if (hash !== hex(block.hash)) violations.push(`node ${node + 1}: block ${i + 1}'s hash is not keccak-256 of its header`);
      if (!verified.has(hash)) {
        const root = referenceSigningRoot(CHAIN_ID, signed.round, block.hash);
        if (!blst.verify(root, groupKey, blst.Signature.fromBytes(signed.signature))) {
          violations.push(`node ${node + 1}: block ${i + 1} (round ${signed.round}) does not verify against the group key`);
        }
        verified.add(hash);
      }
      for (const tx of block.transactionHashes) counts.set(hex(tx), (counts.get(hex(tx)) ?? 0) + 1);
    });
    if (honest(node)) {
      for (const [tx, by] of acknowledged) {
        const count = counts.get(tx) ?? 0;
        if (count !== 1) violations.push(`node ${node + 1}: transaction 0x${tx}, acknowledged by ${by}, is in its chain ${count} times`);
      }
    }
    for (const [n, incarnation] of incarnations[node]!.entries()) {
      const expected = incarnation.endHead! - incarnation.startHead;
      const numbers = incarnation.seen.map((s) => s.block.header.number);
      const inOrder = numbers.every((number, i) => number === incarnation.startHead + i + 1);
      if (numbers.length !== expected || !inOrder) {
        violations.push(`node ${node + 1} incarnation ${n + 1}: onBlock saw [${numbers.join(', ')}], stored ${incarnation.startHead + 1}..${incarnation.endHead}`);
      }
    }
  });
}
