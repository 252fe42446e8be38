/**
 * The execution node's LMDB database (lmdb-js, one environment in `--data-dir`):
 *
 * | database | key | value |
 * |---|---|---|
 * | `trie` | trie node hash / prefixed code hash | node RLP / contract code (src/execution/trie-db.ts) |
 * | `blocks` | block number | `ExecutedBlock` (src/execution/types.ts): roots, gas, raw transactions, outcomes |
 * | `headers` | block number | `ExecutedHeader`: the same without transactions and outcomes |
 * | `transactions` | transaction hash (32 bytes) | [block number, index in the block] |
 * | `blockNumbers` | DST block hash (32 bytes) | block number |
 * | `meta` | `"head"` | `{number, dstHash, stateRoot}` of the last executed block |
 * | `meta` | `"genesis"` | `{allocHash, stateRoot}`: which alloc the state started from |
 *
 * The headers are what the state methods read (`eth_getBalance` at a block resolves its state root:
 * DST nodes checking funds ask it for every sender at every head), so a query decodes a few hundred
 * bytes, not a whole block of transactions and receipts. A database written before `headers` existed
 * has none for its older blocks: `header()` then derives one from the block.
 *
 * Crash safety: a block's trie writes, its `ExecutedBlock` and header, its transaction index entries
 * and the new head are written in ONE `transactionSync` (LMDB commits it atomically with a meta-page switch and
 * flushes it before returning). After a crash the database holds exactly the blocks up to some head
 * and the state at that head; the executor resumes at head + 1, and the follower's checkpoint is the
 * head's DST number and hash, so no block is executed twice and none is skipped.
 *
 * Values are msgpack (msgpackr with its BigInt extension, so gas and fees round-trip as bigint).
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { Packr } from 'msgpackr';
import { TrieDb, type TrieWrites } from './trie-db.js';
import type { ExecutedBlock, ExecutedHeader } from './types.js';

/** The header of an executed block (its fields but the transactions and outcomes). */
export function headerOf(block: ExecutedBlock): ExecutedHeader {
  const { transactions: _transactions, transactionHashes: _hashes, outcomes: _outcomes, ...header } = block;
  return header;
}

export interface ExecutionHead {
  number: number;
  dstHash: Uint8Array;
  stateRoot: Uint8Array;
}

export interface GenesisRecord {
  /** keccak-256 of the canonical alloc JSON the state started from. */
  allocHash: Uint8Array;
  stateRoot: Uint8Array;
}

const encoder = (): Packr => new Packr({ useBigIntExtension: true, useRecords: false, moreTypes: true });

export class ExecutionStore {
  private readonly env: RootDatabase;
  private readonly trie: Database<Buffer, Buffer>;
  private readonly blocks: Database<ExecutedBlock, number>;
  private readonly headers: Database<ExecutedHeader, number>;
  private readonly transactionIndex: Database<[number, number], Buffer>;
  private readonly blockNumbers: Database<number, Buffer>;
  private readonly meta: Database<unknown, string>;

  constructor(path: string) {
    this.env = open({ path, maxDbs: 8 });
    this.trie = this.env.openDB({ name: 'trie', encoding: 'binary' });
    // lmdb-js takes an `encoder` (here msgpackr with BigInt support) that its typings do not declare.
    const withBigInts = (name: string) => ({ name, encoder: encoder() }) as { name: string };
    this.blocks = this.env.openDB(withBigInts('blocks'));
    this.headers = this.env.openDB(withBigInts('headers'));
    this.transactionIndex = this.env.openDB(withBigInts('transactions'));
    this.meta = this.env.openDB(withBigInts('meta'));
    this.blockNumbers = this.env.openDB(withBigInts('blockNumbers'));
  }

  /** A trie store over this database (its overlay is the next block's writes). */
  trieDb(): TrieDb {
    return new TrieDb(this.trie);
  }

  head(): ExecutionHead | undefined {
    return this.meta.get('head') as ExecutionHead | undefined;
  }

  genesis(): GenesisRecord | undefined {
    return this.meta.get('genesis') as GenesisRecord | undefined;
  }

  block(number: number): ExecutedBlock | undefined {
    return this.blocks.get(number);
  }

  /** The header of executed block `number` (module docblock). */
  header(number: number): ExecutedHeader | undefined {
    const header = this.headers.get(number);
    if (header !== undefined) return header;
    const block = this.blocks.get(number);
    return block && headerOf(block);
  }

  /** The number of the executed block of a DST block hash. */
  blockNumber(dstHash: Uint8Array): number | undefined {
    return this.blockNumbers.get(Buffer.from(dstHash.buffer, dstHash.byteOffset, dstHash.byteLength));
  }

  /** Where a transaction of an executed block is: [block number, index], or undefined. */
  locate(hash: Uint8Array): [number, number] | undefined {
    return this.transactionIndex.get(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength));
  }

  /** The genesis state (block 0) and its record, in one transaction. */
  commitGenesis(writes: TrieWrites, genesis: GenesisRecord, block: ExecutedBlock): void {
    this.env.transactionSync(() => {
      TrieDb.apply(this.trie, writes);
      this.meta.putSync('genesis', genesis);
      this.blocks.putSync(0, block);
      this.headers.putSync(0, headerOf(block));
      this.blockNumbers.putSync(Buffer.from(block.dstHash), 0);
      this.meta.putSync('head', { number: 0, dstHash: block.dstHash, stateRoot: block.stateRoot } satisfies ExecutionHead);
    });
  }

  /** One executed block: its trie writes, record, transaction index and the new head, atomically. */
  commitBlock(writes: TrieWrites, block: ExecutedBlock): void {
    const head = this.head();
    if (head === undefined || block.number !== head.number + 1) {
      throw new RangeError(`commitBlock: block ${block.number} does not follow the executed head ${head?.number ?? 'none'}`);
    }
    this.env.transactionSync(() => {
      TrieDb.apply(this.trie, writes);
      this.blocks.putSync(block.number, block);
      this.headers.putSync(block.number, headerOf(block));
      this.blockNumbers.putSync(Buffer.from(block.dstHash), block.number);
      // DST never includes a transaction twice (src/chain/validation.ts), so each hash has one place.
      block.transactionHashes.forEach((hash, index) => this.transactionIndex.putSync(Buffer.from(hash), [block.number, index]));
      this.meta.putSync('head', { number: block.number, dstHash: block.dstHash, stateRoot: block.stateRoot } satisfies ExecutionHead);
    });
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
