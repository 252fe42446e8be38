/**
 * A follower validating a proposal of 2,000 transactions (issue 16: ≤ 40 ms, "validate at gossip time;
 * a proposal is then checked by hashes"). The follower's pool already holds every transaction — they
 * reached it by gossip, decoded and with their senders recovered — so `validateProposal` finds each
 * one by the hash the transactionsRoot needs anyway and decodes and recovers nothing
 * (`knownTransaction`, as src/node/proposer.ts passes it from the pool). The peer, measured in the
 * same run: the same block validated by a node that knows none of them (every transaction decoded and
 * its sender recovered with native secp256k1 on the calling thread).
 *
 * Both are CPU time of this thread (all the work is on it), the cases alternated round by round, the
 * median of the rounds after the first two (JIT warm-up).
 */
import { assembleBlock, genesisBlock, hex, Mempool, parseTransaction, validateProposal, type IncludedView, type ValidationContext } from '../src/chain/index.js';
import { MainThreadExecutor } from '../src/crypto/index.js';
import { makeLoad } from '../src/load/transactions.js';
import { figure } from './harness.js';
import { median } from './interleaved.js';

const CHAIN_ID = 916n;
const SENDERS = 200;
const PER_SENDER = 10;
const ROUNDS = 15;
/** Issue 16's target for a 2,000-transaction proposal on a follower. */
const TARGET_MS = 40;

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export async function run(): Promise<void> {
  const { transactions } = makeLoad(CHAIN_ID, SENDERS, PER_SENDER);
  const raws = transactions.flat();
  const rules = { chainId: CHAIN_ID, maxBytes: 128 * 1024 };
  const nothingIncluded: IncludedView = { isIncluded: () => false, lastIncludedNonce: () => undefined };
  const pool = new Mempool({ maxTransactions: 10_000, maxBytes: 64 << 20, maxPerSender: 64, maxNonceGap: 16, stuckExpiryMs: 60_000 }, nothingIncluded);
  for (const raw of raws) pool.add(parseTransaction(raw, rules), { id: 'gossip', maxPending: Number.MAX_SAFE_INTEGER }, 0);
  const parent = genesisBlock(CHAIN_ID);
  const block = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: parent.hash, timestampMs: 1n, proposer: 1 }, raws);
  const context: ValidationContext = {
    parent,
    chain: nothingIncluded,
    transactionRules: rules,
    limits: { maxTransactions: 10_000, maxBytes: 8 << 20 },
    nowMs: 1_000n,
    maxFutureDriftMs: 2_000n,
    executor: new MainThreadExecutor(),
  };
  const known: ValidationContext = { ...context, knownTransaction: (hash) => pool.get(hash)?.tx };

  const validate = async (ctx: ValidationContext): Promise<number> => {
    const start = cpuMs();
    const { block: checked, transactions: checkedTransactions } = await validateProposal(block.header, block.transactions, ctx);
    const spent = cpuMs() - start;
    if (hex(checked.hash) !== hex(block.hash) || checkedTransactions.length !== raws.length) throw new Error('proposal bench: the block did not validate as built');
    return spent;
  };
  const knownMs: number[] = [];
  const unknownMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const k = await validate(known);
    const u = await validate(context);
    if (round >= 2) {
      knownMs.push(k);
      unknownMs.push(u);
    }
  }
  const knownMedian = median(knownMs);
  const unknownMedian = median(unknownMs);
  console.log(`  ${raws.length} transactions from ${SENDERS} senders, ${ROUNDS} alternated rounds (the first 2 left out), CPU time of this thread`);
  figure({
    name: `proposal of ${raws.length} transactions validated on a follower that holds them (pool), CPU`,
    value: knownMedian,
    unit: 'ms CPU',
    better: 'lower',
    target: TARGET_MS,
  });
  figure({
    name: `proposal of ${raws.length} transactions validated, pool against none known, CPU`,
    value: knownMedian,
    unit: 'ms CPU',
    better: 'lower',
    peer: `the same block with nothing known: each decoded and recovered (${unknownMedian.toFixed(1)} ms CPU)`,
    ratio: unknownMedian / knownMedian,
  });
}
