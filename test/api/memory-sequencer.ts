/**
 * An in-memory `SequencerView` for the API's tests, built from the real chain code: transactions are
 * parsed by `parseTransaction` and admitted by the real `Mempool`, blocks come from `buildBlock`
 * (`assembleBlock`), and each block is signed with a real BLS key (@chainsafe/blst) over
 * `keccak256(domain ‖ uint256(chainId) ‖ uint256(round) ‖ blockHash)` computed with @noble/hashes.
 * Only persistence and consensus are missing: `produceBlock` stands in for a QBFT decision.
 */
import { SecretKey } from '@chainsafe/blst';
import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  buildBlock,
  genesisBlock,
  hex,
  Mempool,
  parseTransaction,
  type Transaction,
  type TransactionRules,
} from '../../src/chain/index.js';
import type { ClusterInfo, NodeHealth, SequencerView, SignedBlock, TransactionRecord, TransactionStatus } from '../../src/node/types.js';
import { DEFAULT_POOL_LIMITS } from '../../src/node/start.js';

/** A test-only signing domain (the node defines the real one). */
export const TEST_BLOCK_DOMAIN = keccak_256(new TextEncoder().encode('dst api test block domain'));

export function uint256(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
}

export function signingRootOf(chainId: bigint, round: number, blockHash: Uint8Array): Uint8Array {
  return keccak_256(Buffer.concat([TEST_BLOCK_DOMAIN, uint256(chainId), uint256(BigInt(round)), blockHash]));
}

export class MemorySequencer implements SequencerView {
  readonly secretKey = SecretKey.fromKeygen(new Uint8Array(32).fill(7));
  readonly rules: TransactionRules;
  readonly blocks: SignedBlock[];
  /** What `health()` reports besides head and pool size; tests change it. */
  healthState: Pick<NodeHealth, 'live' | 'ready' | 'reasons' | 'oldestPendingAgeMs'> = { live: true, ready: true, reasons: [] };
  private readonly blocksByHash = new Map<string, SignedBlock>();
  private readonly transactions = new Map<string, TransactionRecord>();
  private readonly lastNonce = new Map<string, bigint>();
  private readonly listeners = new Set<(block: SignedBlock) => void>();
  private readonly pool: Mempool;

  constructor(readonly chainId: bigint) {
    this.rules = { chainId, maxBytes: 128 * 1024 };
    const genesis: SignedBlock = { block: genesisBlock(chainId), round: 0, signingRoot: new Uint8Array(0), signature: new Uint8Array(0) };
    this.blocks = [genesis];
    this.blocksByHash.set(hex(genesis.block.hash), genesis);
    this.pool = new Mempool(
      { ...DEFAULT_POOL_LIMITS, maxTransactions: 10_000, maxBytes: 16 * 1024 * 1024 },
      {
        lastIncludedNonce: (sender) => this.lastNonce.get(sender),
        isIncluded: (hash) => this.transactions.get(hash)?.location !== undefined,
      },
    );
  }

  headNumber(): number {
    return this.blocks.length - 1;
  }

  async submitTransaction(raw: Uint8Array): Promise<Uint8Array> {
    const tx = parseTransaction(raw, this.rules);
    this.pool.add(tx, { id: 'test', maxPending: Number.MAX_SAFE_INTEGER }, 0);
    this.transactions.set(hex(tx.hash), { tx });
    return tx.hash;
  }

  /** Stands in for a decided height: builds from the pool, signs, stores, publishes. */
  produceBlock(nowMs: bigint, round = 0): SignedBlock {
    const parent = this.blocks[this.blocks.length - 1]!.block;
    const block = buildBlock(parent, this.pool, { proposer: 1, nowMs, limits: { maxTransactions: 1000, maxBytes: 1 << 20 } });
    const signingRoot = signingRootOf(this.chainId, round, block.hash);
    const signed: SignedBlock = { block, round, signingRoot, signature: this.secretKey.sign(signingRoot).toBytes() };
    const included: Transaction[] = [];
    block.transactionHashes.forEach((hash, index) => {
      const record = this.transactions.get(hex(hash))!;
      record.location = { blockNumber: block.header.number, blockHash: block.hash, index };
      included.push(record.tx);
      this.lastNonce.set(hex(record.tx.sender), record.tx.nonce);
    });
    this.pool.removeIncluded(included, 0);
    this.blocks.push(signed);
    this.blocksByHash.set(hex(block.hash), signed);
    for (const listener of this.listeners) listener(signed);
    return signed;
  }

  getBlockByNumber(number: number): SignedBlock | undefined {
    return this.blocks[number];
  }

  getBlockByHash(hash: Uint8Array): SignedBlock | undefined {
    return this.blocksByHash.get(hex(hash));
  }

  getTransaction(hash: Uint8Array): TransactionRecord | undefined {
    return this.transactions.get(hex(hash));
  }

  transactionStatus(hash: Uint8Array): TransactionStatus {
    const record = this.transactions.get(hex(hash));
    if (record === undefined) return { status: 'unknown' };
    return record.location ? { status: 'included', location: record.location } : { status: 'pending' };
  }

  blockTransactions(signed: SignedBlock): Transaction[] {
    return signed.block.transactionHashes.map((hash) => this.transactions.get(hex(hash))!.tx);
  }

  nextNonce(address: Uint8Array, pending: boolean): bigint {
    const last = this.lastNonce.get(hex(address));
    const latest = last === undefined ? 0n : last + 1n;
    return pending ? this.pool.nextPendingNonce(hex(address), latest) : latest;
  }

  onBlock(listener: (block: SignedBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clusterInfo(): ClusterInfo {
    return {
      chainId: this.chainId,
      groupPublicKey: this.secretKey.toPublicKey().toBytes(),
      nodes: 1,
      threshold: 1,
      self: 1,
      blockTimeMs: 250,
    };
  }

  health(): NodeHealth {
    return { ...this.healthState, head: this.headNumber(), mempoolSize: this.pool.size };
  }
}
