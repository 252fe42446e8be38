/**
 * Real signed DST chains for the verifier tests and benchmarks: a dealer-made threshold key (src/crypto,
 * blst), blocks assembled by src/chain from real signed Ethereum transactions, each block's signing
 * root signed by t share holders and the partials combined — exactly what a cluster's nodes do.
 * (`signWith: 'group'` signs with the recovered group secret instead: the same signature, faster, for
 * long ranges.)
 */
import * as blst from '@chainsafe/blst';
import { assembleBlock, encodeHeader, genesisBlock, type Block } from '../../src/chain/block.js';
import { BLOCK_DOMAIN, combine, createThresholdKey, partialSign, recoverSecret, signingRoot, type ThresholdKey } from '../../src/crypto/index.js';
import type { SignedBlockData, Trust } from '../../src/verifier/index.js';
import { makeSignedTransactions } from '../helpers/transactions.js';

export const CHAIN_ID = 4242n;

export interface SignedChain {
  key: ThresholdKey;
  trust: Trust;
  blocks: SignedBlockData[];
  /** The assembled blocks (header fields, hash), parallel to `blocks`. */
  assembled: Block[];
}

export interface ChainSpec {
  count: number;
  transactionsPerBlock?: number;
  signWith?: 'partials' | 'group';
  chainId?: bigint;
  /** Rounds per block (default: 1, with every fifth block decided in round 2). */
  round?: (number: number) => number;
}

export function makeThresholdKey(): ThresholdKey {
  return createThresholdKey({ shares: 4, threshold: 3 });
}

/** Blocks 1..count on top of genesis, signed by `key`. */
export function makeSignedChain(spec: ChainSpec, key: ThresholdKey = makeThresholdKey()): SignedChain {
  const chainId = spec.chainId ?? CHAIN_ID;
  const perBlock = spec.transactionsPerBlock ?? 3;
  const pool = makeSignedTransactions(Math.max(perBlock * Math.min(spec.count, 40), 1), { chainId: Number(chainId) });
  const group = spec.signWith === 'group' ? blst.SecretKey.fromBytes(recoverSecret(key.shares.slice(0, key.threshold), key.threshold)) : undefined;
  const blocks: SignedBlockData[] = [];
  const assembled: Block[] = [];
  let parent = genesisBlock(chainId);
  for (let number = 1; number <= spec.count; number++) {
    const start = ((number - 1) * perBlock) % Math.max(pool.length - perBlock + 1, 1);
    const transactions = pool.slice(start, start + perBlock);
    const block = assembleBlock({ chainId, number, parentHash: parent.hash, timestampMs: 1_700_000_000_000n + BigInt(number) * 250n, proposer: 1 + (number % 4) }, transactions);
    const round = spec.round ? spec.round(number) : number % 5 === 0 ? 2 : 1;
    const root = signingRoot(BLOCK_DOMAIN, chainId, round, block.hash);
    const signature = group ? group.sign(root).toBytes(true) : combine(key.shares.slice(0, key.threshold).map((share) => partialSign(share, root)));
    blocks.push({ header: encodeHeader(block.header), transactions, round, signature });
    assembled.push(block);
    parent = block;
  }
  return { key, trust: { chainId, groupPublicKey: key.groupPublicKey }, blocks, assembled };
}

/** A copy of `block` with `edit` applied to the copy. */
export function edited(block: SignedBlockData, edit: (copy: SignedBlockData) => void): SignedBlockData {
  const copy: SignedBlockData = { header: block.header.slice(), transactions: block.transactions.map((tx) => tx.slice()), round: block.round, signature: block.signature.slice() };
  edit(copy);
  return copy;
}
