/**
 * `VerifierWorkers`: `verifyChain` of a long range spread over worker threads (Node's worker_threads),
 * so the structural checks (the transactions-trie roots, the hashes) and the signatures of different
 * parts of the range run on different cores — the part ./verify.ts does on the calling thread, which a
 * worker pool that only takes signatures (`options.pool`) cannot spread.
 *
 * Optional and Node-only: nothing is started until a range is verified, and `node:worker_threads` is
 * imported by a computed specifier, so a browser bundle of dst-sequencer/verifier leaves it out (there
 * `verifyChain` stays on the calling thread, its single-threaded path, which is also what it does
 * without `options.workers` and for ranges under MIN_WORKER_BLOCKS).
 *
 * How a range is split (the answer is exactly `verifyChain`'s on the calling thread): into one
 * chunk per worker (more for ranges over MAX_CHUNK_BLOCKS a worker), each verified by `verifyChain`
 * in a worker with the backend asked for and, as its parent, the block just before it (its number,
 * its hash recomputed from its header, its timestamp) — so the linkage across chunk boundaries is
 * checked too. If that block is not the cluster's, the chunk before fails on it, and the first
 * failure, in range order, is the answer. A chunk travels as one buffer (headers, signatures and
 * transactions back to back, with a table of lengths), moved, not copied, to the worker; the worker
 * answers with its result and the hashes of the blocks that verified, and the headers of `verified`
 * are decoded here from the caller's own bytes.
 *
 * The worker file is ./chain-worker.js next to this module (compiled), or ./chain-worker.ts run through
 * tsx when this module runs from its TypeScript sources (tests, benchmarks), as src/crypto/pool.ts does.
 */
import { decodeHeader, type BlockHeader } from '../chain/block.js';
import { keccak256 } from '../wasm/keccak.js';
import type { SignedBlockData, Trust } from './block.js';
import type { BackendName } from './backend.js';
import { decodeCanonicalHeader } from './header.js';
import type { ChainParent, ChainResult, VerifiedHeader } from './verify.js';

/** Below this many blocks a range is verified on the calling thread: a worker round trip costs more. */
export const MIN_WORKER_BLOCKS = 64;
/**
 * Most blocks in one chunk: the core's same-key batch takes up to 1,024 signatures a call and costs
 * less per signature the larger its batch (its two MSMs and its one pairing check amortise: ~600 µs
 * CPU per signature at 250, ~520 at 1,000 on this project's 2-core VM), so a range is cut
 * into as few chunks as that allows, the same number for each worker: one per worker up to
 * 1,024 × workers blocks. (Two per worker, for an even finish, measured ~10 % more CPU per block.)
 */
const MAX_CHUNK_BLOCKS = 1024;

/** What a worker is asked: one chunk, packed (see `packChunk`); blocks already passed `shapeProblem`. */
export interface ChunkRequest {
  id: number;
  data: Uint8Array;
  /** Per block: header length, signature length, round, transaction count; then the transaction lengths (a round may be any safe integer). */
  table: Float64Array;
  count: number;
  trust: Trust;
  backend: BackendName;
  parent: ChainParent | undefined;
}

/** A worker's answer: `verifyChain`'s result without `verified`, and the hashes of the verified blocks. */
export type ChunkAnswer =
  | { id: number; ok: true; result: DetachedResult; hashes: Uint8Array }
  | { id: number; ok: false; error: string };

export type DetachedResult =
  | { ok: true; head: ChainParent | undefined; verifiedCount: number }
  | { ok: false; index: number; number: number | undefined; reason: Extract<ChainResult, { ok: false }>['reason']; detail: string; verifiedCount: number };

