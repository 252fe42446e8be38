/**
 * `verifySignedBlock` and `verifyChain`: is this block, or this range of blocks, the DST cluster's?
 *
 * One block: the structural checks of ./block.ts, then its group signature over
 * signingRoot(BLOCK_DOMAIN, chainId, round, hash) against the pinned group key.
 *
 * A range: every block's structure, then the linkage — consecutive numbers, each parent hash the
 * previous block's hash, timestamps never going back (from `options.parent` for the first block
 * when given) — and then all the signatures of the range in one batch (./backend.ts: the same-key
 * batch of the WebAssembly core, or blst's multi-verify). With `options.pool` the signatures go to
 * the worker pool in batches of POOL_BATCH_BLOCKS as soon as their blocks are checked, so the
 * structural checks of the next blocks (the transactions-trie roots, on this thread) overlap the
 * pairings of the previous ones (on the workers and blst's threads). With `options.workers`
 * (./workers.ts) a range of MIN_WORKER_BLOCKS or more is split over worker threads instead, each
 * chunk verified there as here. The answer names the first bad block and why; blocks after it are
 * not looked at.
 */
import { equalBytes, hex } from '../bytes/index.js';
import type { BlockHeader } from '../chain/block.js';
import type { CryptoExecutor } from '../crypto/executor.js';
import { MIN_WORKER_BLOCKS, type VerifierWorkers } from './workers.js';
import { assertTrust, checkBlock, fail, shapeProblem, type CheckedBlock, type Failure, type FailureReason, type SignedBlockData, type Trust, type VerifyResult } from './block.js';
import { signatureBackend, type BackendName } from './backend.js';

export interface VerifyOptions {
  /** Which signature backend: `auto` (native blst where it loads, else WebAssembly), `native` or `wasm`. */
  backend?: BackendName;
}

/** The block a range continues from: its number and hash, and its timestamp when known. */
export interface ChainParent {
  number: number;
  hash: Uint8Array;
  timestampMs?: bigint;
}

export interface ChainOptions extends VerifyOptions {
  /** The block before the first one; without it the first block's parent is not checked. */
  parent?: ChainParent;
  /**
   * A worker pool (src/crypto's `WorkerPoolExecutor`) to verify the range's signatures on, in
   * parallel chunks; without it they are verified on the calling thread.
   */
  pool?: Pick<CryptoExecutor, 'batchVerify'>;
  /**
   * Worker threads (./workers.ts, Node only) to verify the range on, split into chunks: structure and
   * signatures both, on every core. Used for ranges of at least MIN_WORKER_BLOCKS (64) blocks;
   * shorter ones, and all of them where `workers` is not given, are verified on the calling thread.
   * Takes precedence over `pool`.
   */
  workers?: Pick<VerifierWorkers, 'verifyChain'>;
}

/** A block of a range that verified: its decoded header and hash. */
export interface VerifiedHeader {
  header: BlockHeader;
  hash: Uint8Array;
}

/**
 * `head` is the last block of the range (the parent when the range is empty); `verified` the blocks
 * that verified, in order — all of them, or those before `index` when the range fails there.
 */
export type ChainResult =
  | { ok: true; head: ChainParent | undefined; verified: VerifiedHeader[] }
  | { ok: false; index: number; number: number | undefined; reason: FailureReason; detail: string; verified: VerifiedHeader[] };

/** Verifies one signed block against the trust anchor; see the module comment. */
export async function verifySignedBlock(block: SignedBlockData, trust: Trust, options: VerifyOptions = {}): Promise<VerifyResult> {
  assertTrust(trust);
  const backend = await signatureBackend(options.backend);
  const result = checkBlock(block, trust);
  if (!result.ok) return result;
  const { checked } = result;
  if (checked.signingRoot && !backend.verify(trust.groupPublicKey, checked.signingRoot, checked.signature)) {
    return badSignature(checked);
  }
  return { ok: true, number: checked.header.number, hash: checked.hash };
}

/**
 * Blocks per signature batch sent to the worker pool while the next blocks are checked: large enough
 * that a task's round trip is a small part of it (a batch of 128 takes ~90 ms of blst work), small
 * enough that the first batch starts early and the last one, which nothing overlaps, is short.
 */
const POOL_BATCH_BLOCKS = 128;

