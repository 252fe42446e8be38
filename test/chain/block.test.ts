/**
 * Blocks built from real signed transactions: header encoding (against @ethereumjs/rlp, and the
 * safe-integer bound on the number), the transactionsRoot against @ethereumjs/block, building from the
 * pool, and validation of proposals with every rejection reason — also when the validating node knows
 * the transactions (its pool): those are found by hash, neither decoded nor recovered again.
 */
import { genTransactionsTrieRoot } from '@ethereumjs/block';
import { RLP } from '@ethereumjs/rlp';
import { bigIntToUnpaddedBytes, bytesToBigInt } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it, vi } from 'vitest';
import {
  BlockRejected,
  buildBlock,
  decodeHeader,
  encodeHeader,
  genesisBlock,
  hex,
  Mempool,
  parseTransaction,
  validateProposal,
  type Block,
  type BlockHeader,
  type IncludedView,
  type Transaction,
  type ValidationContext,
} from '../../src/chain/index.js';
import { MainThreadExecutor } from '../../src/crypto/index.js';
import { makeSignedTransactionObjects } from '../helpers/transactions.js';

const CHAIN_ID = 901n;
const rules = { chainId: CHAIN_ID, maxBytes: 128 * 1024 };
const limits = { maxTransactions: 500, maxBytes: 1_000_000 };
const objects = makeSignedTransactionObjects(60, { chainId: Number(CHAIN_ID), seed: 3 });
const raws = objects.map((tx) => tx.serialize());
const parsed = raws.map((raw) => parseTransaction(raw, rules));

class Included implements IncludedView {
  nonces = new Map<string, bigint>();
  hashes = new Set<string>();
  lastIncludedNonce = (sender: string) => this.nonces.get(sender);
  isIncluded = (hash: string) => this.hashes.has(hash);
  include(txs: Transaction[]) {
    for (const t of txs) {
      this.hashes.add(hex(t.hash));
      this.nonces.set(hex(t.sender), t.nonce);
    }
  }
}

function setup(count = parsed.length) {
  const chain = new Included();
  const pool = new Mempool({ maxTransactions: 10_000, maxBytes: 10_000_000, maxPerSender: 64, maxNonceGap: 16, stuckExpiryMs: 60_000 }, chain);
  parsed.slice(0, count).forEach((t) => pool.add(t, { id: 'test', maxPending: Number.MAX_SAFE_INTEGER }, 0));
  const parent = genesisBlock(CHAIN_ID);
  const block = buildBlock(parent, pool, { proposer: 2, nowMs: 1_700_000_000_000n, limits });
  const context: ValidationContext = { parent, chain, transactionRules: rules, limits, nowMs: 1_700_000_000_000n, maxFutureDriftMs: 2_000n, executor: new MainThreadExecutor() };
  return { chain, pool, parent, block, context };
}

async function reasonOf(header: BlockHeader, txs: Uint8Array[], context: ValidationContext): Promise<string> {
  try {
    await validateProposal(header, txs, context);
  } catch (error) {
    if (error instanceof BlockRejected) return `${error.reason}: ${error.message}`;
    throw error;
  }
  return 'accepted';
}

