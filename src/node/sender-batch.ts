/**
 * Sender recovery for everything the node admits — RPC submissions and gossiped batches — gathered
 * into as few executor calls as the load allows (issue 16).
 *
 * A secp256k1 recovery is ~55 µs of native CPU, the largest single cost of a transaction. Done inline
 * it ran on the main thread, which is also the consensus thread (under a load of JSON-RPC batches, 38 %
 * of the node's main-thread CPU); and every worker-pool task costs the main thread ~0.24 ms of its own
 * (dispatch, transfer, completion), so one task per gossip frame cost more than it saved. Here:
 * - what is asked in one turn of the event loop (the elements of a JSON-RPC batch, the requests and
 *   gossip frames read in one poll phase) waits for the next `setImmediate` and goes to the executor as
 *   ONE `recoverAddresses` call: the worker pool recovers it off the main thread (in tasks of
 *   RECOVERIES_PER_TASK, spread over its workers), while a call of a few is recovered inline by the
 *   pool itself;
 * - one call is in flight at a time: what comes meanwhile waits for it and then leaves as the next
 *   call, so under load the calls grow (fewer, larger tasks) instead of queueing as many small ones.
 * Each request's promise is settled in the order asked, so RPC submissions continue — reservation in
 * the pool, the store write — in the order they arrived, as they did inline.
 */
import { recoverSenders, type DecodedTransaction, type Transaction, type TransactionRejected } from '../chain/index.js';
import type { CryptoExecutor } from '../crypto/index.js';

/** Per transaction: it with its recovered sender, or the rejection saying why no sender recovers. */
export type Recovered = Transaction | TransactionRejected;

interface Waiting {
  txs: readonly DecodedTransaction[];
  resolve: (results: Recovered[]) => void;
  reject: (error: unknown) => void;
}

export class SenderBatch {
  #waiting: Waiting[] = [];
  #scheduled = false;
  #running = false;

  constructor(private readonly executor: CryptoExecutor) {}

  /** The transactions with their recovered senders (or the rejections), in order. */
  recover(txs: readonly DecodedTransaction[]): Promise<Recovered[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ txs, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  async #run(): Promise<void> {
    const groups = this.#waiting;
    this.#waiting = [];
    if (groups.length === 0) return;
    this.#running = true;
    try {
      const results = await recoverSenders(groups.length === 1 ? groups[0]!.txs : groups.flatMap((group) => group.txs), this.executor);
      let offset = 0;
      for (const group of groups) {
        group.resolve(results.slice(offset, offset + group.txs.length));
        offset += group.txs.length;
      }
    } catch (error) {
      for (const group of groups) group.reject(error);
    } finally {
      this.#running = false;
      if (this.#waiting.length > 0) this.#schedule();
    }
  }
}
