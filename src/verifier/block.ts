/**
 * Checking that a block is the DST cluster's, everything but the BLS signature itself: the structure
 * of a signed block, recomputed from its bytes alone against a pinned trust anchor (the cluster's
 * chain id and group public key, from its `cluster-lock.json`), never from what the serving node says.
 *
 * A block passes when (README "Formats", src/chain/block.ts, src/crypto/signing-root.ts):
 * - its header is the canonical RLP of the 7 header fields (it re-encodes to the same bytes; read by
 *   the one-pass fast path of ./header.ts, or by src/chain's decoder when that declines);
 * - its chain id is the trusted one;
 * - the Ethereum transactions-trie root of its raw transactions (the WebAssembly trie, one call, the
 *   root-only entry that skips the transaction hashes) and
 *   their count are the header's `transactionsRoot` and `transactionCount`;
 * - it carries a round ≥ 1 and a 96-byte signature — then its hash is keccak-256 of the header and the
 *   message the cluster signed is signingRoot(BLOCK_DOMAIN, chainId, round, hash), which ./verify.ts
 *   checks against the group key. Genesis (number 0) is not signed: every node derives it, so it
 *   passes exactly when it is `genesisBlock(chainId)`.
 *
 * Only `chain`, `crypto/signing-root` and `wasm` are imported, all free of Node built-ins, so this
 * runs in a browser as it does in Node.
 */
import { decodeHeader, encodeHeader, genesisBlock, type BlockHeader } from '../chain/block.js';
import { signingRoot, BLOCK_DOMAIN } from '../crypto/signing-root.js';
import { keccak256 } from '../wasm/keccak.js';
import { transactionsRoot } from '../wasm/trie.js';
import { validatePublicKey } from '../wasm/points.js';
import { equalBytes, hex } from '../bytes/index.js';
import { decodeCanonicalHeader } from './header.js';

/** A signed block as `dst_getSignedBlock` gives it, hex-decoded (the fields a verifier needs). */
export interface SignedBlockData {
  /** The RLP header; its keccak-256 is the block hash. */
  header: Uint8Array;
  /** Raw signed transactions in block order. */
  transactions: Uint8Array[];
  /** The QBFT round that decided the block (0 only for the unsigned genesis). */
  round: number;
  /** The 96-byte group signature (empty for the unsigned genesis). */
  signature: Uint8Array;
}

/** What a verifier trusts, pinned by its caller from the cluster lock — never taken from a node. */
export interface Trust {
  chainId: bigint;
  /** The cluster's 48-byte compressed BLS12-381 G1 public key (`groupPublicKey` in the lock). */
  groupPublicKey: Uint8Array;
}

/** Why a block is not the cluster's. */
export type FailureReason =
  | 'malformed-block' // not the shape of SignedBlockData (types, lengths)
  | 'malformed-header' // not the canonical RLP of a header
  | 'wrong-chain' // another chain id than the trusted one
  | 'transactions-mismatch' // the transactions' trie root or count is not the header's
  | 'bad-genesis' // a block 0 that is not the chain's genesis
  | 'bad-signature' // the signature does not verify against the group key for this block and round
  | 'not-linked'; // (verifyChain) not the next block: number, parent hash or timestamp

export type VerifyResult = { ok: true; number: number; hash: Uint8Array } | { ok: false; reason: FailureReason; detail: string };

/** A block whose structure passed: what the signature check and the linkage checks need. */
export interface CheckedBlock {
  header: BlockHeader;
  hash: Uint8Array;
  /** The message the group signature must sign; undefined for genesis, which is not signed. */
  signingRoot?: Uint8Array;
  signature: Uint8Array;
}

export type Failure = { ok: false; reason: FailureReason; detail: string };

const SIGNATURE_BYTES = 96;

/**
 * Refuses a trust anchor that cannot be one — a caller's mistake, not a bad block, so it throws:
 * a chain id outside 0..2^256−1, or a group key that is not a valid compressed G1 point.
 */
