/**
 * Admission against senders stuck behind nonce gaps (issue 11): admission throughput with 40,000
 * senders each waiting behind a missing nonce, against the same on a pool without them. Target: the
 * same within 10 % (ratio ≥ 0.9) — the includable set is indexed, so stuck senders cost nothing per
 * arrival ("is anything includable?") or per block (selection). Before the index, the 40,000 stuck
 * senders were scanned with one database read each on every arrival and every block (an honest
 * 100 tx/s load fell to 17 tx/s).
 *
 * One operation: 1,000 arrivals from 1,000 senders, each decoded and its sender recovered (native
 * secp256k1) as RPC admission does, pooled, and followed by `hasIncludable` (the node asks after every
 * pooled transaction); one block selection of them, and their removal once included. (The same 1,000
 * signed transactions every operation: the bench's chain forgets them after each.) A second
 * comparison, for information, times the pool's part alone on synthetic transactions: there the
 * larger maps and the 40,000 live objects the garbage collector walks show, not any scan.
 */
import { hex, Mempool, parseTransaction, type IncludedView, type PoolSource, type Transaction } from '../src/chain/index.js';
import { signTransfer } from '../src/load/transactions.js';
import { keccak256 } from '../src/wasm/index.js';
import { DEFAULT_POOL_LIMITS } from '../src/node/index.js';
import { compare } from './harness.js';

const STUCK = 40_000;
const BATCH = 1_000;
const SOURCE: PoolSource = { id: 'bench', maxPending: Number.MAX_SAFE_INTEGER };
const RAW = new Uint8Array(110);
const CHAIN_ID = 905n;
const RULES = { chainId: CHAIN_ID, maxBytes: 1 << 20 };

class Chain implements IncludedView {
  readonly nonces = new Map<string, bigint>();
  readonly included = new Set<string>();
  lastIncludedNonce(sender: string): bigint | undefined {
    return this.nonces.get(sender);
  }
  isIncluded(hash: string): boolean {
    return this.included.has(hash);
  }
}

let serial = 0;
function transaction(sender: Uint8Array, nonce: bigint): Transaction {
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(0, ++serial);
  new DataView(hash.buffer).setUint32(4, serial / 2 ** 32);
  return { hash, sender, nonce, raw: RAW } as Transaction;
}

function address(tag: number, i: number): Uint8Array {
  const bytes = new Uint8Array(20);
  new DataView(bytes.buffer).setUint32(0, tag);
  new DataView(bytes.buffer).setUint32(4, i);
  return bytes;
}

/** A pool with `stuck` senders waiting, and the operation described above on it (`signed`: real transactions). */
function workload(stuck: number, signed: boolean): () => void {
  const chain = new Chain();
  const pool = new Mempool({ ...DEFAULT_POOL_LIMITS, maxTransactions: STUCK + 2 * BATCH, maxBytes: 1 << 30, stuckExpiryMs: 3_600_000 }, chain);
  for (let i = 0; i < stuck; i++) pool.add(transaction(address(1, i), 1n), SOURCE, 0);
  const senders = Array.from({ length: BATCH }, (_, i) => address(2, i));
  const raws = signed ? Array.from({ length: BATCH }, (_, i) => signTransfer(CHAIN_ID, keccak256(new TextEncoder().encode(`dst-admission-${i}`)), 0, senders[0]!)) : [];
  let nonce = 0n;
  return () => {
    if (signed) {
      for (const raw of raws) {
        pool.add(parseTransaction(raw, RULES), SOURCE, 0);
        pool.hasIncludable(1 << 20);
      }
    } else {
      for (const sender of senders) {
        pool.add(transaction(sender, nonce), SOURCE, 0);
        pool.hasIncludable(1 << 20);
      }
      nonce++;
    }
    const block = pool.selectForBlock({ maxTransactions: BATCH, maxBytes: 1 << 30 });
    if (block.length !== BATCH) throw new Error(`admission bench: selected ${block.length} of ${BATCH}`);
    for (const tx of block) {
      chain.included.add(hex(tx.hash));
      chain.nonces.set(hex(tx.sender), tx.nonce);
    }
    pool.removeIncluded(block, 0);
    if (signed) {
      // Forget them, so that the same signed transactions are new again next time.
      chain.included.clear();
      chain.nonces.clear();
    }
  };
}

export function run(): void {
  const stuck = `${STUCK.toLocaleString('en')} stuck senders`;
  compare({
    title: `admission: ${BATCH} signed arrivals (decode, recover, pool) + a block, with ${stuck} vs none (target ≥ 0.9)`,
    subject: { name: stuck, fn: workload(STUCK, true) },
    peers: [{ name: 'no stuck senders', fn: workload(0, true), target: 0.9 }],
  });
  compare({
    title: `the pool's part alone: ${BATCH} synthetic arrivals + a block, with ${stuck} vs none (for information)`,
    subject: { name: stuck, fn: workload(STUCK, false) },
    peers: [{ name: 'no stuck senders', fn: workload(0, false) }],
  });
}
