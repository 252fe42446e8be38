/**
 * JSON of executed blocks, receipts and logs, in the shapes of the Ethereum execution JSON-RPC
 * (ethereum/execution-apis, src/schemas: block.yaml, receipt.yaml, filter.yaml).
 *
 * An executed block is reported as the Ethereum block it is: `number`, `hash` and `parentHash` are
 * the DST block's (so the same block has the same hash on a DST node and here), `transactions` are the
 * ones executed (a skipped transaction is not part of the executed block; `skippedTransactions` lists
 * their hashes), `transactionsRoot` is the root over those, and `stateRoot`, `receiptsRoot`,
 * `logsBloom`, `gasUsed`, `baseFeePerGas` and `miner` (the fee recipient) are the execution's.
 */
import { type JsonObject, formatTransaction } from '../api/format.js';
import { data, quantity } from '../api/hex.js';
import { DEFAULT_MAX_TRANSACTION_BYTES, parseTransaction, TransactionRejected } from '../chain/index.js';
import { keccak256, transactionsRoot } from '../wasm/index.js';
import type { ExecutedBlock, ExecutedLog, Receipt } from './types.js';

const ZERO_32 = new Uint8Array(32);
const EMPTY_LIST_HASH = keccak256(Uint8Array.of(0xc0));
const EMPTY_TRIE = keccak256(Uint8Array.of(0x80));

/** Indices of the executed transactions of a block, in order. */
export function executedIndices(block: ExecutedBlock): number[] {
  return block.outcomes.flatMap((outcome, index) => (outcome.kind === 'executed' ? [index] : []));
}

export function formatExecutedBlock(block: ExecutedBlock, full: boolean, chainId: bigint): JsonObject {
  const executed = executedIndices(block);
  const raws = executed.map((i) => block.transactions[i]!);
  return {
    number: quantity(block.number),
    hash: data(block.dstHash),
    parentHash: data(block.dstParentHash),
    nonce: '0x0000000000000000',
    sha3Uncles: data(EMPTY_LIST_HASH),
    logsBloom: data(block.logsBloom),
    transactionsRoot: data(transactionsRoot(raws)),
    stateRoot: data(block.stateRoot),
    receiptsRoot: data(block.receiptsRoot),
    miner: data(block.feeRecipient),
    difficulty: '0x0',
    totalDifficulty: '0x0',
    extraData: '0x',
    size: quantity(raws.reduce((sum, raw) => sum + raw.length, 600)),
    gasLimit: quantity(block.gasLimit),
    gasUsed: quantity(block.gasUsed),
    timestamp: quantity(block.timestampMs / 1000n),
    mixHash: data(ZERO_32),
    baseFeePerGas: quantity(block.baseFeePerGas),
    withdrawalsRoot: data(EMPTY_TRIE),
    withdrawals: [],
    blobGasUsed: '0x0',
    excessBlobGas: '0x0',
    parentBeaconBlockRoot: data(ZERO_32),
    uncles: [],
    transactions: full ? executed.map((i) => formatExecutedTransaction(block, i, chainId)!) : executed.map((i) => data(block.transactionHashes[i]!)),
    skippedTransactions: block.outcomes.flatMap((o, i) => (o.kind === 'skipped' ? [data(block.transactionHashes[i]!)] : [])),
    timestampMs: quantity(block.timestampMs),
    proposer: block.proposer,
  };
}

/**
 * Transaction `index` of a block with its place (executed or skipped: the DST block carries it), or
 * undefined for one that does not parse (skipped as `undecodable`). A type-2 transaction's `gasPrice`
 * is its effective gas price once executed.
 */
export function formatExecutedTransaction(block: ExecutedBlock, index: number, chainId: bigint): JsonObject | undefined {
  let tx;
  try {
    tx = parseTransaction(block.transactions[index]!, { chainId, maxBytes: DEFAULT_MAX_TRANSACTION_BYTES });
  } catch (error) {
    if (error instanceof TransactionRejected) return undefined;
    throw error;
  }
  const json = formatTransaction(tx, { blockHash: block.dstHash, blockNumber: block.number, index });
  if (tx.type === 2) {
    const outcome = block.outcomes[index]!;
    if (outcome.kind === 'executed') json.gasPrice = quantity(outcome.receipt.effectiveGasPrice);
  }
  return json;
}

export function formatReceipt(block: ExecutedBlock, index: number, receipt: Receipt): JsonObject {
  return {
    transactionHash: data(block.transactionHashes[index]!),
    transactionIndex: quantity(index),
    blockHash: data(block.dstHash),
    blockNumber: quantity(block.number),
    from: data(receipt.from),
    to: receipt.to === null ? null : data(receipt.to),
    cumulativeGasUsed: quantity(receipt.cumulativeGasUsed),
    gasUsed: quantity(receipt.gasUsed),
    contractAddress: receipt.contractAddress === null ? null : data(receipt.contractAddress),
    logs: receipt.logs.map((log, i) => formatLog(block, index, receipt.firstLogIndex + i, log)),
    logsBloom: data(receipt.logsBloom),
    type: quantity(receipt.type),
    status: quantity(receipt.status),
    effectiveGasPrice: quantity(receipt.effectiveGasPrice),
  };
}

export function formatLog(block: ExecutedBlock, transactionIndex: number, logIndex: number, log: ExecutedLog): JsonObject {
  return {
    address: data(log.address),
    topics: log.topics.map(data),
    data: data(log.data),
    blockNumber: quantity(block.number),
    blockHash: data(block.dstHash),
    blockTimestamp: quantity(block.timestampMs / 1000n),
    transactionHash: data(block.transactionHashes[transactionIndex]!),
    transactionIndex: quantity(transactionIndex),
    logIndex: quantity(logIndex),
    removed: false,
  };
}
