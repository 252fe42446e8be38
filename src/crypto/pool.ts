/**
 * `CryptoExecutor` on a Piscina worker pool: batch verification, many-block combines and sender
 * recovery of whole blocks spread over worker threads, so the main thread stays free for consensus and I/O (docs/architecture.md §2).
 *
 * - Only bytes cross the thread boundary: each chunk of work is packed into fresh typed arrays
 *   (`./tasks.ts`) whose buffers are moved to the worker with a transfer list — no blst objects, no
 *   copies of the caller's arrays, which are left untouched.
 * - Workers answer with ok/error unions (`./worker.ts`); an error result becomes an Error thrown
 *   here, on the caller's thread.
 * - Pool size: available cores − 1 (at least 1), leaving a core to the main thread; the
 *   environment variable `DST_WORKERS` (a positive integer) overrides it, and so does the
 *   `workers` option.
 * - The Piscina pool is created on first use and `close()` lets running tasks finish, then stops
 *   the workers; later calls are refused.
 * - With `idleTimeoutMs` (the node's pool), workers that have had no task for that long exit, and
 *   the next burst starts them again: a worker thread holds ~11 MiB of RSS, which a node at light
 *   load (gossip batches of a few transactions, recovered on the calling thread) never needs. While
 *   no worker runs, sender recovery runs on the calling thread whatever the batch's size (~0.08 ms per
 *   transaction), so a burst never waits for a worker to start (~0.2 s, longer than a round timer may
 *   be), and the workers are started in the background for the batches after it.
 *
 * What the workers buy: @chainsafe/blst 2.x already runs the pairings of one
 * `verifyMultipleAggregateSignatures` call on its own native threads (one per core, shared by the
 * whole process), but it deserializes points and blocks the calling thread for the whole call. The
 * workers run deserialization and subgroup checks in parallel and keep the main thread free while
 * a batch verifies (see bench/batch-verify.bench.ts for the figures).
 *
 * How the worker file is found (one mechanism for both ways the code runs): the pool looks at its
 * own module URL. Compiled to `dist/crypto/pool.js`, it starts `dist/crypto/worker.js`, plain
 * JavaScript. Run from `src/crypto/pool.ts` (vitest, `tsx bench/…`, no prior build), it starts
 * `src/crypto/worker.ts` with tsx's loader (`--import <tsx>` in the worker's `execArgv`, tsx
 * resolved from this package), which maps the sources' `.js` imports to their `.ts` files.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { assertInteger } from '../bytes/index.js';
import { assertBlocks, type CryptoExecutor } from './executor.js';
import { recoverAddress, type RecoveryItem } from './secp256k1.js';
import {
  COMBINES_PER_TASK,
  assertSignatureSets,
  chunkRanges,
  packCombineTask,
  packVerifyTask,
  transferListOf,
  RECOVERIES_PER_TASK,
  assertRecoveryItems,
  packRecoverTask,
  unpackRecovered,
  type CombineOutcome,
  type CombineTaskResult,
  type RecoverTaskResult,
  type SignatureSet,
  type Task,
  type TaskResult,
  type VerifyTaskResult,
} from './tasks.js';
import type { PartialSignature } from './threshold.js';

/** Pool size: `DST_WORKERS` when set, otherwise available cores − 1, at least 1. */
export function defaultWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  const override = env.DST_WORKERS;
  if (override !== undefined && override !== '') {
    const workers = Number(override);
    if (!/^\d+$/.test(override.trim()) || !Number.isSafeInteger(workers) || workers < 1) {
      throw new RangeError(`DST_WORKERS: expected a positive integer, got "${override}"`);
    }
    return workers;
  }
  return Math.max(1, availableParallelism() - 1);
}

/** Recoveries done on the calling thread instead of as a task (see `recoverAddresses`). */
const INLINE_RECOVERIES = 3;

const ownUrl = import.meta.url;
const runningFromTypeScript = ownUrl.endsWith('.ts');
const workerUrl = new URL(runningFromTypeScript ? './worker.ts' : './worker.js', ownUrl);

export class WorkerPoolExecutor implements CryptoExecutor {
  /** Number of worker threads. */
  readonly workers: number;
  /** Workers idle this long exit (undefined: they run until `close`). */
  readonly idleTimeoutMs: number | undefined;
  #pool: Piscina<Task, TaskResult> | undefined;
  #closed = false;
  #warming: Promise<void> | undefined;