interface WorkerLike {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(event: string, listener: (value: never) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** Bare specifiers held in variables, so bundlers leave Node's modules out of a browser bundle. */
const WORKER_THREADS = 'node:worker_threads';
const NODE_OS = 'node:os';
const NODE_MODULE = 'node:module';
const NODE_URL = 'node:url';
const WORKER_FILE = import.meta.url.endsWith('.ts') ? './chain-worker.ts' : './chain-worker.js';

export class VerifierWorkers {
  readonly #requested: number | undefined;
  readonly #maxChunkBlocks: number;
  #workers: Promise<WorkerLike[]> | undefined;
  #pending = new Map<number, { resolve: (answer: ChunkAnswer) => void; reject: (error: Error) => void }>();
  #nextId = 0;
  #closed = false;
  #size = 0;

  /**
   * `workers`: threads to start (default: the available cores). `maxChunkBlocks`: most blocks sent
   * to a worker in one message (default MAX_CHUNK_BLOCKS, the core's batch size): it bounds the
   * memory of one chunk in flight.
   */
  constructor(options: { workers?: number; maxChunkBlocks?: number } = {}) {
    for (const name of ['workers', 'maxChunkBlocks'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
        throw new RangeError(`VerifierWorkers: ${name}: expected a positive integer, got ${String(value)}`);
      }
    }
    this.#requested = options.workers;
    this.#maxChunkBlocks = options.maxChunkBlocks ?? MAX_CHUNK_BLOCKS;
  }

  /** Starts the workers (if not yet) and waits until each has loaded its modules. */
  async ready(): Promise<void> {
    const workers = await this.#start();
    await Promise.all(workers.map((_, i) => this.#ask(i, { id: 0, ping: true })));
  }

  /** `verifyChain(blocks, trust, { backend, parent })`, the range split over the workers. */
  async verifyChain(blocks: readonly SignedBlockData[], trust: Trust, backend: BackendName, parent: ChainParent | undefined): Promise<ChainResult> {
    if (this.#closed) throw new Error('VerifierWorkers: closed');
    const workers = await this.#start();
    const chunkCount = chunksFor(blocks.length, workers.length, this.#maxChunkBlocks);
    const answers: Array<Promise<ChunkAnswer>> = [];
    const starts: number[] = [];
    for (let c = 0; c < chunkCount; c++) {
      const start = Math.floor((c * blocks.length) / chunkCount);
      const end = Math.floor(((c + 1) * blocks.length) / chunkCount);
      const chunkParent = c === 0 ? parent : parentOf(blocks[start - 1]!);
      const { data, table } = packChunk(blocks, start, end);
      starts.push(start);
      answers.push(this.#ask(c % workers.length, { id: 0, data, table, count: end - start, trust: { chainId: trust.chainId, groupPublicKey: trust.groupPublicKey }, backend, parent: chunkParent }));
    }
    const settled = await Promise.allSettled(answers);
    const verified: VerifiedHeader[] = [];
    let head = parent;
    for (let c = 0; c < chunkCount; c++) {
      const outcome = settled[c]!;
      if (outcome.status === 'rejected') throw outcome.reason;
      const answer = outcome.value;
      if (!answer.ok) throw new Error(`VerifierWorkers: a worker failed on blocks ${starts[c]}..: ${answer.error}`);
      const { result, hashes } = answer;
      for (let i = 0; i < result.verifiedCount; i++) {
        verified.push({ header: headerOf(blocks[starts[c]! + i]!), hash: hashes.slice(32 * i, 32 * i + 32) });
      }
      if (!result.ok) return { ok: false, index: starts[c]! + result.index, number: result.number, reason: result.reason, detail: result.detail, verified };
      head = result.head;
    }
    return { ok: true, head, verified };
  }

  /** Stops the workers; later ranges are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers;
    this.#workers = undefined;
    for (const { reject } of this.#pending.values()) reject(new Error('VerifierWorkers: closed'));
    this.#pending.clear();
    if (workers) await Promise.all((await workers).map((w) => w.terminate()));
  }

  /** Number of worker threads (0 until started). */
  get size(): number {
    return this.#size;
  }

  #start(): Promise<WorkerLike[]> {
    if (this.#workers) return this.#workers;
    const started: Promise<WorkerLike[]> = (async () => {
      const { Worker } = (await import(/* @vite-ignore */ WORKER_THREADS)) as { Worker: new (url: URL | string, options: object) => WorkerLike };
      const { availableParallelism } = (await import(/* @vite-ignore */ NODE_OS)) as { availableParallelism(): number };
      /** From TypeScript sources: the href of tsx's ESM API, which the worker registers before importing its .ts entry. */
      let tsxApi: string | undefined;
      if (WORKER_FILE.endsWith('.ts')) {
        const { createRequire } = (await import(/* @vite-ignore */ NODE_MODULE)) as { createRequire(url: string): { resolve(id: string): string } };
        const { pathToFileURL } = (await import(/* @vite-ignore */ NODE_URL)) as { pathToFileURL(path: string): URL };
        tsxApi = new URL('./esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx'))).href;
      }
      const count = this.#requested ?? Math.max(1, availableParallelism());
      const url = new URL(WORKER_FILE, import.meta.url);
      const workers = Array.from({ length: count }, () => {
        // Node 20 does not apply loader hooks of a worker's --import to its entry file, so from
        // TypeScript the worker is a dynamic import, after registering tsx in the worker itself.
        const worker = tsxApi
          ? new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}))`, { eval: true })
          : new Worker(url, {});
        worker.on('message', (answer: ChunkAnswer) => this.#answer(answer));
        worker.on('error', (error: Error) => this.#failAll(error));
        // A worker that stopped (an error, or terminated from outside) fails what it had and the next
        // range starts a fresh set, rather than waiting forever on a dead thread.
        worker.on('exit', () => {
          if (this.#closed) return;
          this.#failAll(new Error('VerifierWorkers: a worker thread stopped'));
          if (this.#workers === started) {
            this.#workers = undefined;
            for (const other of workers) void other.terminate();
          }
        });
        worker.unref();
        return worker;
      });
      this.#size = count;
      return workers;
    })();
    this.#workers = started;
    return started;
  }

  async #ask(index: number, request: ChunkRequest | { id: number; ping: true }): Promise<ChunkAnswer> {
    const workers = await this.#start();
    const id = this.#nextId++;
    const worker = workers[index]!;
    return new Promise<ChunkAnswer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) for (const w of workers) w.ref();
      worker.postMessage({ ...request, id }, 'data' in request ? [request.data.buffer as ArrayBuffer, request.table.buffer as ArrayBuffer] : []);
    });
  }

  #answer(answer: ChunkAnswer): void {
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    this.#idle();
    pending.resolve(answer);
  }

  #failAll(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
    this.#idle();
  }

  /** Lets the process exit while no range is being verified. */
  #idle(): void {
    if (this.#pending.size > 0) return;
    void this.#workers?.then((workers) => { if (this.#pending.size === 0) for (const w of workers) w.unref(); });
  }
}

/**
 * How many chunks a range of `blocks` is cut into for `workers` threads: the same number for each
 * worker, as few as chunks of at most `maxChunkBlocks` allow, and none shorter than half of
 * MIN_WORKER_BLOCKS (a worker round trip would cost more than it spreads).
 */
export function chunksFor(blocks: number, workers: number, maxChunkBlocks: number = MAX_CHUNK_BLOCKS): number {
  const perWorker = Math.ceil(blocks / (workers * maxChunkBlocks));
  return Math.max(1, Math.min(workers * perWorker, Math.floor(blocks / (MIN_WORKER_BLOCKS / 2))));
}

/** Blocks [start, end) as one buffer and a table of lengths (see ChunkRequest). */
export function packChunk(blocks: readonly SignedBlockData[], start: number, end: number): { data: Uint8Array; table: Float64Array } {
  let bytes = 0;
  let entries = 0;
  for (let i = start; i < end; i++) {
    const block = blocks[i]!;
    bytes += block.header.length + block.signature.length;
    for (const tx of block.transactions) bytes += tx.length;
    entries += 4 + block.transactions.length;
  }
  const data = new Uint8Array(bytes);
  const table = new Float64Array(entries);
  let at = 0;
  let t = 0;
  for (let i = start; i < end; i++) {
    const block = blocks[i]!;
    table[t++] = block.header.length;
    table[t++] = block.signature.length;
    table[t++] = block.round;
    table[t++] = block.transactions.length;
    data.set(block.header, at);
    at += block.header.length;
    data.set(block.signature, at);
    at += block.signature.length;
    for (const tx of block.transactions) {
      table[t++] = tx.length;
      data.set(tx, at);
      at += tx.length;
    }
  }
  return { data, table };
}

/** The blocks of a packed chunk, as views into its buffer. */
export function unpackChunk(data: Uint8Array, table: Float64Array, count: number): SignedBlockData[] {
  const blocks: SignedBlockData[] = [];
  let at = 0;
  let t = 0;
  for (let i = 0; i < count; i++) {
    const headerLength = table[t++]!;
    const signatureLength = table[t++]!;
    const round = table[t++]!;
    const transactionCount = table[t++]!;
    const header = data.subarray(at, (at += headerLength));
    const signature = data.subarray(at, (at += signatureLength));
    const transactions: Uint8Array[] = new Array(transactionCount);
    for (let j = 0; j < transactionCount; j++) {
      const length = table[t++]!;
      transactions[j] = data.subarray(at, (at += length));
    }
    blocks.push({ header, transactions, round, signature });
  }
  return blocks;
}

/** The parent a chunk continues from: the block before it as its header says (checked by the chunk before). */
function parentOf(block: SignedBlockData): ChainParent | undefined {
  if (!(block?.header instanceof Uint8Array)) return undefined;
  const header = decodeCanonicalHeader(block.header);
  if (header === undefined) return undefined; // not canonical: the chunk before fails on it
  return { number: header.number, hash: keccak256(block.header), timestampMs: header.timestampMs };
}

function headerOf(block: SignedBlockData): BlockHeader {
  return decodeCanonicalHeader(block.header) ?? decodeHeader(block.header);
}
