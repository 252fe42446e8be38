/**
 * A node's durable state in one LMDB environment (lmdb-js; docs/architecture.md §5, issue 6):
 *
 * | sub-database | key | value |
 * |---|---|---|
 * | `blocks` | block number | header RLP, raw transactions (one byte string and their end offsets), their hashes, QBFT round, group signature |
 * | `blockNumbers` | block hash (32 bytes) | block number |
 * | `transactions` | transaction hash (32 bytes) | [block number, index in the block, sender address] |
 * | `senderNonces` | sender address (20 bytes) | highest included nonce (decimal string) |
 * | `pool` | arrival sequence number | raw transaction accepted but not yet included |
 * | `signingGuard` | [height, round] | the block hash this node signed in that round |
 * | `meta` | `'qbft'` | the QBFT machine's persisted state for the current height (round 1 of the next height, written with each block) |
 *
 * The store is the pool's `IncludedView` (src/chain/mempool.ts): it answers "is this transaction
 * included" and "what is this sender's last included nonce" from the stored chain.
 *
 * Durability. lmdb-js's defaults are kept (no `noSync`, no `noMetaSync`, `overlappingSync` on, as on
 * every non-Windows system): an asynchronous write's promise resolves once its batch transaction is
 * committed and flushed to disk (`separateFlushed` is off), and `transactionSync` commits and flushes
 * before it returns (blocking the event loop for the fsync, so it is not used). What this relies on:
 * - the signing guard and the QBFT state are queued as asynchronous transactions, and nothing that
 *   depends on them leaves the node before they are on disk: the block that carries the signature is
 *   stored (and only then published) by a later transaction, which commits after them;
 * - a transaction accepted over RPC is written with an awaited asynchronous transaction, and
 *   `submitTransaction` resolves only after it; one received by gossip (`addPendingLazily`) is
 *   queued and joins the next write transaction — its sender's node holds it durably, and if a block
 *   includes it first it never reaches the pool database at all;
 * - a block, its index entries, its senders' nonces and the removal of its transactions from the pool
 *   are one transaction (`commitBlock`): LMDB is copy-on-write with an atomic meta-page switch, so a
 *   SIGKILL at any moment leaves either all of it or none of it.
 * Asynchronous writes go through `transaction(callback)`, whose callbacks run in call order, so a pool
 * entry written before a block that includes it is always removed by that block's transaction. Inside
 * a callback the writes are `putSync`/`removeSync`, which join the transaction (a plain `put` there
 * returns a promise of its own that rejects, unhandled, when the commit fails).
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { concatBytes, equalBytes, hex, prefixedHex } from '../bytes/index.js';
import { decodeHeader, encodeHeader, type Block } from '../chain/index.js';
import type { Prepare, QbftPersistedState } from '../consensus/index.js';
import { keccak256 } from '../wasm/index.js';
import { SigningGuardViolation, StorageUnavailable, nextHeightState, type IncludedTransaction, type NodeStorage, type StoredPoolEntry } from './storage.js';
import type { SignedBlock, TransactionLocation } from './types.js';

export { SigningGuardViolation, StorageUnavailable, type IncludedTransaction, type StoredPoolEntry } from './storage.js';

/**
 * What a stored block record holds (msgpack-encoded by lmdb-js; byte strings come back as Buffers). The
 * raw transactions are one byte string with their end offsets, so that reading one transaction (an
 * `eth_getTransactionByHash` or receipt) decodes two byte strings, not one per transaction: 4–9 ms of
 * CPU per lookup in a 5,000-transaction block before. Records written before hold `transactions`.
 */
interface BlockRecord {
  header: Uint8Array;
  /** The raw transactions concatenated, in block order. */
  transactionBytes?: Uint8Array;
  /** Where each raw transaction ends in `transactionBytes`: 32-bit little-endian offsets. */
  transactionEnds?: Uint8Array;
  /** Records written before `transactionBytes`: the raw transactions one by one. */
  transactions?: Uint8Array[];
  /** The 32-byte transaction hashes concatenated, in block order. */
  transactionHashes: Uint8Array;
  round: number;
  signingRoot: Uint8Array;
  signature: Uint8Array;
}