export function assertTrust(trust: Trust): void {
  if (typeof trust !== 'object' || trust === null) throw new TypeError('dst-sequencer/verifier: trust: expected { chainId, groupPublicKey }');
  if (typeof trust.chainId !== 'bigint' || trust.chainId < 0n || trust.chainId >= 1n << 256n) {
    throw new TypeError('dst-sequencer/verifier: trust.chainId: expected a bigint in 0..2^256-1');
  }
  const key = trust.groupPublicKey;
  let problem: string | undefined;
  if (!(key instanceof Uint8Array) || key.length !== 48) problem = 'not 48 bytes';
  else if (validatedKeys.has(hex(key))) return;
  else {
    try {
      if (!validatePublicKey(key)) problem = 'not a valid public key';
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  if (problem) throw new TypeError(`dst-sequencer/verifier: trust.groupPublicKey: expected the 48-byte compressed G1 group public key of the cluster lock (${problem})`);
  if (validatedKeys.size >= VALIDATED_KEYS_KEPT) validatedKeys.clear();
  validatedKeys.add(hex(key));
}

/**
 * Group keys already validated (KeyValidate: on the curve, in G1, not infinity — a few hundred µs in
 * WebAssembly), by hex: a verifier checks block after block against the same key. A few are kept.
 */
const validatedKeys = new Set<string>();
const VALIDATED_KEYS_KEPT = 16;

/** Checks everything about `block` but its signature; see the module comment for the rules. */
export function checkBlock(block: SignedBlockData, trust: Trust): { ok: true; checked: CheckedBlock } | Failure {
  const shape = shapeProblem(block);
  if (shape) return fail('malformed-block', shape);
  let header = decodeCanonicalHeader(block.header);
  if (header === undefined) {
    // Off the fast path (./header.ts): the full decoder and the re-encoding say what is wrong, if anything.
    try {
      header = decodeHeader(block.header);
    } catch (error) {
      return fail('malformed-header', (error as Error).message);
    }
    if (!equalBytes(encodeHeader(header), block.header)) return fail('malformed-header', 'the header is not in its canonical RLP encoding');
  }
  if (header.chainId !== trust.chainId) return fail('wrong-chain', `chain id ${header.chainId}, the trusted one is ${trust.chainId}`);
  const hash = keccak256(block.header);
  if (header.number === 0) {
    const genesis = genesisBlock(trust.chainId);
    if (!equalBytes(hash, genesis.hash) || block.transactions.length > 0) return fail('bad-genesis', 'block 0 is not the chain\'s genesis');
    return { ok: true, checked: { header, hash, signature: block.signature } };
  }
  if (block.transactions.length !== header.transactionCount) {
    return fail('transactions-mismatch', `${block.transactions.length} transactions, the header says ${header.transactionCount}`);
  }
  const root = transactionsRoot(block.transactions);
  if (!equalBytes(root, header.transactionsRoot)) {
    return fail('transactions-mismatch', `the transactions' trie root is 0x${hex(root)}, the header's is 0x${hex(header.transactionsRoot)}`);
  }
  if (block.round < 1) return fail('bad-signature', `block ${header.number} has round ${block.round}: only genesis is unsigned`);
  if (block.signature.length !== SIGNATURE_BYTES) {
    return fail('bad-signature', `the signature is ${block.signature.length} bytes, a compressed G2 signature is ${SIGNATURE_BYTES}`);
  }
  return { ok: true, checked: { header, hash, signingRoot: signingRoot(BLOCK_DOMAIN, trust.chainId, block.round, hash), signature: block.signature } };
}

export function fail(reason: FailureReason, detail: string): Failure {
  return { ok: false, reason, detail };
}

/** What is wrong with the shape of a SignedBlockData, or undefined. */
export function shapeProblem(block: SignedBlockData): string | undefined {
  if (typeof block !== 'object' || block === null) return 'expected { header, transactions, round, signature }';
  if (!(block.header instanceof Uint8Array)) return 'header: expected bytes';
  if (!Array.isArray(block.transactions)) return 'transactions: expected an array of byte strings';
  const badTransaction = block.transactions.findIndex((tx) => !(tx instanceof Uint8Array) || tx.length === 0);
  if (badTransaction >= 0) return `transaction ${badTransaction}: expected non-empty bytes`;
  if (!Number.isSafeInteger(block.round) || block.round < 0) return `round: expected an integer ≥ 0, got ${String(block.round)}`;
  if (!(block.signature instanceof Uint8Array)) return 'signature: expected bytes';
  return undefined;
}
