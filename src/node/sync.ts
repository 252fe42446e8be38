/**
 * Catch-up sync (issue 7, "Sync"): a node that is behind — restarted, partitioned, or on a new disk —
 * fetches the signed blocks it lacks from its peers over `/dst/sync/1` (src/p2p/host.ts), checks them,
 * and stores them in order, so that it can join consensus at the head.
 *
 * Fetching. From `head + 1` on, in waves: each wave gives every usable connected peer one range of at
 * most K blocks (K = the cluster's `syncMaxBlocks`), consecutive ranges to different peers, all in
 * flight at once; the ranges are then checked and stored in order. A peer that answers with fewer
 * blocks than asked has no more (its head is where it stopped) and is not asked again past that; the
 * wave stops at such a gap, since later ranges cannot link. Sync ends when no usable peer is left to
 * ask for `head + 1`: every peer has reported that it has nothing more, or was dropped.
 *
 * Checks, per range, before anything is stored (README "Formats"): each block decodes (./wire.ts);
 * linkage and body as src/chain/validation.ts checks them (`checkLinkage`, `assembleChecked`): its chain id is ours, its number is its parent's plus one and its parentHash is its parent's hash
 * (the first block's parent is our stored head, or genesis); its timestamp is not before its parent's;
 * its transactionsRoot and transactionCount match the raw transactions it came with (recomputed, as is
 * the block hash); its signing root is recomputed with the block's own QBFT round; then all the
 * range's signatures are batch-verified against the group public key in one `batchVerify` call on the
 * executor (the worker pool in a node), and the transactions' senders recovered in one
 * `recoverAddresses` call (the store indexes senders' nonces). A peer whose range fails any check, or
 * whose request fails, is named in the result and the log, not asked again, and the range is asked
 * of another peer in the next wave; blocks before the bad one in that range are not stored either.
 *
 * Checked blocks are stored through `commit`, the node's block committer (./committer.ts), so synced
 * blocks are published like decided ones. Consensus is paused meanwhile: nothing else stores blocks
 * (the store refuses a block that does not extend the head, and that error ends the sync).
 */
import type { Logger } from 'pino';
import { prefixedHex } from '../bytes/index.js';
import {
  assembleChecked,
  BlockRejected,
  checkLinkage,
  decodeTransaction,
  recoverSenders,
  TransactionRejected,
  type Block,
  type DecodedTransaction,
} from '../chain/index.js';
import { BLOCK_DOMAIN, signingRoot, type CryptoExecutor, type SignatureSet } from '../crypto/index.js';
import type { ClusterHost } from '../p2p/index.js';
import { sleep, type Clock } from './clock.js';
import type { SequencerMetrics } from './options.js';
import type { StorageHealth } from './storage-health.js';
import { StorageUnavailable, type IncludedTransaction, type NodeStorage } from './storage.js';
import type { SignedBlock } from './types.js';
import { decodeWireBlock, encodeWireBlock, type WireBlock } from './wire.js';

export interface SyncProgress {
  /** Number of the newest stored block. */
  current: number;
  /** The highest block number peers have sent so far (the head sync is heading for, as far as known). */
  target: number;
}

export interface CatchUpOptions {
  host: Pick<ClusterHost<unknown>, 'connectedPeers' | 'requestBlocks' | 'limits'>;
  /** The newest block this node has (genesis on a fresh node): the first fetched block extends it. */
  head: Block;
  /** Stores one checked block (in order, each extending the previous): the node's block committer. */
  commit: (signed: SignedBlock, transactions: IncludedTransaction[]) => Promise<void>;
  executor: CryptoExecutor;
  /** Compressed 48-byte group public key every block signature must verify against. */
  groupPublicKey: Uint8Array;
  chainId: bigint;
  /** Called after each stored range. */
  onProgress?: (progress: SyncProgress) => void;
  logger?: Logger;
}

/** A peer dropped during sync, and why. */
export interface RejectedPeer {
  peer: number;
  reason: string;
}

export interface CatchUpResult {
  /** Number of the newest stored block after sync. */
  head: number;
  /** Blocks stored by this sync. */
  stored: number;
  rejected: RejectedPeer[];
}

/** A check a received block failed: the peer that sent it is at fault. */
class BadBlock extends Error {}

interface CheckedBlock {
  signed: SignedBlock;
  transactions: IncludedTransaction[];
}

