/**
 * What the execution node consumes and what it records.
 *
 * It consumes `VerifiedBlock`s — DST blocks whose group signature a follower verified
 * (src/verifier/follower.ts, `DstFollower.blocks()`), strictly in order — through the `BlockSource`
 * interface, so the executor runs the same on a follower and on blocks a test assembles itself.
 *
 * It records, per DST block, the executed block: the state root, receipts root, logs bloom and gas
 * used after running the block's transactions in order, and one outcome per transaction — a receipt
 * (EIP-658 status, gas, logs, contract address, effective gas price) for an executed one, or the
 * reason for a skipped one (a transaction that could not start: never a receipt).
 */

/** The follower's output: a DST block with a verified group signature (src/verifier/follower.ts). */
import type { VerifiedBlock } from '../verifier/follower.js';
export type { VerifiedBlock };

/** Verified blocks strictly in order, without gap or duplicate. */
export type BlockSource = AsyncIterable<VerifiedBlock>;

export interface ExecutedLog {
  address: Uint8Array;
  topics: Uint8Array[];
  data: Uint8Array;
}

/** Why a transaction of a block was not executed (nothing of it touched the state). */
export type SkipReason =
  | 'undecodable'
  | 'nonce-too-low'
  | 'nonce-too-high'
  | 'intrinsic-gas-too-low'
  | 'gas-limit-above-cap'
  | 'fee-below-base-fee'
  | 'insufficient-funds'
  | 'sender-not-eoa'
  | 'invalid';

export interface Receipt {
  /** EIP-2718 type: 0 legacy, 1 EIP-2930, 2 EIP-1559. */
  type: number;
  /** EIP-658: 1 success, 0 failure (reverted or out of gas; fees are still paid). */
  status: 0 | 1;
  from: Uint8Array;
  to: Uint8Array | null;
  contractAddress: Uint8Array | null;
  gasUsed: bigint;
  cumulativeGasUsed: bigint;
  effectiveGasPrice: bigint;
  logs: ExecutedLog[];
  logsBloom: Uint8Array;
  /** Index in the block of this receipt's first log (logs are numbered across the block). */
  firstLogIndex: number;
}

export type TransactionOutcome =
  | { kind: 'executed'; receipt: Receipt }
  | { kind: 'skipped'; reason: SkipReason; message: string; from: Uint8Array | null };

/**
 * An executed block without its transactions and outcomes: what the state methods, BLOCKHASH and the
 * fee history read (stored on its own, src/execution/store.ts, so they need not decode the block).
 */
export type ExecutedHeader = Omit<ExecutedBlock, 'transactions' | 'transactionHashes' | 'outcomes'>;

export interface ExecutedBlock {
  number: number;
  /** The DST block this is the execution of. */
  dstHash: Uint8Array;
  dstParentHash: Uint8Array;
  timestampMs: bigint;
  proposer: number;
  stateRoot: Uint8Array;
  /** Root of the trie of the executed transactions' receipts (keys rlp(index) over executed ones only). */
  receiptsRoot: Uint8Array;
  logsBloom: Uint8Array;
  gasUsed: bigint;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  feeRecipient: Uint8Array;
  transactions: Uint8Array[];
  transactionHashes: Uint8Array[];
  outcomes: TransactionOutcome[];
}
