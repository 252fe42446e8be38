/**
 * `DstFollower`: what a rollup's node embeds to consume a DST cluster's chain without trusting any
 * one of its nodes. Given WebSocket URLs of DST nodes and the trust anchor, it subscribes to
 * `newHeads`, fetches the signed blocks it has not seen (`dst_getSignedBlocks` ranges of up to 256;
 * a node that refuses a range as over its response limit is asked for half as many), verifies each
 * range in one batch against the pinned group key (./verify.ts), and yields the verified blocks
 * strictly in order — no gap, no duplicate, nothing unverified.
 *
 * - Failover: when its node disconnects, it goes on from the next URL (round robin), from the block
 *   after the last one it yielded. A node that serves a block that does not verify is dropped for the
 *   follower's lifetime (an event names the node, the block and the reason); when every node is
 *   dropped, iteration ends with a FollowerError.
 * - Equivocation: a validly signed block that is not the one the follower already has at its height
 *   means the cluster's key signed two blocks at one height. The follower stops and throws an
 *   EquivocationError carrying both (the pair is the proof).
 * - Checkpoints: `checkpoint` (the last block already consumed) makes it resume at the next block.
 * - Memory: at most `maxBuffered` verified blocks wait for the consumer (plus one range in flight);
 *   fetching pauses until the consumer catches up.
 */
import { LIMIT_EXCEEDED } from '../api/errors.js';
import { equalBytes, hex } from '../bytes/index.js';
import { genesisBlock, type BlockHeader } from '../chain/block.js';
import type { FailureReason, SignedBlockData, Trust } from './block.js';
import type { BackendName } from './backend.js';
import { NodeAnswerError, quantity, RpcSocket, signedBlockFromJson } from './rpc.js';
import { verifyChain, verifySignedBlock, type ChainParent } from './verify.js';
import type { VerifierWorkers } from './workers.js';

/** A block the follower verified. */
export interface VerifiedBlock {
  number: number;
  hash: Uint8Array;
  header: BlockHeader;
  transactions: Uint8Array[];
  round: number;
  signature: Uint8Array;
  /** The node URL it came from. */
  source: string;
}

export type FollowerEvent =
  | { kind: 'connected'; url: string; head: number }
  | { kind: 'disconnected'; url: string; why: string }
  | { kind: 'dropped'; url: string; number: number | undefined; reason: FailureReason | 'bad-answer'; detail: string };

export interface FollowerOptions {
  /** WebSocket URLs (ws:// or wss://) of DST nodes of the cluster. */
  urls: string[];
  trust: Trust;
  /** The last block already consumed: yielding resumes at its number + 1. Default: genesis (block 0). */
  checkpoint?: { number: number; hash: Uint8Array };
  backend?: BackendName;
  /** Worker threads for the backfill ranges (`verifyChain`'s `workers`, Node only); the caller closes them. */
  workers?: Pick<VerifierWorkers, 'verifyChain'>;
  /** Most verified blocks waiting for the consumer before fetching pauses (default 256). */
  maxBuffered?: number;
  /** Wait before connecting again after every URL failed to connect (default 1,000 ms). */
  retryDelayMs?: number;
  /** Progress and trouble, as it happens. */
  onEvent?: (event: FollowerEvent) => void;
}

export class FollowerError extends Error {
  override name = 'FollowerError';
}

/** Two different blocks at one height, both signed by the cluster's key. */
export class EquivocationError extends Error {
  override name = 'EquivocationError';
  constructor(
    readonly number: number,
    /** The block the follower had (its data when it has it: not for a checkpoint it was given). */
    readonly first: { hash: Uint8Array; block?: SignedBlockData },
    readonly second: { hash: Uint8Array; block: SignedBlockData; source: string },
  ) {
    super(`equivocation at height ${number}: blocks 0x${hex(first.hash)} and 0x${hex(second.hash)} (from ${second.source}) are both signed by the cluster's key`);
  }
}

