/**
 * Sender recovery for RPC submissions, gathered per event-loop turn (issue 16).
 *
 * A secp256k1 recovery is ~55 µs of native CPU, the largest single cost of an `eth_sendRawTransaction`.
 * Done inline it ran on the main thread, which is also the consensus thread: under a load of JSON-RPC
 * batches it was 38 % of the node's main-thread CPU. Here every submission decoded in one turn of the
 * event loop (the elements of a JSON-RPC batch, the requests read in one poll phase) waits for the
 * next `setImmediate`, and the whole group goes to the executor as ONE `recoverAddresses` call: the
 * worker pool recovers it off the main thread (in tasks of RECOVERIES_PER_TASK), while a group of a few
 * is recovered inline by the pool itself (a task's round trip costs more than that). Each submission's
 * promise is settled in arrival order, so their continuations — reservation in the pool, the store
 * write — run in the order they were submitted, as they did inline.
 */
import { recoverSenders, type DecodedTransaction, type Transaction, type TransactionRejected } from '../chain/index.js';
import type { CryptoExecutor } from '../crypto/index.js';

interface Waiting {
  tx: DecodedTransaction;
  resolve: (result: Transaction | TransactionRejected) => void;
  reject: (error: unknown) => void;
}

export class SenderBatch {
  #waiting: Waiting[] = [];

  constructor(
    private readonly executor: CryptoExecutor,
    private readonly defer: (run: () => void) => void = setImmediate,
  ) {}

  /** The transaction with its recovered sender, or the rejection saying why no sender recovers. */
  recover(tx: DecodedTransaction): Promise<Transaction | TransactionRejected> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.push({ tx, resolve, reject }) === 1) this.defer(() => void this.#run());
    });
  }

  async #run(): Promise<void> {
    const group = this.#waiting;
    this.#waiting = [];
    try {
      const results = await recoverSenders(
        group.map((w) => w.tx),
        this.executor,
      );
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  }
}
