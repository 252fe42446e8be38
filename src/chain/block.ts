/**
 * The DST block: its header, hash, genesis, and the validation a node applies to a block another node
 * proposed (docs/architecture.md §5; the README's "Formats" section is the normative description).
 *
 * Header = RLP list, in this order:
 *   [chainId, number, parentHash (32 bytes), timestampMs, proposer, transactionsRoot (32 bytes), transactionCount]
 * with integers canonical (minimal big-endian, zero as the empty string). timestampMs is Unix time in
 * milliseconds (block times go down to 250 ms); proposer is the 1-based share index of the node that
 * built the block (0 in genesis). Block hash = keccak-256(RLP(header)). transactionsRoot is the Ethereum
 * transactions-trie root of the ordered raw transactions, computed in the WebAssembly core, so an
 * execution engine can prove it followed the signed order.
 *
 * Genesis is block 0 of a chain id: parent hash zero, timestamp 0, no transactions, not signed; every
 * node derives it. The first produced block is number 1.
 *
 * Heights. A block number (a height) is a `number` everywhere in DST — here, in QBFT (src/consensus,
 * whose heights and wire messages were numbers from the start), in the store (which keys blocks by
 * number) and in the node and API — always a safe integer (≤ Number.MAX_SAFE_INTEGER = 2^53 − 1):
 * at 1,000 blocks a second that lasts about 285,000 years, and number arithmetic is cheaper than
 * bigint's and needs no conversions between the layers. The encoding is the canonical RLP integer
 * either way; `decodeHeader` refuses a number above Number.MAX_SAFE_INTEGER. (`timestampMs` and
 * `chainId` are not heights and stay bigint.)
 */
import { keccak256, transactionsRootWithHashes } from '../wasm/index.js';
import { bigIntToBytes } from '../bytes/index.js';
import { rlpDecode, rlpEncode, rlpToBigInt, rlpToSafeInteger, RlpError } from './rlp.js';

export interface BlockHeader {
  chainId: bigint;
  /** The block's height: a safe integer (see the module comment), 0 for genesis. */
  number: number;
  parentHash: Uint8Array;
  timestampMs: bigint;
  proposer: number;
  transactionsRoot: Uint8Array;
  transactionCount: number;
}

export interface Block {
  header: BlockHeader;
  /** keccak-256 of the RLP header. */
  hash: Uint8Array;
  /** Raw signed transactions in block order. */
  transactions: Uint8Array[];
  /** keccak-256 of each raw transaction, in block order (32 bytes each). */
  transactionHashes: Uint8Array[];
}

const HASH_BYTES = 32;
const HEADER_FIELDS = 7;

export function encodeHeader(header: BlockHeader): Uint8Array {
  return rlpEncode([
    bigIntToBytes(header.chainId),
    bigIntToBytes(BigInt(header.number)),
    header.parentHash,
    bigIntToBytes(header.timestampMs),
    bigIntToBytes(BigInt(header.proposer)),
    header.transactionsRoot,
    bigIntToBytes(BigInt(header.transactionCount)),
  ]);
}

/**
 * Decodes a header; throws RlpError on anything but the canonical encoding of a well-formed header,
 * and on a number above Number.MAX_SAFE_INTEGER.
 */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const item = rlpDecode(bytes);
  if (!Array.isArray(item) || item.length !== HEADER_FIELDS) {
    throw new RlpError(`block header: expected a list of ${HEADER_FIELDS} fields`);
  }
  const hashField = (index: number, name: string): Uint8Array => {
    const value = item[index];
    if (!(value instanceof Uint8Array) || value.length !== HASH_BYTES) {
      throw new RlpError(`block header: ${name} must be ${HASH_BYTES} bytes`);
    }
    return value;
  };
  return {
    chainId: rlpToBigInt(item[0], 'chainId'),
    number: rlpToSafeInteger(item[1], 'block header: number', 8),
    parentHash: hashField(2, 'parentHash'),
    timestampMs: rlpToBigInt(item[3], 'timestampMs', 8),
    proposer: Number(rlpToBigInt(item[4], 'proposer', 4)),
    transactionsRoot: hashField(5, 'transactionsRoot'),
    transactionCount: Number(rlpToBigInt(item[6], 'transactionCount', 4)),
  };
}

export function headerHash(header: BlockHeader): Uint8Array {
  return keccak256(encodeHeader(header));
}

/** Assembles a block from its ordered raw transactions: root, hashes and header hash in one WASM call each. */
export function assembleBlock(fields: Omit<BlockHeader, 'transactionsRoot' | 'transactionCount'>, transactions: Uint8Array[]): Block {
  const { root, hashes } = transactionsRootWithHashes(transactions);
  const header: BlockHeader = { ...fields, transactionsRoot: root, transactionCount: transactions.length };
  return {
    header,
    hash: headerHash(header),
    transactions,
    transactionHashes: Array.from({ length: transactions.length }, (_, i) => hashes.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES)),
  };
}

/** Block 0 of a chain: every node derives the same one. */
export function genesisBlock(chainId: bigint): Block {
  return assembleBlock({ chainId, number: 0, parentHash: new Uint8Array(HASH_BYTES), timestampMs: 0n, proposer: 0 }, []);
}
