/**
 * The read side of a node (what `SequencerView`, src/node/types.ts, serves to the API): blocks by
 * number or hash (genesis derived, not stored), a block's transactions, a transaction pending or
 * included, an account's next nonce and the cluster's description — answered from the store and the
 * pool without touching the production loop.
 */
import { equalBytes, hex } from '../bytes/index.js';
import { decodeTransaction, genesisBlock, withSender, type Block, type Transaction } from '../chain/index.js';
import type { Admission } from './admission.js';
import type { NodeStorage } from './storage.js';
import type { SequencerOptions } from './options.js';
import type { ClusterInfo, SignedBlock, TransactionRecord, TransactionStatus } from './types.js';

export class ChainQueries {
  private readonly genesis: Block;

  private readonly chainId: bigint;
  private readonly store: NodeStorage;

  constructor(
    private readonly options: Pick<SequencerOptions, 'chainId' | 'store' | 'key' | 'nodes' | 'blockTimeMs'>,
    private readonly admission: Admission,
  ) {
    this.chainId = options.chainId;
    this.store = options.store;
    this.genesis = genesisBlock(options.chainId);
  }

  clusterInfo(): ClusterInfo {
    const { key, nodes, blockTimeMs } = this.options;
    return { chainId: this.chainId, groupPublicKey: key.groupPublicKey, nodes, threshold: key.threshold, self: key.share.index, blockTimeMs };
  }

  getBlockByNumber(number: number): SignedBlock | undefined {
    if (number === 0) return this.genesisSigned();
    return this.store.getBlock(number);
  }

  getBlockByHash(hash: Uint8Array): SignedBlock | undefined {
    if (equalBytes(hash, this.genesis.hash)) return this.genesisSigned();
    const number = this.store.blockNumberOf(hash);
    return number === undefined ? undefined : this.store.getBlock(number);
  }

  getTransaction(hash: Uint8Array): TransactionRecord | undefined {
    const pending = this.admission.get(hex(hash));
    if (pending) return { tx: pending.tx };
    const included = this.store.includedTransaction(hash);
    if (included === undefined) return undefined;
    // Stored transactions passed these checks when they were accepted (the size limit may have changed
    // since); their sender was recorded then, so no signature is recovered again.
    const tx = decodeTransaction(Uint8Array.from(included.raw), { chainId: this.chainId, maxBytes: Number.MAX_SAFE_INTEGER });
    return { tx: withSender(tx, Uint8Array.from(included.sender)), location: included.location };
  }

  transactionStatus(hash: Uint8Array): TransactionStatus {
    const pool = this.admission.statusOf(hex(hash));
    if (pool?.status === 'pending') return { status: 'pending' };
    const included = this.store.includedTransaction(hash);
    if (included) return { status: 'included', location: included.location };
    return pool ? { status: 'expired', reason: pool.reason } : { status: 'unknown' };
  }

  blockTransactions(signed: SignedBlock): Transaction[] {
    const rules = { chainId: this.chainId, maxBytes: Number.MAX_SAFE_INTEGER };
    return signed.block.transactions.map((raw, index) => {
      const tx = decodeTransaction(raw, rules);
      const sender = this.store.senderOf(tx.hash);
      if (sender === undefined) throw new Error(`transaction ${index} of block ${signed.block.header.number} is missing from the node's index`);
      return withSender(tx, Uint8Array.from(sender));
    });
  }

  /** One above the account's last included nonce (0 if none), with `pending` past its gapless pooled ones. */
  nextNonce(address: Uint8Array, pending: boolean): bigint {
    const sender = hex(address);
    const last = this.store.lastIncludedNonce(sender);
    return this.admission.nextNonce(sender, last === undefined ? 0n : last + 1n, pending);
  }

  /** Genesis (number 0) is derived by every node, not signed: its signature and signing root are empty. */
  private genesisSigned(): SignedBlock {
    return { block: this.genesis, round: 0, signingRoot: new Uint8Array(0), signature: new Uint8Array(0) };
  }
}