/** A block as it travels inside the persisted QBFT state (its prepared value). */
interface BlockValueRecord {
  header: Uint8Array;
  transactions: Uint8Array[];
  transactionHashes: Uint8Array;
}

interface QbftStateRecord {
  height: number;
  round: number;
  prepared?: { round: number; value: BlockValueRecord; prepares: unknown[] };
}

const HASH_BYTES = 32;

/** A block that does not extend the head: the caller's mistake, not the disk's. */
class NotTheNextBlock extends Error {}

export class NodeStore implements NodeStorage {
  private readonly env: RootDatabase;
  private readonly blocks: Database<BlockRecord, number>;
  private readonly blockNumbers: Database<number, Buffer>;
  private readonly transactionIndex: Database<[number, number, Uint8Array], Buffer>;
  private readonly senderNonces: Database<string, Buffer>;
  private readonly pool: Database<Uint8Array, number>;
  private readonly signingGuard: Database<Uint8Array, [number, number]>;
  private readonly meta: Database<unknown, string>;
  /**
   * Guard entries queued by this process, also before their write commits (reads see only committed
   * data), by height then round; a height's entries are dropped once a block at it is stored (no node
   * signs at a stored height), so the map holds only the heights in progress.
   */
  private readonly guardThisSession = new Map<number, Map<number, Uint8Array>>();
  /** Pool entries of `addPendingLazily` not yet in a write transaction, in arrival order. */
  private queuedPool: StoredPoolEntry[] = [];

  constructor(path: string) {
    this.env = open({ path, maxDbs: 12 });
    this.blocks = this.env.openDB({ name: 'blocks' });
    this.blockNumbers = this.env.openDB({ name: 'blockNumbers' });
    this.transactionIndex = this.env.openDB({ name: 'transactions' });
    this.senderNonces = this.env.openDB({ name: 'senderNonces' });
    this.pool = this.env.openDB({ name: 'pool' });
    this.signingGuard = this.env.openDB({ name: 'signingGuard' });
    this.meta = this.env.openDB({ name: 'meta' });
  }

