/**
 * Gossiped transactions and the pool database (src/node/admission.ts `queued`, src/node/store.ts
 * `addPendingLazily`): a peer's batch is pooled at once with no write of its own; its entries reach
 * the disk with the next store write or, with none, after the flush interval — and survive a restart
 * from then on; a block that includes them first leaves nothing to write; while the disk is known to
 * refuse writes, a batch is refused (`storage-unavailable`) as before. Real LMDB, real sender
 * recovery; the flush timer on a virtual clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { assembleBlock, genesisBlock, hex, parseTransaction } from '../../src/chain/index.js';
import { MainThreadExecutor } from '../../src/crypto/index.js';
import { signTransfer } from '../../src/load/transactions.js';
import { Admission } from '../../src/node/admission.js';
import { VirtualClock } from '../../src/node/clock.js';
import { ChangeSignal } from '../../src/node/signal.js';
import { DEFAULT_NODE_LIMITS } from '../../src/node/start.js';
import { StorageHealth } from '../../src/node/storage-health.js';
import { NodeStore, StorageUnavailable } from '../../src/node/store.js';
import { keccak256 } from '../../src/wasm/index.js';
import { waitFor } from '../helpers/net.js';

const CHAIN_ID = 933n;
const rules = { chainId: CHAIN_ID, maxBytes: 1 << 20 };
const logger = pino({ level: 'silent' });
const peer = { id: 'peer:2', maxPending: 10_000 };
const transfers = (count: number, tag: string) =>
  Array.from({ length: count }, (_, i) => parseTransaction(signTransfer(CHAIN_ID, keccak256(new TextEncoder().encode(`${tag}-${i}`)), 0, new Uint8Array(20).fill(3)), rules));

describe('gossiped transactions and the pool database', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function open(dir?: string, Store: typeof NodeStore = NodeStore) {
    dir ??= await mkdtemp(join(tmpdir(), 'dst-gossip-pool-'));
    const root = dir;
    const store = new Store(join(root, 'db'));
    const clock = new VirtualClock();
    const storage = new StorageHealth(store, clock, new ChangeSignal(clock), logger);
    const admission = new Admission({
      store, rules, pool: DEFAULT_NODE_LIMITS.pool, block: DEFAULT_NODE_LIMITS.block, executor: new MainThreadExecutor(),
      clock, logger, onPooled: () => {}, storage,
    });
    await admission.restore();
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      admission.close();
      await store.close();
    };
    cleanup.push(() => rm(root, { recursive: true, force: true }), close);
    return { dir: root, store, clock, storage, admission, close };
  }
  const onDisk = (store: NodeStore) => store.pendingTransactions().map((e) => hex(keccak256(e.raw)));

  it('pools a batch at once, writes it with the next store write or after the flush interval, and keeps it across a restart', async () => {
    const node = await open();
    const first = transfers(3, 'first');
    expect(await node.admission.admitRecovered(first, peer)).toEqual({ refused: [], accepted: 3 });
    expect(first.every((tx) => node.admission.get(hex(tx.hash)) !== undefined)).toBe(true); // pooled, proposable
    expect(onDisk(node.store)).toEqual([]); // no write of its own

    await node.store.persistQbftState({ height: 1, round: 1 }); // the next write takes them along
    expect(onDisk(node.store)).toEqual(first.map((tx) => hex(tx.hash)));

    const second = transfers(2, 'second');
    await node.admission.admitRecovered(second, peer);
    expect(onDisk(node.store)).toHaveLength(3);
    node.clock.runNext(); // no other write comes: the flush timer's own write takes them
    await waitFor('the flush timer to write the second batch', () => onDisk(node.store).length === 5);
    expect(onDisk(node.store)).toEqual([...first, ...second].map((tx) => hex(tx.hash)));

    await node.close();
    const restarted = await open(node.dir);
    expect([...first, ...second].every((tx) => restarted.admission.get(hex(tx.hash)) !== undefined)).toBe(true);
  });

  it('writes nothing for gossiped transactions that a block includes first', async () => {
    const node = await open();
    const batch = transfers(2, 'included');
    await node.admission.admitRecovered(batch, peer);
    const block = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesisBlock(CHAIN_ID).hash, timestampMs: 1n, proposer: 1 }, batch.map((tx) => tx.raw));
    const entries = node.admission.poolEntriesOf(block);
    expect(entries).toHaveLength(2);
    const signed = { block, round: 1, signingRoot: new Uint8Array(32), signature: new Uint8Array(96) };
    await node.store.commitBlock(signed, batch.map((tx) => ({ sender: tx.sender, nonce: tx.nonce })), entries);
    await node.admission.afterCommit(block, batch.map((tx) => tx.sender));
    await node.store.flushPending();
    expect(onDisk(node.store)).toEqual([]);
    expect(node.store.headNumber()).toBe(1);
  });

  it('refuses a batch while the disk is known to refuse writes', async () => {
    /** A disk that is full for pool entries (LMDB itself cannot be made to fail on demand here). */
    class FullStore extends NodeStore {
      override async addPendingMany(): Promise<void> {
        throw new StorageUnavailable('recording accepted transactions failed: no space left on device (test)');
      }
    }
    const node = await open(undefined, FullStore);
    node.storage.failed(new StorageUnavailable('persisting the QBFT state failed: no space left on device (test)'));
    const batch = transfers(2, 'refused');
    const outcome = await node.admission.admitRecovered(batch, peer);
    expect(outcome.accepted).toBe(0);
    expect(batch.some((tx) => node.admission.get(hex(tx.hash)) !== undefined)).toBe(false);
    expect(outcome.refused.map((r) => r.reason)).toEqual(['storage-unavailable', 'storage-unavailable']);
  });
});
