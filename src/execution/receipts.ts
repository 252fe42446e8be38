/**
 * Receipts of executed transactions and the roots over them.
 *
 * A receipt is EIP-658's `rlp([status, cumulativeGasUsed, logsBloom, logs])` with each log
 * `[address, [topics…], data]`, prefixed by the transaction's type byte for typed transactions
 * (EIP-2718: `type ‖ rlp(…)`), exactly as in an Ethereum block. The receipts root is the root of the
 * trie mapping `rlp(i)` to the i-th encoded receipt of the executed block — the same trie as the
 * transactions root, so it is computed by the same WebAssembly core (src/wasm/trie.ts). The logs bloom
 * is the Yellow Paper's 2048-bit filter (§4.3.1), the OR of the receipts' blooms for the block.
 *
 * The effective gas price (EIP-1559): for a type-2 transaction `baseFee + min(maxPriorityFeePerGas,
 * maxFeePerGas − baseFee)`, for legacy and EIP-2930 its `gasPrice`.
 */
import { transactionsRoot } from '../wasm/index.js';
import type { ExecutedLog } from './types.js';

export const BLOOM_BYTES = 256;

export function receiptsRoot(encodedReceipts: readonly Uint8Array[]): Uint8Array {
  return transactionsRoot(encodedReceipts);
}

/** ORs `bloom` into `into`. */
export function orBloom(into: Uint8Array, bloom: Uint8Array): void {
  for (let i = 0; i < BLOOM_BYTES; i++) into[i]! |= bloom[i]!;
}

export function effectiveGasPrice(tx: { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }, baseFee: bigint): bigint {
  if (tx.maxFeePerGas !== undefined && tx.maxPriorityFeePerGas !== undefined) {
    const tip = tx.maxFeePerGas - baseFee < tx.maxPriorityFeePerGas ? tx.maxFeePerGas - baseFee : tx.maxPriorityFeePerGas;
    return baseFee + tip;
  }
  return tx.gasPrice!;
}

/** @ethereumjs logs (`[address, topics, data]` tuples) as records. */
export function toLogs(logs: ReadonlyArray<[Uint8Array, Uint8Array[], Uint8Array]> | undefined): ExecutedLog[] {
  return (logs ?? []).map(([address, topics, data]) => ({ address, topics, data }));
}