describe('blocks', () => {
  it('header encoding round-trips and the hash is keccak-256 of it', () => {
    const { block } = setup();
    const encoded = encodeHeader(block.header);
    expect(decodeHeader(encoded)).toEqual(block.header);
    expect(hex(block.hash)).toBe(Buffer.from(keccak_256(encoded)).toString('hex'));
    expect(block.header).toMatchObject({ number: 1, proposer: 2, transactionCount: parsed.length, chainId: CHAIN_ID });
  });

  it('a header number is a safe integer: canonical RLP as before, and one above Number.MAX_SAFE_INTEGER does not decode', () => {
    const { header } = setup().block;
    // @ethereumjs/rlp with the integers as bigints (canonical: no leading zeros, 0 as the empty string).
    const independent = (number: bigint): Uint8Array =>
      RLP.encode([
        bigIntToUnpaddedBytes(header.chainId),
        bigIntToUnpaddedBytes(number),
        header.parentHash,
        bigIntToUnpaddedBytes(header.timestampMs),
        bigIntToUnpaddedBytes(BigInt(header.proposer)),
        header.transactionsRoot,
        bigIntToUnpaddedBytes(BigInt(header.transactionCount)),
      ]);
    for (const number of [0, 1, 255, 256, 0xffff_ffff, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const encoded = encodeHeader({ ...header, number });
      expect(hex(encoded), `number ${number}`).toBe(hex(independent(BigInt(number))));
      expect(decodeHeader(encoded)).toEqual({ ...header, number });
      // @ethereumjs decodes the number as bytes → bigint: compare as bigints.
      expect(bytesToBigInt((RLP.decode(encoded) as Uint8Array[])[1]!)).toBe(BigInt(number));
    }
    const tooLarge = BigInt(Number.MAX_SAFE_INTEGER) + 1n;
    expect(() => decodeHeader(independent(tooLarge))).toThrow(
      `block header: number: ${tooLarge} is above Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}), the largest value it may have`,
    );
    expect(() => decodeHeader(independent(2n ** 64n - 1n))).toThrow(/block header: number: \d+ is above Number.MAX_SAFE_INTEGER/);
    expect(() => decodeHeader(independent(2n ** 64n))).toThrow(/block header: number: integer of 9 bytes exceeds 8/);
  });

  it('transactionsRoot equals the Ethereum transactions-trie root (@ethereumjs/block)', async () => {
    const { block } = setup();
    expect(block.transactions.map(hex)).toEqual(raws.map(hex));
    expect(hex(block.header.transactionsRoot)).toBe(Buffer.from(await genTransactionsTrieRoot(objects)).toString('hex'));
    expect(hex(genesisBlock(CHAIN_ID).header.transactionsRoot)).toBe(Buffer.from(await genTransactionsTrieRoot([])).toString('hex'));
    expect(block.transactionHashes.map(hex)).toEqual(block.transactions.map((raw) => Buffer.from(keccak_256(raw)).toString('hex')));
  });

  it('the built block keeps arrival order with consecutive nonces per sender, and validates', async () => {
    const { block, context } = setup();
    expect(block.transactions.map((raw) => hex(raw))).toEqual(raws.map((raw) => hex(raw)));
    const validated = await validateProposal(block.header, block.transactions, context);
    expect(hex(validated.block.hash)).toBe(hex(block.hash));
    expect(validated.transactions.map((t) => hex(t.hash))).toEqual(parsed.map((t) => hex(t.hash)));
  });

  it('a proposal of transactions this node knows is checked by hashes: only the unknown ones are decoded and recovered', async () => {
    const { block, context, pool } = setup();
    const recoveries = vi.spyOn(context.executor, 'recoverAddresses');
    const knownTransaction = (hash: string) => pool.get(hash)?.tx;
    const all = await validateProposal(block.header, block.transactions, { ...context, knownTransaction });
    expect(recoveries).not.toHaveBeenCalled();
    // The pool's own objects, not decoded again.
    all.transactions.forEach((tx, i) => expect(tx).toBe(pool.get(hex(block.transactionHashes[i]!))!.tx));
    expect(hex(all.block.hash)).toBe(hex(block.hash));

    // A third known: the other two thirds are decoded and recovered in one batch, with the same result.
    const third = (hash: string) => (Number.parseInt(hash.slice(0, 2), 16) % 3 === 0 ? pool.get(hash)?.tx : undefined);
    const unknownCount = block.transactionHashes.filter((hash) => third(hex(hash)) === undefined).length;
    expect(unknownCount).toBeGreaterThan(0);
    expect(unknownCount).toBeLessThan(block.transactions.length);
    const mixed = await validateProposal(block.header, block.transactions, { ...context, knownTransaction: third });
    expect(recoveries).toHaveBeenCalledTimes(1);
    expect(recoveries.mock.calls[0]![0]).toHaveLength(unknownCount);
    expect(mixed.transactions.map((t) => [hex(t.hash), hex(t.sender), t.nonce])).toEqual(parsed.map((t) => [hex(t.hash), hex(t.sender), t.nonce]));
    recoveries.mockRestore();
  });

  it('never timestamps a block before its parent', () => {
    const { pool } = setup(0);
    const parent: Block = { ...genesisBlock(CHAIN_ID), header: { ...genesisBlock(CHAIN_ID).header, timestampMs: 5_000n } };
    expect(buildBlock(parent, pool, { proposer: 1, nowMs: 4_000n, limits }).header.timestampMs).toBe(5_000n);
  });

  describe('rejects proposals, with a typed reason', () => {
    const { block, context, chain, pool } = setup();
    const header = block.header;
    const txs = block.transactions;

    it('chain, number, parent and timestamps', async () => {
      expect(await reasonOf({ ...header, chainId: 1n }, txs, context)).toMatch(/^wrong-chain-id/);
      expect(await reasonOf({ ...header, number: 2 }, txs, context)).toMatch(/^wrong-number: block 2: expected number 1/);
      expect(await reasonOf({ ...header, parentHash: new Uint8Array(32).fill(1) }, txs, context)).toMatch(/^wrong-parent/);
      const later = { ...context, parent: { ...context.parent, header: { ...context.parent.header, timestampMs: header.timestampMs + 1n } } };
      expect(await reasonOf(header, txs, later)).toMatch(/^timestamp-before-parent/);
      expect(await reasonOf({ ...header, timestampMs: context.nowMs + 2_001n }, txs, context)).toMatch(/^timestamp-in-future: .*more than 2000 ms ahead/);
    });

    it('limits', async () => {
      expect(await reasonOf(header, txs, { ...context, limits: { ...limits, maxTransactions: 10 } })).toMatch(/^too-many-transactions: .*60 transactions exceed the limit of 10/);
      expect(await reasonOf(header, txs, { ...context, limits: { ...limits, maxBytes: 100 } })).toMatch(/^too-many-bytes/);
    });

    it('an invalid, duplicated or already included transaction, or a nonce gap', async () => {
      const corrupt = txs.map((raw, i) => (i === 5 ? raw.slice(0, raw.length - 1) : raw));
      expect(await reasonOf(header, corrupt, context)).toMatch(/^invalid-transaction: block 1: transaction 5: .*\(malformed\)/);
      expect(await reasonOf(header, [...txs.slice(0, 3), txs[2]!], context)).toMatch(/^duplicate-transaction: .*transaction 3/);
      const gap = txs.filter((_, i) => i !== 4); // drops one nonce of the sender of transaction 4
      expect(await reasonOf(header, gap, context)).toMatch(/^nonce-gap: .*transaction 7 .* has nonce 2, expected 1/);
      const includedChain = new Included();
      includedChain.include([parsed[0]!]);
      expect(await reasonOf(header, txs, { ...context, chain: includedChain })).toMatch(/^transaction-already-included: .*transaction 0/);
      expect(chain.hashes.size).toBe(0);
      // The same checks hold for transactions found by hash.
      const knownTransaction = (hash: string) => pool.get(hash)?.tx;
      expect(await reasonOf(header, corrupt, { ...context, knownTransaction })).toMatch(/^invalid-transaction: block 1: transaction 5: .*\(malformed\)/);
      expect(await reasonOf(header, [...txs.slice(0, 3), txs[2]!], { ...context, knownTransaction })).toMatch(/^duplicate-transaction: .*transaction 3/);
      expect(await reasonOf(header, gap, { ...context, knownTransaction })).toMatch(/^nonce-gap: .*transaction 7 .* has nonce 2, expected 1/);
      expect(await reasonOf(header, txs, { ...context, chain: includedChain, knownTransaction })).toMatch(/^transaction-already-included: .*transaction 0/);
      expect(await reasonOf({ ...header, transactionsRoot: new Uint8Array(32) }, txs, { ...context, knownTransaction })).toMatch(/^header-mismatch/);
    });

    it('a header whose transactionsRoot or count does not match its transactions', async () => {
      expect(await reasonOf({ ...header, transactionsRoot: new Uint8Array(32) }, txs, context)).toMatch(/^header-mismatch/);
      expect(await reasonOf({ ...header, transactionCount: 59 }, txs, context)).toMatch(/^header-mismatch/);
      expect(await reasonOf(header, txs.slice(0, 10), context)).toMatch(/^header-mismatch/);
    });
  });
});