  /** Number of the newest stored block, 0 when only genesis exists (genesis itself is not stored). */
  headNumber(): number {
    for (const key of this.blocks.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  getBlock(number: number): SignedBlock | undefined {
    if (!Number.isSafeInteger(number) || number < 1) return undefined;
    const record = this.blocks.get(number);
    return record === undefined ? undefined : signedBlockFromRecord(record);
  }

  blockNumberOf(hash: Uint8Array): number | undefined {
    return this.blockNumbers.get(Buffer.from(hash));
  }

  /**
   * An included transaction: its raw bytes, the sender recorded when its block was stored (so a lookup
   * needs no signature recovery) and where it is — one index read and one block read.
   */
  includedTransaction(hash: Uint8Array): { raw: Uint8Array; sender: Uint8Array; location: TransactionLocation } | undefined {
    const entry = this.transactionIndex.get(Buffer.from(hash));
    if (entry === undefined) return undefined;
    const [number, index, sender] = entry;
    const block = this.blocks.get(number);
    if (block === undefined) return undefined;
    return {
      raw: recordTransaction(block, index),
      sender,
      location: { blockNumber: number, blockHash: keccak256(block.header), index },
    };
  }

  senderOf(hash: Uint8Array): Uint8Array | undefined {
    return this.transactionIndex.get(Buffer.from(hash))?.[2];
  }

  transactionLocation(hash: Uint8Array): TransactionLocation | undefined {
    return this.includedTransaction(hash)?.location;
  }

  lastIncludedNonce(sender: string): bigint | undefined {
    const nonce = this.senderNonces.get(Buffer.from(sender, 'hex'));
    return nonce === undefined ? undefined : BigInt(nonce);
  }

  isIncluded(hash: string): boolean {
    return this.transactionIndex.doesExist(Buffer.from(hash, 'hex'));
  }

  /**
   * Stores a signed block with its index entries and senders' nonces, removes `includedPoolEntries`
   * (its transactions' pool entries, and any the block made obsolete) from the pool, and sets the QBFT
   * state to `nextHeightState` of the block, all in one transaction. `transactions` are the block's,
   * decoded, in block order. Refuses a block that does not extend the stored head.
   */
  async commitBlock(signed: SignedBlock, transactions: readonly IncludedTransaction[], includedPoolEntries: readonly number[]): Promise<void> {
    const { block } = signed;
    if (transactions.length !== block.transactions.length) {
      throw new RangeError(`commitBlock: expected ${block.transactions.length} decoded transactions, got ${transactions.length}`);
    }
    const { number } = block.header;
    const record: BlockRecord = {
      header: encodeHeader(block.header),
      ...packTransactions(block.transactions),
      transactionHashes: concatBytes(block.transactionHashes),
      round: signed.round,
      signingRoot: signed.signingRoot,
      signature: signed.signature,
    };
    await this.write('storing block ' + number, () => {
      const head = this.headNumber();
      if (number !== head + 1) throw new NotTheNextBlock(`commitBlock: block ${number} does not extend the stored head ${head}`);
      this.blocks.putSync(number, record);
      this.blockNumbers.putSync(Buffer.from(block.hash), number);
      const highest = new Map<string, bigint>();
      block.transactionHashes.forEach((hash, index) => {
        this.transactionIndex.putSync(Buffer.from(hash), [number, index, transactions[index]!.sender]);
        const sender = hex(transactions[index]!.sender);
        const nonce = transactions[index]!.nonce;
        const previous = highest.get(sender);
        if (previous === undefined || nonce > previous) highest.set(sender, nonce);
      });
      for (const [sender, nonce] of highest) this.senderNonces.putSync(Buffer.from(sender, 'hex'), nonce.toString());
      for (const sequence of includedPoolEntries) this.pool.removeSync(sequence);
      // The next height's QBFT state before its first vote (see storage.ts): written with the block,
      // so that the height's start needs no write of its own.
      this.meta.putSync('qbft', qbftStateRecord(nextHeightState(number)));
    }, includedPoolEntries);
    for (const height of this.guardThisSession.keys()) if (height <= number) this.guardThisSession.delete(height);
  }

  /** Durably records an accepted transaction; resolves once it is on disk. */
  async addPending(sequence: number, raw: Uint8Array): Promise<void> {
    await this.addPendingMany([{ sequence, raw }]);
  }

  /** Durably records accepted transactions in one write (a gossiped batch); resolves once on disk. */
  async addPendingMany(entries: readonly StoredPoolEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.write('recording accepted transactions', () => {
      for (const { sequence, raw } of entries) this.pool.putSync(sequence, raw);
    });
  }

  /**
   * Queues pool entries without a write of their own: they join the next write transaction (any of
   * this store's), or `flushPending`; entries that a block stored first includes, or that
   * `removePending` removes first, are never written.
   */
  addPendingLazily(entries: readonly StoredPoolEntry[]): void {
    for (const entry of entries) this.queuedPool.push(entry);
  }

  /** Writes the entries `addPendingLazily` queued, if any; resolves once they are on disk. */
  async flushPending(): Promise<void> {
    if (this.queuedPool.length === 0) return;
    await this.write('recording gossiped transactions', () => {});
  }

  async removePending(sequences: readonly number[]): Promise<void> {
    if (sequences.length === 0) return;
    await this.write('removing pool entries', () => {
      for (const sequence of sequences) this.pool.removeSync(sequence);
    }, sequences);
  }

  /** The pool's pending transactions in arrival order. */
  pendingTransactions(): StoredPoolEntry[] {
    const entries: StoredPoolEntry[] = [];
    for (const { key, value } of this.pool.getRange()) entries.push({ sequence: key, raw: value });
    return entries;
  }

  /**
   * The equivocation guard: records that this node signs `blockHash` in `round` of `height`. Throws
   * `SigningGuardViolation` at once if it already signed a different hash there (signing the same hash
   * again is allowed); otherwise queues the write and returns its promise, which resolves once it is
   * on disk. The caller lets the partial signature leave the node (a COMMIT sent, a block stored and
   * published) only after that: asynchronous transactions commit in call order, so any later awaited
   * write (the block's) also implies the guard's.
   */
  guardSigning(height: number, round: number, blockHash: Uint8Array): Promise<void> {
    const signed = this.guardThisSession.get(height)?.get(round) ?? this.signingGuard.get([height, round]);
    if (signed !== undefined && !equalBytes(signed, blockHash)) {
      throw new SigningGuardViolation(
        `refusing to sign block ${prefixedHex(blockHash)} at height ${height} round ${round}: this node already signed ${prefixedHex(signed)} there`,
      );
    }
    if (signed !== undefined) return Promise.resolve();
    let rounds = this.guardThisSession.get(height);
    if (rounds === undefined) this.guardThisSession.set(height, (rounds = new Map()));
    rounds.set(round, blockHash);
    return this.write('recording a signature in the guard', () => {
      this.signingGuard.putSync([height, round], blockHash);
    });
  }

  /** Heights whose guard entries this process still holds in memory (those not yet stored). */
  guardSessionHeights(): number[] {
    return [...this.guardThisSession.keys()];
  }

  /** What the guard holds for (height, round), if anything. */
  signedInRound(height: number, round: number): Uint8Array | undefined {
    return this.signingGuard.get([height, round]);
  }

  /** Every guard entry (height, round, hash), in key order; used by tests and diagnostics. */
  guardEntries(): Array<{ height: number; round: number; blockHash: Uint8Array }> {
    const entries: Array<{ height: number; round: number; blockHash: Uint8Array }> = [];
    for (const { key, value } of this.signingGuard.getRange()) entries.push({ height: key[0], round: key[1], blockHash: value });
    return entries;
  }

  /**
   * Replaces the QBFT state (the machine's `persist` output); the promise resolves once it is on disk.
   * Messages that depend on it are sent only after that (ordering as for `guardSigning`).
   */
  persistQbftState(state: QbftPersistedState<Block>): Promise<void> {
    const record = qbftStateRecord(state);
    return this.write('persisting the QBFT state', () => {
      this.meta.putSync('qbft', record);
    });
  }

  probeWrite(): Promise<void> {
    return this.write('probing the disk', () => {
      this.meta.putSync('probe', Date.now());
    });
  }

  qbftState(): QbftPersistedState<Block> | undefined {
    const record = this.meta.get('qbft') as QbftStateRecord | undefined;
    if (record === undefined) return undefined;
    if (!record.prepared) return { height: record.height, round: record.round };
    return {
      height: record.height,
      round: record.round,
      prepared: {
        round: record.prepared.round,
        value: blockFromValueRecord(record.prepared.value),
        prepares: record.prepared.prepares as Prepare[],
      },
    };
  }

  async close(): Promise<void> {
    await this.flushPending().catch(() => {}); // a disk that refuses them now loses only gossiped entries
    await this.env.close();
  }

  /**
   * An asynchronous write transaction; a failure that is not the callback's own (the disk full, an
   * I/O error) is a `StorageUnavailable`. lmdb-js rejects a failed commit with "Commit failed" and the
   * system's error in a promise of its own (`commitError`), which is read here so that the message
   * says what happened; it also rejects its batch's commit promise, which nobody holds but
   * `env.committed` reaches — handled here, or the process would die of an unhandled rejection (as it
   * once did on a full disk).
   */
  private async write(what: string, body: () => void, leavingPool: readonly number[] = []): Promise<void> {
    // The queued pool entries join the transaction after `body` (which may refuse it: lmdb-js keeps
    // the writes a throwing callback made before it threw), except those `body` takes out of the pool.
    const queued = this.queuedPool;
    this.queuedPool = [];
    const leaving = queued.length > 0 && leavingPool.length > 0 ? new Set(leavingPool) : undefined;
    try {
      await this.env.transaction(() => {
        body();
        for (const { sequence, raw } of queued) if (!leaving?.has(sequence)) this.pool.putSync(sequence, raw);
      });
    } catch (error) {
      // Not written: they join the next write (still before any block or removal that concerns them).
      this.queuedPool = queued.concat(this.queuedPool);
      if (error instanceof NotTheNextBlock) throw error;
      (this.env as unknown as { committed: PromiseLike<unknown> }).committed.then(undefined, () => {});
      const commitError = (error as { commitError?: Promise<unknown> }).commitError;
      const cause = commitError ? await commitError.then(() => error, (reason: unknown) => reason) : error;
      throw new StorageUnavailable(`${what} failed: ${(cause as Error).message}`, { cause });
    }
  }
}

function splitHashes(bytes: Uint8Array): Uint8Array[] {
  const hashes: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += HASH_BYTES) hashes.push(Uint8Array.from(bytes.subarray(offset, offset + HASH_BYTES)));
  return hashes;
}

function qbftStateRecord(state: QbftPersistedState<Block>): QbftStateRecord {
  const record: QbftStateRecord = { height: state.height, round: state.round };
  if (state.prepared) {
    record.prepared = { round: state.prepared.round, value: blockValueRecord(state.prepared.value), prepares: [...state.prepared.prepares] };
  }
  return record;
}

function blockValueRecord(block: Block): BlockValueRecord {
  return { header: encodeHeader(block.header), transactions: block.transactions, transactionHashes: concatBytes(block.transactionHashes) };
}

function blockFromValueRecord(record: BlockValueRecord): Block {
  return blockFromParts(record.header, record.transactions.map((raw) => Uint8Array.from(raw)), record.transactionHashes);
}

function blockFromParts(header: Uint8Array, transactions: Uint8Array[], transactionHashes: Uint8Array): Block {
  return { header: decodeHeader(header), hash: keccak256(header), transactions, transactionHashes: splitHashes(transactionHashes) };
}

/** `transactionBytes` and `transactionEnds` of a block record. */
function packTransactions(transactions: readonly Uint8Array[]): { transactionBytes: Uint8Array; transactionEnds: Uint8Array } {
  const ends = new Uint8Array(4 * transactions.length);
  const view = new DataView(ends.buffer);
  let end = 0;
  transactions.forEach((raw, i) => view.setUint32(4 * i, (end += raw.length), true));
  return { transactionBytes: concatBytes(transactions), transactionEnds: ends };
}

/** Raw transaction `index` of a stored block (a copy), in either layout. */
function recordTransaction(record: BlockRecord, index: number): Uint8Array {
  if (record.transactionBytes === undefined || record.transactionEnds === undefined) return Uint8Array.from(record.transactions![index]!);
  return packedTransaction(record.transactionBytes, endOffsets(record.transactionEnds), index);
}

/** Every raw transaction of a stored block (copies), in either layout. */
function recordTransactions(record: BlockRecord): Uint8Array[] {
  const { transactionBytes, transactionEnds } = record;
  if (transactionBytes === undefined || transactionEnds === undefined) return record.transactions!.map((raw) => Uint8Array.from(raw));
  const ends = endOffsets(transactionEnds);
  return Array.from({ length: transactionEnds.length / 4 }, (_, index) => packedTransaction(transactionBytes, ends, index));
}

function endOffsets(transactionEnds: Uint8Array): DataView {
  return new DataView(transactionEnds.buffer, transactionEnds.byteOffset, transactionEnds.byteLength);
}

/** Transaction `index` of the packed layout, copied (lmdb-js gives Buffers, whose `slice` is a view). */
function packedTransaction(bytes: Uint8Array, ends: DataView, index: number): Uint8Array {
  const start = index === 0 ? 0 : ends.getUint32(4 * (index - 1), true);
  return Uint8Array.from(bytes.subarray(start, ends.getUint32(4 * index, true)));
}

function signedBlockFromRecord(record: BlockRecord): SignedBlock {
  return {
    block: blockFromParts(record.header, recordTransactions(record), record.transactionHashes),
    round: record.round,
    signingRoot: Uint8Array.from(record.signingRoot),
    signature: Uint8Array.from(record.signature),
  };
}