  constructor(options: { workers?: number; idleTimeoutMs?: number } = {}) {
    const workers = options.workers ?? defaultWorkerCount();
    assertInteger('WorkerPoolExecutor: workers', workers, 1);
    if (options.idleTimeoutMs !== undefined) assertInteger('WorkerPoolExecutor: idleTimeoutMs', options.idleTimeoutMs, 1);
    this.workers = workers;
    this.idleTimeoutMs = options.idleTimeoutMs;
  }

  /** Worker threads running now (0 before the first task, and after an idle timeout). */
  get runningWorkers(): number {
    return this.#pool?.threads.length ?? 0;
  }

  async batchVerify(sets: readonly SignatureSet[]): Promise<number[]> {
    this.#assertOpen('batchVerify');
    assertSignatureSets('batchVerify', sets);
    const ranges = chunkRanges(sets.length, this.workers);
    const results = await Promise.all(ranges.map(([start, end]) => this.#run(packVerifyTask(sets, start, end)) as Promise<VerifyTaskResult>));
    const invalid: number[] = [];
    results.forEach((result, c) => {
      if (!result.ok) throw new Error(`batchVerify: a worker failed on sets ${ranges[c]![0]}..${ranges[c]![1] - 1}: ${result.error}`);
      for (const position of result.invalid) invalid.push(ranges[c]![0] + position);
    });
    return invalid;
  }

  async combineMany(blocks: readonly (readonly PartialSignature[])[]): Promise<CombineOutcome[]> {
    this.#assertOpen('combineMany');
    assertBlocks('combineMany', blocks);
    const tasks: Array<Promise<CombineTaskResult>> = [];
    for (let start = 0; start < blocks.length; start += COMBINES_PER_TASK) {
      tasks.push(this.#run(packCombineTask(blocks.slice(start, start + COMBINES_PER_TASK))) as Promise<CombineTaskResult>);
    }
    const outcomes: CombineOutcome[] = [];
    for (const result of await Promise.all(tasks)) {
      if (!result.ok) throw new Error(`combineMany: a worker failed: ${result.error}`);
      outcomes.push(...result.outcomes);
    }
    return outcomes;
  }

  async recoverAddresses(items: readonly RecoveryItem[]): Promise<Array<Uint8Array | undefined>> {
    this.#assertOpen('recoverAddresses');
    assertRecoveryItems('recoverAddresses', items);
    // A task's round trip costs the calling thread more than a few recoveries (measured: 0.24 ms of
    // main-thread CPU per task against 0.08 ms per native recovery), so small batches — a gossip frame
    // or two under light load — are recovered here.
    if (items.length <= INLINE_RECOVERIES) return items.map(recoverAddress);
    if (this.idleTimeoutMs !== undefined && this.runningWorkers === 0) {
      this.#warming ??= this.warmUp().catch(() => {}).finally(() => (this.#warming = undefined));
      return items.map(recoverAddress);
    }
    const tasks: Array<Promise<RecoverTaskResult>> = [];
    for (let start = 0; start < items.length; start += RECOVERIES_PER_TASK) {
      const end = Math.min(items.length, start + RECOVERIES_PER_TASK);
      tasks.push(this.#run(packRecoverTask(items, start, end)) as Promise<RecoverTaskResult>);
    }
    const addresses: Array<Uint8Array | undefined> = [];
    for (const result of await Promise.all(tasks)) {
      if (!result.ok) throw new Error(`recoverAddresses: a worker failed: ${result.error}`);
      addresses.push(...unpackRecovered(result));
    }
    return addresses;
  }

  /**
   * Starts every worker and loads its modules (WASM, blst, secp256k1) with one small task each, so that
   * the first real batch — a peer's first proposal, which QBFT waits for — does not pay seconds of
   * start-up inside a round timeout.
   */
  async warmUp(): Promise<void> {
    this.#assertOpen('warmUp');
    const item: RecoveryItem = { hash: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(1), recovery: 0 };
    await Promise.all(Array.from({ length: this.workers }, () => this.#run(packRecoverTask([item], 0, 1))));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }

  #run(task: Task): Promise<TaskResult> {
    return this.#getPool().run(task, { transferList: transferListOf(task) });
  }

  #getPool(): Piscina<Task, TaskResult> {
    this.#pool ??= new Piscina({
      filename: workerUrl.href,
      minThreads: this.idleTimeoutMs === undefined ? this.workers : 0,
      maxThreads: this.workers,
      ...(this.idleTimeoutMs === undefined ? {} : { idleTimeout: this.idleTimeoutMs }),
      execArgv: runningFromTypeScript ? ['--import', pathToFileURL(createRequire(ownUrl).resolve('tsx')).href] : [],
    });
    return this.#pool;
  }

  #assertOpen(name: string): void {
    if (this.#closed) throw new Error(`${name}: the worker pool is closed`);
  }
}