/** Verifies a range of consecutive signed blocks, their linkage and all their signatures at once. */
export async function verifyChain(blocks: readonly SignedBlockData[], trust: Trust, options: ChainOptions = {}): Promise<ChainResult> {
  assertTrust(trust);
  if (!Array.isArray(blocks)) throw new TypeError('dst-sequencer/verifier: verifyChain: blocks: expected an array of signed blocks');
  const backend = await signatureBackend(options.backend);
  if (options.workers && blocks.length >= MIN_WORKER_BLOCKS && blocks.every((block) => shapeProblem(block) === undefined)) {
    return options.workers.verifyChain(blocks, trust, options.backend ?? 'auto', options.parent);
  }
  const { pool } = options;
  const checked: CheckedBlock[] = [];
  /** The signed blocks, in order; with a pool, those from `dispatched` on are not yet sent. */
  const signed: CheckedBlock[] = [];
  /** With a pool: each batch sent, as its first position in `signed` and the invalid positions it answers. */
  const batches: Array<{ from: number; invalid: Promise<number[]> }> = [];
  let dispatched = 0;
  const dispatch = () => {
    if (!pool || dispatched === signed.length) return;
    const batch = signed.slice(dispatched);
    const invalid = pool.batchVerify(batch.map((b) => ({ publicKey: trust.groupPublicKey, message: b.signingRoot!, signature: b.signature })));
    invalid.catch(() => undefined); // awaited below; a rejection must not be unhandled while later blocks are checked
    batches.push({ from: dispatched, invalid });
    dispatched = signed.length;
  };
  let failure: { index: number; number: number | undefined; failure: Failure } | undefined;
  let previous: ChainParent | undefined = options.parent;
  for (let index = 0; index < blocks.length; index++) {
    const result = checkBlock(blocks[index]!, trust);
    if (!result.ok) {
      failure = { index, number: undefined, failure: result };
      break;
    }
    const block = result.checked;
    const unlinked = previous && linkProblem(previous, block);
    if (unlinked) {
      failure = { index, number: block.header.number, failure: fail('not-linked', unlinked) };
      break;
    }
    checked.push(block);
    if (block.signingRoot !== undefined) signed.push(block);
    // With a pool, the signatures checked so far verify on the workers while the next blocks are checked here.
    if (signed.length - dispatched === POOL_BATCH_BLOCKS) dispatch();
    previous = { number: block.header.number, hash: block.hash, timestampMs: block.header.timestampMs };
  }
  // The signatures of the blocks before the first structural failure: on the pool in batches, else one batch here.
  let firstInvalid: number | undefined;
  if (pool) {
    dispatch();
    for (const batch of batches) {
      const invalid = await batch.invalid;
      if (invalid.length > 0 && firstInvalid === undefined) firstInvalid = batch.from + Math.min(...invalid);
    }
  } else {
    const invalid = backend.invalidSameKey(trust.groupPublicKey, signed.map((b) => b.signingRoot!), signed.map((b) => b.signature));
    firstInvalid = invalid[0];
  }
  if (firstInvalid !== undefined) {
    const bad = signed[firstInvalid]!;
    const index = checked.indexOf(bad);
    const { reason, detail } = badSignature(bad);
    return { ok: false, index, number: bad.header.number, reason, detail, verified: checked.slice(0, index).map(headerOf) };
  }
  const verified = checked.map(headerOf);
  if (failure) return { ok: false, index: failure.index, number: failure.number, reason: failure.failure.reason, detail: failure.failure.detail, verified };
  return { ok: true, head: previous, verified };
}

/** Why `block` does not follow `parent`, or undefined. */
function linkProblem(parent: ChainParent, block: CheckedBlock): string | undefined {
  const { header } = block;
  if (header.number !== parent.number + 1) return `block ${header.number} follows block ${parent.number}`;
  if (!equalBytes(header.parentHash, parent.hash)) {
    return `block ${header.number}'s parent hash is 0x${hex(header.parentHash)}, block ${parent.number}'s hash is 0x${hex(parent.hash)}`;
  }
  if (parent.timestampMs !== undefined && header.timestampMs < parent.timestampMs) {
    return `block ${header.number}'s timestamp ${header.timestampMs} ms is before its parent's, ${parent.timestampMs} ms`;
  }
  return undefined;
}

function headerOf(block: CheckedBlock): VerifiedHeader {
  return { header: block.header, hash: block.hash };
}

function badSignature(block: CheckedBlock): Failure {
  return fail('bad-signature', `block ${block.header.number}'s signature does not verify against the group key`);
}