/** Answer the host's sync requests from the store (blocks are encoded by ./wire.ts). */
export function serveBlocks(host: Pick<ClusterHost<unknown>, 'provideBlocks'>, store: Pick<NodeStorage, 'getBlock'>): void {
  host.provideBlocks((first, last) => {
    const blocks: Uint8Array[] = [];
    for (let number = first; number <= last; number++) {
      const signed = store.getBlock(number);
      if (signed === undefined) break;
      blocks.push(encodeWireBlock(signed));
    }
    return blocks;
  });
}

export async function catchUp(options: CatchUpOptions): Promise<CatchUpResult> {
  const { host, logger } = options;
  // K: a peer answers at most the host's `syncMaxBlocks` per request, so a shorter answer means its head.
  const K = host.limits.syncMaxBlocks;
  const rejected: RejectedPeer[] = [];
  const dropped = new Set<number>();
  /** The first block number a peer reported not having. */
  const peerEnd = new Map<number, number>();
  let parent = options.head;
  const start = parent.header.number;
  let target = start;

  const drop = (peer: number, reason: string): void => {
    dropped.add(peer);
    rejected.push({ peer, reason });
    logger?.warn({ share: peer + 1, reason }, 'sync: dropping peer');
  };

  for (;;) {
    const next = parent.header.number + 1;
    const peers = host.connectedPeers().filter((peer) => !dropped.has(peer) && (peerEnd.get(peer) ?? next + 1) > next);
    if (peers.length === 0) break;
    const requests = peers.map((peer, j) => {
      const first = next + j * K;
      const last = first + K - 1;
      const response = host.requestBlocks(peer, first, last).then(
        (blocks) => {
          // What the peer claims to have, checked or not: only the progress target uses it.
          const highest = first + blocks.length - 1;
          if (blocks.length > 0 && highest > target) target = highest;
          return { blocks };
        },
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
      return { peer, first, last, response };
    });
    for (const { peer, first, last, response } of requests) {
      const answer = await response;
      if ('error' in answer) {
        drop(peer, `request for blocks ${first}..${last} failed: ${answer.error}`);
        break;
      }
      const { blocks } = answer;
      if (blocks.length < K) peerEnd.set(peer, first + blocks.length);
      if (blocks.length === 0) break;
      let checked: CheckedBlock[];
      try {
        checked = await checkRange(blocks, first, parent, options);
      } catch (error) {
        if (!(error instanceof BadBlock)) throw error;
        drop(peer, `sent a bad block: ${error.message}`);
        break;
      }
      for (const { signed, transactions } of checked) {
        await options.commit(signed, transactions);
        parent = signed.block;
      }
      options.onProgress?.({ current: parent.header.number, target });
      if (blocks.length < K) break;
    }
    // Let the wave's other requests finish before the next wave asks the same peers again.
    await Promise.all(requests.map((request) => request.response));
  }
  const stored = parent.header.number - start;
  logger?.info({ head: parent.header.number, stored, dropped: rejected.length }, 'sync: done');
  return { head: parent.header.number, stored, rejected };
}

/** Decodes and checks one range of blocks following `parent`; throws BadBlock naming the first failure. */
async function checkRange(bytes: readonly Uint8Array[], first: number, parent: Block, options: CatchUpOptions): Promise<CheckedBlock[]> {
  const { chainId, groupPublicKey, executor } = options;
  const received: WireBlock[] = bytes.map((raw, i) => {
    try {
      return decodeWireBlock(raw);
    } catch (error) {
      throw new BadBlock(`block ${first + i}: malformed: ${(error as Error).message}`);
    }
  });
  const blocks: Block[] = [];
  const sets: SignatureSet[] = [];
  let previous = parent;
  for (const wire of received) {
    let block: Block;
    try {
      checkLinkage(wire.header, previous);
      block = assembleChecked(wire.header, wire.transactions);
    } catch (error) {
      // BlockRejected's message names the block.
      throw error instanceof BlockRejected ? new BadBlock(error.message) : error;
    }
    sets.push({ publicKey: groupPublicKey, message: signingRoot(BLOCK_DOMAIN, chainId, wire.round, block.hash), signature: wire.signature });
    blocks.push(block);
    previous = block;
  }
  const invalid = await executor.batchVerify(sets);
  if (invalid.length > 0) {
    const i = invalid[0]!;
    throw new BadBlock(`block ${first + i}: signature does not verify against the group public key over signing root ${prefixedHex(sets[i]!.message)} (round ${received[i]!.round})`);
  }
  const senders = await recoverRangeSenders(blocks, chainId, executor);
  return blocks.map((block, i) => ({
    signed: { block, round: received[i]!.round, signingRoot: sets[i]!.message, signature: received[i]!.signature },
    transactions: senders[i]!,
  }));
}

/** Each block's transactions' senders and nonces, recovered in one executor call for the whole range. */
async function recoverRangeSenders(blocks: readonly Block[], chainId: bigint, executor: CryptoExecutor): Promise<IncludedTransaction[][]> {
  const rules = { chainId, maxBytes: Number.MAX_SAFE_INTEGER };
  const decoded: DecodedTransaction[] = [];
  const owner: Array<{ number: number; index: number }> = [];
  for (const block of blocks) {
    block.transactions.forEach((raw, index) => {
      try {
        decoded.push(decodeTransaction(raw, rules));
      } catch (error) {
        throw new BadBlock(`block ${block.header.number}: transaction ${index}: ${(error as Error).message}`);
      }
      owner.push({ number: block.header.number, index });
    });
  }
  const recovered = await recoverSenders(decoded, executor);
  const result: IncludedTransaction[][] = blocks.map(() => []);
  const firstNumber = blocks[0]?.header.number ?? 0;
  recovered.forEach((tx, i) => {
    const { number, index } = owner[i]!;
    if (tx instanceof TransactionRejected) throw new BadBlock(`block ${number}: transaction ${index}: ${tx.message}`);
    result[number - firstNumber]!.push({ sender: tx.sender, nonce: tx.nonce });
  });
  return result;
}

/** Least time between two syncs, so that a peer far ahead that cannot serve does not make sync spin. */
const MIN_SYNC_INTERVAL_MS = 1_000;

export interface SyncRunnerOptions {
  network: Pick<ClusterHost<unknown>, 'connectedPeers' | 'requestBlocks' | 'limits'>;
  executor: CryptoExecutor;
  groupPublicKey: Uint8Array;
  chainId: bigint;
  clock: Clock;
  logger: Logger;
  metrics?: SequencerMetrics;
  /** The head before each sync. */
  head: () => Block;
  commit: (signed: SignedBlock, transactions: IncludedTransaction[]) => Promise<void>;
  /** Where a failed write of a fetched block is reported (the disk's trouble, not the peers'). */
  storage: StorageHealth;
}

/**
 * When a node syncs: `request()` marks a sync due (the production loop runs it at its next step);
 * `run()` runs one `catchUp`, at most one per `MIN_SYNC_INTERVAL_MS`, and reports the target to the
 * metrics. A failed sync is logged and the node continues from the head it has.
 */
export class SyncRunner {
  private requested = false;
  private running = false;
  private lastRunAt = -Infinity;
  /** While running: when it started or last stored a block. */
  private progressAt = 0;

  constructor(private readonly options: SyncRunnerOptions) {}

  /** A sync was requested and has not started yet. */
  get due(): boolean {
    return this.requested;
  }

  /** Requested or running. */
  get active(): boolean {
    return this.requested || this.running;
  }

  /** How long the running sync has gone without storing a block (0 when none runs). */
  stalledMs(): number {
    return this.running ? this.options.clock.monotonic() - this.progressAt : 0;
  }

  /** Marks a sync due; false if one is already due or running. */
  request(): boolean {
    if (this.requested || this.running) return false;
    this.requested = true;
    return true;
  }

  /** Runs a sync; resolves with the number of blocks it stored. */
  async run(): Promise<number> {
    const { clock, metrics } = this.options;
    this.requested = false;
    this.running = true;
    this.progressAt = clock.monotonic();
    try {
      const wait = this.lastRunAt + MIN_SYNC_INTERVAL_MS - clock.monotonic();
      if (wait > 0) await sleep(clock, wait);
      const result = await catchUp({
        host: this.options.network,
        head: this.options.head(),
        commit: this.options.commit,
        executor: this.options.executor,
        groupPublicKey: this.options.groupPublicKey,
        chainId: this.options.chainId,
        logger: this.options.logger,
        onProgress: ({ target }) => {
          this.progressAt = clock.monotonic();
          metrics?.syncTarget.set(target);
        },
      });
      metrics?.syncTarget.set(0);
      return result.stored;
    } catch (error) {
      if (error instanceof StorageUnavailable) this.options.storage.failed(error);
      else this.options.logger.error({ err: error }, 'sync failed; consensus continues from the stored head');
      return 0;
    } finally {
      this.lastRunAt = clock.monotonic();
      this.running = false;
    }
  }
}