const RANGE = 256;
/** A node's refusal of a reply over its response limit (src/api/limits.ts: -32005 with `data.limit`). */
const isResponseTooLarge = (error: unknown): boolean =>
  error instanceof NodeAnswerError && error.code === LIMIT_EXCEEDED && (error.data as { limit?: unknown } | undefined)?.limit === 'response-bytes';

export class DstFollower {
  readonly #options: Required<Omit<FollowerOptions, 'checkpoint' | 'onEvent' | 'backend' | 'workers'>> & Pick<FollowerOptions, 'onEvent' | 'backend' | 'workers'>;
  #last: ChainParent;
  /** The data of the last block yielded, for an equivocation proof. */
  #lastData: SignedBlockData | undefined;
  readonly #queue: VerifiedBlock[] = [];
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;
  #failure: Error | undefined;
  #closed = false;
  #running = false;
  #socket: RpcSocket | undefined;
  readonly #dropped = new Map<string, string>();

  constructor(options: FollowerOptions) {
    if (!Array.isArray(options.urls) || options.urls.length === 0 || options.urls.some((u) => !/^wss?:\/\//.test(u))) {
      throw new TypeError('DstFollower: urls: expected one or more ws:// or wss:// URLs of DST nodes');
    }
    this.#options = { maxBuffered: 256, retryDelayMs: 1_000, ...options, urls: [...options.urls] };
    const checkpoint = options.checkpoint;
    // Without a checkpoint the chain starts at genesis, which every party derives from the chain id.
    this.#last = checkpoint ? { number: checkpoint.number, hash: checkpoint.hash } : { number: 0, hash: genesisBlock(options.trust.chainId).hash, timestampMs: 0n };
  }

  /** Verified blocks, in order, from the one after the checkpoint; throws FollowerError or EquivocationError. */
  async *blocks(): AsyncGenerator<VerifiedBlock> {
    if (this.#running) throw new Error('DstFollower: blocks() is already being iterated');
    this.#running = true;
    const producing = this.#produce().catch((error: Error) => {
      this.#failure ??= error;
      this.#wakeConsumer?.();
    });
    try {
      for (;;) {
        const block = this.#queue.shift();
        if (block) {
          this.#wakeProducer?.();
          yield block;
          continue;
        }
        if (this.#failure) throw this.#failure;
        if (this.#closed) return;
        await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
        this.#wakeConsumer = undefined;
      }
    } finally {
      await this.close();
      await producing;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#socket?.close();
    this.#wakeProducer?.();
    this.#wakeConsumer?.();
  }

  /** Connects to one node after another and feeds the queue until closed or failed. */
  async #produce(): Promise<void> {
    let next = 0;
    let failedInARow = 0;
    while (!this.#closed) {
      const urls = this.#options.urls.filter((url) => !this.#dropped.has(url));
      if (urls.length === 0) {
        throw new FollowerError(`every node was dropped: ${[...this.#dropped].map(([url, why]) => `${url} (${why})`).join('; ')}`);
      }
      const url = urls[next++ % urls.length]!;
      try {
        await this.#follow(url);
        failedInARow = 0;
      } catch (error) {
        if (error instanceof EquivocationError) throw error;
        this.#event({ kind: 'disconnected', url, why: (error as Error).message });
        if (++failedInARow >= urls.length) {
          failedInARow = 0;
          await this.#sleep(this.#options.retryDelayMs);
        }
      }
    }
  }

  /** Follows one node until its connection ends (throws why) or the follower closes (returns). */
  async #follow(url: string): Promise<void> {
    const socket = await RpcSocket.open(url);
    this.#socket = socket;
    let head = 0;
    // Halved when the node refuses a range as over its response limit (an older node counts a reply's
    // size in raw bytes and can exceed that limit with big blocks).
    let range = RANGE;
    let wake: (() => void) | undefined;
    let ended: string | undefined;
    socket.onNotification((_id, result) => {
      const number = Number((result as { number?: string } | null)?.number);
      if (Number.isSafeInteger(number) && number > head) head = number;
      wake?.();
    });
    socket.onClose((why) => {
      ended = why;
      wake?.();
    });
    try {
      await socket.call('eth_subscribe', ['newHeads']);
      head = Math.max(head, Number(await socket.call('eth_blockNumber', [])));
      this.#event({ kind: 'connected', url, head });
      while (!this.#closed) {
        if (ended) throw new Error(ended);
        if (head > this.#last.number) {
          await this.#waitForRoom();
          if (this.#closed) return;
          const count = Math.min(range, head - this.#last.number);
          const before = this.#last.number;
          let answer: unknown;
          try {
            answer = await socket.call('dst_getSignedBlocks', [quantity(before + 1), count]);
          } catch (error) {
            if (!isResponseTooLarge(error) || count === 1) throw error;
            range = Math.max(1, count >> 1);
            continue;
          }
          if (!(await this.#take(url, socket, answer))) return;
          // Nothing new although the node announced more: wait for its next head rather than ask again at once.
          if (this.#last.number === before) head = before;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      socket.close();
      if (this.#socket === socket) this.#socket = undefined;
    }
  }

  /** Verifies a range a node served and queues it; false when the node was dropped for it. */
  async #take(url: string, socket: RpcSocket, answer: unknown): Promise<boolean> {
    let blocks: SignedBlockData[];
    try {
      if (!Array.isArray(answer)) throw new NodeAnswerError('dst_getSignedBlocks: expected an array');
      blocks = answer.map(signedBlockFromJson);
    } catch (error) {
      return this.#drop(url, undefined, 'bad-answer', (error as Error).message);
    }
    if (blocks.length === 0) return true; // the node is behind its own newHeads; wait for the next head
    const result = await verifyChain(blocks, this.#options.trust, { parent: this.#last, backend: this.#options.backend, workers: this.#options.workers });
    result.verified.forEach(({ header, hash }, i) => this.#enqueue(blocks[i]!, header, hash, url));
    if (result.ok) return true;
    if (result.reason === 'not-linked' && result.index === 0) await this.#checkEquivocation(url, socket);
    return this.#drop(url, result.number, result.reason, result.detail);
  }

  /** The node's next block does not follow ours: if its block at our height is validly signed, the key signed twice. */
  async #checkEquivocation(url: string, socket: RpcSocket): Promise<void> {
    const { number, hash } = this.#last;
    let theirs: SignedBlockData;
    try {
      theirs = signedBlockFromJson(await socket.call('dst_getSignedBlock', [quantity(number)]));
    } catch {
      return;
    }
    const verified = await verifySignedBlock(theirs, this.#options.trust, { backend: this.#options.backend });
    if (verified.ok && verified.number === number && !equalBytes(verified.hash, hash)) {
      throw new EquivocationError(number, { hash, block: this.#lastData }, { hash: verified.hash, block: theirs, source: url });
    }
  }

  #enqueue(data: SignedBlockData, header: BlockHeader, hash: Uint8Array, source: string): void {
    this.#queue.push({ number: header.number, hash, header, transactions: data.transactions, round: data.round, signature: data.signature, source });
    this.#last = { number: header.number, hash, timestampMs: header.timestampMs };
    this.#lastData = data;
    this.#wakeConsumer?.();
  }

  #drop(url: string, number: number | undefined, reason: FailureReason | 'bad-answer', detail: string): false {
    this.#dropped.set(url, `${reason}${number === undefined ? '' : ` at block ${number}`}: ${detail}`);
    this.#event({ kind: 'dropped', url, number, reason, detail });
    return false;
  }

  async #waitForRoom(): Promise<void> {
    while (!this.#closed && this.#queue.length >= this.#options.maxBuffered) {
      await new Promise<void>((resolve) => (this.#wakeProducer = resolve));
      this.#wakeProducer = undefined;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const previous = this.#wakeProducer;
      this.#wakeProducer = () => {
        clearTimeout(timer);
        previous?.();
        resolve();
      };
    });
  }

  #event(event: FollowerEvent): void {
    this.#options.onEvent?.(event);
  }
}
