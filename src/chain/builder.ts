/**
 * Building the next block from the pool (the leader's side of a height). The header fields are the
 * chain's: number and parent hash follow the parent, the timestamp is the builder's clock but never
 * before the parent's, and the transactions are the pool's first-come-first-served selection.
 */
import { assembleBlock, type Block } from './block.js';
import type { BlockLimits, Mempool } from './mempool.js';

export interface BuildOptions {
  /** 1-based share index of the node building the block. */
  proposer: number;
  /** The builder's clock, Unix milliseconds. */
  nowMs: bigint;
  limits: BlockLimits;
}

export function buildBlock(parent: Block, pool: Mempool, options: BuildOptions): Block {
  const transactions = pool.selectForBlock(options.limits);
  const parentTime = parent.header.timestampMs;
  return assembleBlock(
    {
      chainId: parent.header.chainId,
      number: parent.header.number + 1,
      parentHash: parent.hash,
      timestampMs: options.nowMs > parentTime ? options.nowMs : parentTime,
      proposer: options.proposer,
    },
    transactions.map((tx) => tx.raw),
  );
}
