/**
 * DST blocks and transactions in Ethereum's JSON-RPC shapes (ethereum/execution-apis: Block,
 * TransactionInfo), the ones Ethereum client libraries (viem, ethers, web3) parse.
 *
 * The sequencer orders transactions and does not execute them (docs/architecture.md §1), so a block lacks the
 * execution fields of an Ethereum header. They are filled with fixed values that cannot be mistaken
 * for real ones:
 * - `timestamp`: seconds, `floor(timestampMs / 1000)`; the exact time is the extra `timestampMs`;
 * - `stateRoot`, `receiptsRoot`, `mixHash`: 32 zero bytes (no state, no receipts, no randomness);
 * - `logsBloom`: 256 zero bytes (no logs are known);
 * - `sha3Uncles`: keccak-256 of the empty RLP list (no uncles, as in every post-merge block); `uncles`: [];
 * - `miner`: the zero address (the proposer is a share index, given in `proposer`);
 * - `difficulty` 0 and `nonce` 8 zero bytes (as post-merge Ethereum); `extraData`: "0x";
 * - `gasLimit`, `gasUsed`: 0 (no gas is metered); `baseFeePerGas`: 0 (no fee is charged, and its
 *   presence tells clients EIP-1559 transactions are accepted);
 * - `size`: bytes of the block as Ethereum would encode it, RLP([header fields, transactions]) with
 *   legacy transactions as embedded lists and typed ones as byte strings.
 * DST extras: `proposer` (1-based share index), `round` (QBFT round of the decision), `timestampMs`,
 * `signingRoot` and `sequencerSignature` (96-byte BLS; null for the unsigned genesis).
 *
 * A transaction's `gasPrice` for EIP-1559 follows geth: the effective price once included,
 * `min(baseFeePerGas + maxPriorityFeePerGas, maxFeePerGas)` with the block's `baseFeePerGas` (0, or the
 * execution chain's with an execution endpoint), `maxFeePerGas` while pending. `chainId` is
 * omitted only for a legacy transaction without EIP-155 protection; `yParity` appears on typed ones.
 */
import { keccak256 } from '../wasm/index.js';
import { encodeHeader, type Block, type Transaction } from '../chain/index.js';
import type { SignedBlock, TransactionLocation } from '../node/types.js';
import { data, quantity } from './hex.js';

const ZERO_HASH = data(new Uint8Array(32));
const ZERO_ADDRESS = data(new Uint8Array(20));
const ZERO_BLOOM = data(new Uint8Array(256));
const ZERO_NONCE = data(new Uint8Array(8));
const EMPTY_UNCLES_HASH = data(keccak256(Uint8Array.of(0xc0)));

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A block's header fields in Ethereum's shape plus the DST extras, without transactions. */
/**
 * `baseFeePerGas`: 0 unless given — a node with an execution endpoint gives the execution chain's base
 * fee (src/api/forward.ts), so that wallets price their transactions for execution.
 */
export function formatHeader(signed: SignedBlock, baseFeePerGas = 0n): JsonObject {
  const { block } = signed;
  const { header } = block;
  const signedAtAll = signed.signature.length > 0;
  return {
    number: quantity(header.number),
    hash: data(block.hash),
    parentHash: data(header.parentHash),
    nonce: ZERO_NONCE,
    sha3Uncles: EMPTY_UNCLES_HASH,
    logsBloom: ZERO_BLOOM,
    transactionsRoot: data(header.transactionsRoot),
    stateRoot: ZERO_HASH,
    receiptsRoot: ZERO_HASH,
    miner: ZERO_ADDRESS,
    difficulty: '0x0',
    extraData: '0x',
    size: quantity(blockSize(block)),
    gasLimit: '0x0',
    gasUsed: '0x0',
    timestamp: quantity(header.timestampMs / 1000n),
    mixHash: ZERO_HASH,
    baseFeePerGas: quantity(baseFeePerGas),
    proposer: quantity(header.proposer),
    round: quantity(signed.round),
    timestampMs: quantity(header.timestampMs),
    signingRoot: signedAtAll ? data(signed.signingRoot) : null,
    sequencerSignature: signedAtAll ? data(signed.signature) : null,
  };
}

/**
 * The full block object. `transactions` is the list of hashes, or, when `lookUp` is given, the full
 * transaction objects it returns for each hash in block order.
 */
export function formatBlock(signed: SignedBlock, lookUp?: (hash: Uint8Array, index: number) => Transaction, baseFeePerGas = 0n): JsonObject {
  const { block } = signed;
  const location = (index: number): TransactionLocation => ({ blockNumber: block.header.number, blockHash: block.hash, index });
  return {
    ...formatHeader(signed, baseFeePerGas),
    transactions: lookUp
      ? block.transactionHashes.map((hash, index) => formatTransaction(lookUp(hash, index), location(index), baseFeePerGas))
      : block.transactionHashes.map(data),
    uncles: [],
  };
}

/** `baseFeePerGas`: the base fee of the block `location` names (see the module comment). */
export function formatTransaction(tx: Transaction, location: TransactionLocation | undefined, baseFeePerGas = 0n): JsonObject {
  const json: JsonObject = {
    blockHash: location ? data(location.blockHash) : null,
    blockNumber: location ? quantity(location.blockNumber) : null,
    transactionIndex: location ? quantity(location.index) : null,
    hash: data(tx.hash),
    type: quantity(tx.type),
    from: data(tx.sender),
    to: tx.to ? data(tx.to) : null,
    nonce: quantity(tx.nonce),
    gas: quantity(tx.gasLimit),
    value: quantity(tx.value),
    input: data(tx.data),
  };
  if (tx.chainId !== null) json.chainId = quantity(tx.chainId);
  if (tx.type === 2) {
    const maxFee = tx.maxFeePerGas!;
    const tip = tx.maxPriorityFeePerGas!;
    json.maxFeePerGas = quantity(maxFee);
    json.maxPriorityFeePerGas = quantity(tip);
    const included = baseFeePerGas + tip;
    json.gasPrice = quantity(location && included < maxFee ? included : maxFee);
  } else {
    json.gasPrice = quantity(tx.gasPrice!);
  }
  if (tx.type !== 0) {
    json.accessList = tx.accessList.map((entry) => ({ address: data(entry.address), storageKeys: entry.storageKeys.map(data) }));
    json.yParity = quantity(tx.yParity);
  }
  json.v = quantity(tx.v);
  json.r = quantity(tx.r);
  json.s = quantity(tx.s);
  return json;
}

/**
 * The size Ethereum would report: the length of RLP([header, transactions]) (no uncles or withdrawals
 * exist here), with each legacy transaction embedded as its RLP list and each typed one as a byte
 * string. Computed from lengths alone: both kinds are longer than one byte, so each item costs its
 * payload plus a 1-byte prefix below 56 bytes, or 1 + (bytes of the length) from 56 on.
 */
function blockSize(block: Block): number {
  let transactionsPayload = 0;
  for (const raw of block.transactions) transactionsPayload += raw[0]! >= 0xc0 ? raw.length : withPrefix(raw.length);
  return withPrefix(encodeHeader(block.header).length + withPrefix(transactionsPayload));
}

function withPrefix(payloadLength: number): number {
  if (payloadLength < 56) return payloadLength + 1;
  let lengthBytes = 0;
  for (let rest = payloadLength; rest > 0; rest = Math.floor(rest / 256)) lengthBytes++;
  return payloadLength + 1 + lengthBytes;
}
