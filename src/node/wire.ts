/**
 * The sync protocol's encoding of one signed block (issue 7, "Sync"; README "Formats"): the RLP list
 *
 *   [header, [rawTransaction, …], round, signature]
 *
 * with `header` the block header's RLP as a byte string (what the block hash is taken over), the raw
 * signed transactions in block order, `round` the QBFT round that decided the block (canonical RLP
 * integer, ≥ 1) and `signature` the 96-byte compressed group signature. The signing root is not sent:
 * the receiver recomputes it from the chain id, the round and the hash of the header it received, so
 * a peer cannot make a block verify against a root of its choosing. RLP is the chain's own encoding
 * (src/chain/rlp.ts), whose decoder accepts only canonical input.
 */
import { bigIntToBytes } from '../bytes/index.js';
import { assembleChecked, decodeHeader, encodeHeader, rlpDecode, rlpEncode, rlpToBigInt, type Block, type BlockHeader } from '../chain/index.js';
import type { ValueCodec } from '../p2p/index.js';
import { SIGNATURE_LENGTH } from '../crypto/index.js';
import type { SignedBlock } from './types.js';

/** A signed block as received, before any check beyond its shape. */
export interface WireBlock {
  /** The header's RLP bytes as received. */
  headerBytes: Uint8Array;
  header: BlockHeader;
  transactions: Uint8Array[];
  round: number;
  signature: Uint8Array;
}

const FIELDS = 4;

export function encodeWireBlock(signed: SignedBlock): Uint8Array {
  return rlpEncode([encodeHeader(signed.block.header), signed.block.transactions, bigIntToBytes(BigInt(signed.round)), signed.signature]);
}

/** Decodes a wire block; throws an Error saying what was expected and what came. */
export function decodeWireBlock(bytes: Uint8Array): WireBlock {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('sync block: expected bytes');
  const item = rlpDecode(bytes);
  if (!Array.isArray(item) || item.length !== FIELDS) {
    throw new Error(`sync block: expected an RLP list of ${FIELDS} items [header, transactions, round, signature], got ${Array.isArray(item) ? `a list of ${item.length}` : 'a byte string'}`);
  }
  const [headerBytes, transactions, roundItem, signature] = item;
  if (!(headerBytes instanceof Uint8Array)) throw new Error('sync block: header: expected a byte string, got a list');
  const header = decodeHeader(headerBytes);
  if (!Array.isArray(transactions) || !transactions.every((tx): tx is Uint8Array => tx instanceof Uint8Array)) {
    throw new Error('sync block: transactions: expected a list of byte strings');
  }
  const round = rlpToBigInt(roundItem, 'round', 6);
  if (round < 1n || round > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`sync block: round: expected an integer ≥ 1 (QBFT rounds start at 1), got ${round}`);
  }
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) {
    throw new Error(`sync block: signature: expected ${SIGNATURE_LENGTH} bytes, got ${signature instanceof Uint8Array ? `${signature.length} bytes` : 'a list'}`);
  }
  return { headerBytes, header, transactions, round: Number(round), signature };
}

/**
 * How a proposed block travels inside consensus messages (the `ValueCodec` of src/p2p/consensus-codec.ts):
 * `[headerRlp, [rawTransaction, …]]`. The receiver rebuilds the block — transaction hashes, root and
 * count recomputed, the header's hash taken over the header bytes received — and refuses a value whose
 * transactions do not match its header (`assembleChecked`, src/chain/validation.ts), so a block's id (its hash, the QBFT value id) always stands for
 * exactly one list of transactions. Whether the block is valid to extend the chain is decided later, by
 * proposal validation (src/chain/validation.ts).
 */
export const proposalCodec: ValueCodec<Block> = {
  encode: (block) => [encodeHeader(block.header), block.transactions],
  decode(wire) {
    if (!Array.isArray(wire) || wire.length !== 2) throw new Error('proposed block: expected [headerRlp, transactions]');
    const [headerBytes, transactions] = wire as unknown[];
    if (!(headerBytes instanceof Uint8Array)) throw new Error('proposed block: header: expected bytes');
    if (!Array.isArray(transactions) || !transactions.every((tx): tx is Uint8Array => tx instanceof Uint8Array)) {
      throw new Error('proposed block: transactions: expected a list of byte strings');
    }
    return assembleChecked(decodeHeader(headerBytes), transactions);
  },
};
