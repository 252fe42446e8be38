/**
 * Executes DST blocks in an embedded EVM (@ethereumjs/vm at Prague) and commits each one to LMDB.
 *
 * Semantics (README "Formats", "Execution"): the DST block's order is final. Its transactions run one
 * after the other in that order, each on the state the previous one left (Yellow Paper §6). A
 * transaction that cannot start — it does not decode, its nonce is not the sender's account nonce,
 * its gas limit is below its intrinsic gas (Yellow Paper §6.2, EIP-2028, EIP-2930, EIP-3860, EIP-7623)
 * or above `TRANSACTION_GAS_CAP`, its fee is below the base fee, its sender cannot pay
 * `gasLimit × maxFeePerGas + value` (EIP-1559's up-front balance check), or its sender has code
 * (EIP-3607) — is SKIPPED: it leaves the state untouched, gets no receipt, and its outcome records
 * the typed reason. Every other transaction is executed and gets a real receipt, status 0 when it
 * reverted or ran out of gas (its fees are still charged, as on Ethereum).
 *
 * Nonces follow DST's rule: a DST block includes each sender's nonces consecutively from its last
 * included one (src/chain/validation.ts), and the DST node never takes that nonce again — so a skipped
 * transaction whose nonce is the sender's account nonce USES it: the account nonce goes up by one, and
 * nothing else changes (no gas charged, no receipt). Otherwise the sender would be stuck: execution
 * would wait for the nonce the sequencer considers spent, and skip every later one as nonce-too-high.
 * Only `nonce-too-low` / `nonce-too-high` skips (the nonce is not the account's: an alloc that sets a
 * nonce) and `undecodable` ones (no sender) leave the nonce alone.
 *
 * The executed block uses: number = the DST number, timestamp = ⌊timestampMs / 1000⌋, coinbase = the
 * fee recipient, the fixed base fee, gasLimit = `TRANSACTION_GAS_CAP`, prevRandao zero, and BLOCKHASH
 * answering DST block hashes. There are no system calls (EIP-4788 beacon roots and EIP-2935 history
 * writes do nothing: no code is at their addresses unless the alloc puts it there), no withdrawals and
 * no block reward.
 *
 * Each block's state writes, record and new head are one LMDB transaction (src/execution/store.ts); a
 * failure before it leaves the head where it was and the in-memory state is reset to the head's root.
 * Within a block the state lives in the state manager's account, storage and code caches (one
 * checkpoint around the block, so they reach the trie once, at its end), and only the trie nodes the
 * block's final state reaches are written (src/execution/trie-db.ts).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createBlock, type Block as EthBlock } from '@ethereumjs/block';
import type { Common } from '@ethereumjs/common';
import type { MerkleStateManager } from '@ethereumjs/statemanager';
import { createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx';
import { Account, Address, KECCAK256_NULL, equalsBytes } from '@ethereumjs/util';
import { createVM, encodeReceipt, runTx, type VM } from '@ethereumjs/vm';
import { genesisBlock } from '../chain/index.js';
import { prefixedHex } from '../bytes/index.js';
import { keccak256 } from '../wasm/index.js';
import { BASE_FEE_PER_GAS, TRANSACTION_GAS_CAP, executionCommon, transactionCommon } from './chain.js';
import { allocHash, applyAlloc, type Alloc } from './genesis.js';
import { BLOOM_BYTES, effectiveGasPrice, orBloom, receiptsRoot, toLogs } from './receipts.js';
import { openState } from './state.js';
import type { ExecutionStore } from './store.js';
import type { TrieDb } from './trie-db.js';
import type { BlockSource, ExecutedBlock, SkipReason, TransactionOutcome, VerifiedBlock } from './types.js';

export interface ExecutorOptions {
  store: ExecutionStore;
  chainId: bigint;
  alloc: Alloc;
  /** The coinbase of every executed block (priority fees go there); default the zero address. */
  feeRecipient?: Uint8Array;
}

/**
 * Decodes a raw transaction and recovers its sender once. @ethereumjs/tx caches the recovered public
 * key but not the address: each `getSenderAddress()` (the executor's and runTx's) would hash the key
 * again with @noble/hashes' JavaScript keccak-256. So the transaction is decoded unfrozen, the key is
 * recovered (libsecp256k1, src/execution/chain.ts), the address derived with the WebAssembly keccak-256
 * and pinned on the instance, which is then frozen as the decoder would have left it (its other caches
 * — hash, data gas — work only on a frozen transaction).
 */
function decodeTransaction(raw: Uint8Array, common: Common): { tx: TypedTransaction; from: Address } {
  const tx = createTxFromRLP(raw, { common, freeze: false });
  const publicKey = tx.getSenderPublicKey();
  tx.cache.senderPubKey = publicKey;
  const from = new Address(keccak256(publicKey).subarray(12));
  Object.defineProperty(tx, 'getSenderAddress', { value: () => from });
  Object.freeze(tx);
  return { tx, from };
}

class Skip extends Error {
  constructor(
    readonly reason: SkipReason,
    message: string,
  ) {
    super(message);
  }
}

export class Executor {
  private readonly listeners = new Set<(block: ExecutedBlock) => void>();
  /** What decoded transactions carry (src/execution/chain.ts). */
  readonly txCommon: Common;

  private constructor(
    readonly store: ExecutionStore,
    readonly chainId: bigint,
    readonly common: Common,
    readonly feeRecipient: Uint8Array,
    private readonly db: TrieDb,
    private state: MerkleStateManager,
    private vm: VM,
  ) {
    this.txCommon = transactionCommon(common);
  }

  /** Opens the executor on a store: writes the genesis state on first use, else resumes at the stored head. */
  static async open(options: ExecutorOptions): Promise<Executor> {
    const { store, chainId, alloc } = options;
    const common = executionCommon(chainId);
    const db = store.trieDb();
    const expectedAlloc = allocHash(alloc);
    const genesis = store.genesis();
    if (genesis !== undefined && !equalsBytes(genesis.allocHash, expectedAlloc)) {
      throw new Error(`execution data dir: its state started from alloc ${prefixedHex(genesis.allocHash)}, not this chain's ${prefixedHex(expectedAlloc)} (a different cluster?)`);
    }
    const head = store.head();
    const state = openState(db, common, head?.stateRoot);
    const executor = new Executor(store, chainId, common, options.feeRecipient ?? new Uint8Array(20), db, state, await Executor.vmFor(common, state, store));
    if (head === undefined) await executor.writeGenesis(alloc, expectedAlloc);
    return executor;
  }

  /** A VM over `state`; BLOCKHASH answers the DST hashes of executed blocks. */
  static vmFor(common: Common, state: MerkleStateManager, store: ExecutionStore): Promise<VM> {
    const blockchain = {
      getBlock: async (number: number) => {
        const hash = store.header(number)?.dstHash ?? new Uint8Array(32);
        return { hash: () => hash };
      },
      putBlock: async () => {},
      shallowCopy() {
        return blockchain;
      },
    };
    return createVM({ common, stateManager: state, blockchain });
  }

  private async writeGenesis(alloc: Alloc, hash: Uint8Array): Promise<void> {
    await applyAlloc(this.state, alloc);
    const stateRoot = await this.state.getStateRoot();
    const dst = genesisBlock(this.chainId);
    const block: ExecutedBlock = {
      number: 0,
      dstHash: dst.hash,
      dstParentHash: dst.header.parentHash,
      timestampMs: 0n,
      proposer: 0,
      stateRoot,
      receiptsRoot: receiptsRoot([]),
      logsBloom: new Uint8Array(BLOOM_BYTES),
      gasUsed: 0n,
      gasLimit: TRANSACTION_GAS_CAP,
      baseFeePerGas: BASE_FEE_PER_GAS,
      feeRecipient: this.feeRecipient,
      transactions: [],
      transactionHashes: [],
      outcomes: [],
    };
    this.store.commitGenesis(this.db.drain(), { allocHash: hash, stateRoot }, block);
  }

  /** The last executed block's number. */
  headNumber(): number {
    return this.store.head()!.number;
  }

  /** Called after each committed block, in order; returns an unsubscribe function. */
  onExecuted(listener: (block: ExecutedBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The @ethereumjs block environment an executed block runs in (also what eth_call uses). */
  environment(number: number, timestampMs: bigint, parentHash: Uint8Array): EthBlock {
    return createBlock(
      {
        header: {
          number: BigInt(number),
          parentHash,
          timestamp: timestampMs / 1000n,
          gasLimit: TRANSACTION_GAS_CAP,
          baseFeePerGas: BASE_FEE_PER_GAS,
          coinbase: this.feeRecipient,
        },
      },
      { common: this.common, skipConsensusFormatValidation: true },
    );
  }

  /** Executes the next block and commits it; throws if it is not the next one (a broken source). */
  async execute(verified: VerifiedBlock): Promise<ExecutedBlock> {
    const head = this.store.head()!;
    if (verified.number !== head.number + 1 || !equalsBytes(verified.header.parentHash, head.dstHash)) {
      throw new RangeError(`execute: block ${verified.number} (parent ${prefixedHex(verified.header.parentHash)}) does not follow the executed head ${head.number} (${prefixedHex(head.dstHash)})`);
    }
    try {
      const block = await this.run(verified);
      this.store.commitBlock(this.db.drain(block.stateRoot), block);
      for (const listener of this.listeners) listener(block);
      return block;
    } catch (error) {
      this.db.discard();
      this.state = openState(this.db, this.common, head.stateRoot);
      this.vm = await Executor.vmFor(this.common, this.state, this.store);
      throw error;
    }
  }

  /**
   * Executes every block of `source` in order until it ends or `signal` aborts. Between blocks it
   * yields to the event loop: executing is promise chains with no I/O to wait on (LMDB reads are
   * synchronous), so a backlog of buffered blocks would otherwise run as one unbroken stretch of
   * microtasks, and the JSON-RPC server (and every timer) would not be served until it was done.
   */
  async follow(source: BlockSource, signal?: AbortSignal): Promise<void> {
    for await (const block of source) {
      if (signal?.aborted) return;
      if (block.number <= this.headNumber()) continue;
      await this.execute(block);
      await yieldToEventLoop();
    }
  }

  private async run(verified: VerifiedBlock): Promise<ExecutedBlock> {
    const { header } = verified;
    const environment = this.environment(verified.number, header.timestampMs, header.parentHash);
    const outcomes: TransactionOutcome[] = [];
    const encoded: Uint8Array[] = [];
    const transactionHashes: Uint8Array[] = [];
    const logsBloom = new Uint8Array(BLOOM_BYTES);
    let cumulativeGasUsed = 0n;
    let logCount = 0;
    // One checkpoint around the whole block: the state manager writes its account, storage and code
    // caches into the trie only when its outermost checkpoint commits, so without it every runTx (which
    // checkpoints and commits once) would update the trie — hashing the changed paths — per transaction.
    // Per-transaction state (EIP-2200 original values, EIP-2929 warm sets) is reset by runTx itself.
    await this.state.checkpoint();
    for (const raw of verified.transactions) {
      transactionHashes.push(keccak256(raw));
      let tx: TypedTransaction;
      let from: Address;
      try {
        ({ tx, from } = decodeTransaction(raw, this.txCommon));
      } catch (error) {
        outcomes.push({ kind: 'skipped', reason: 'undecodable', message: (error as Error).message, from: null });
        continue;
      }
      try {
        await this.precheck(tx, from);
        const result = await runTx(this.vm, { tx, block: environment, blockGasUsed: cumulativeGasUsed, skipHardForkValidation: true });
        cumulativeGasUsed += result.totalGasSpent;
        const logs = toLogs(result.execResult.logs as Array<[Uint8Array, Uint8Array[], Uint8Array]> | undefined);
        orBloom(logsBloom, result.bloom.bitvector);
        encoded.push(encodeReceipt(result.receipt, tx.type));
        outcomes.push({
          kind: 'executed',
          receipt: {
            type: tx.type,
            status: result.execResult.exceptionError === undefined ? 1 : 0,
            from: from.bytes,
            to: tx.to?.bytes ?? null,
            contractAddress: result.createdAddress?.bytes ?? null,
            gasUsed: result.totalGasSpent,
            cumulativeGasUsed,
            effectiveGasPrice: effectiveGasPrice(tx as never, BASE_FEE_PER_GAS),
            logs,
            logsBloom: result.bloom.bitvector,
            firstLogIndex: logCount,
          },
        });
        logCount += logs.length;
      } catch (error) {
        const skip = error instanceof Skip ? error : new Skip('invalid', (error as Error).message);
        await this.consumeNonce(tx, from);
        outcomes.push({ kind: 'skipped', reason: skip.reason, message: skip.message, from: from.bytes });
      }
    }
    await this.state.commit();
    return {
      number: verified.number,
      dstHash: verified.hash,
      dstParentHash: header.parentHash,
      timestampMs: header.timestampMs,
      proposer: header.proposer,
      stateRoot: await this.state.getStateRoot(),
      receiptsRoot: receiptsRoot(encoded),
      logsBloom,
      gasUsed: cumulativeGasUsed,
      gasLimit: TRANSACTION_GAS_CAP,
      baseFeePerGas: BASE_FEE_PER_GAS,
      feeRecipient: this.feeRecipient,
      transactions: verified.transactions,
      transactionHashes,
      outcomes,
    };
  }

  /**
   * A skipped transaction whose nonce is its sender's account nonce uses that nonce up, as DST's order
   * does (the module docblock): the nonce goes up by one and nothing else changes — no gas, no fee, no
   * receipt. One with another nonce (nonce-too-low / nonce-too-high) changes nothing.
   */
  private async consumeNonce(tx: TypedTransaction, sender: Address): Promise<void> {
    const account = (await this.state.getAccount(sender)) ?? new Account();
    if (account.nonce !== tx.nonce) return;
    account.nonce += 1n;
    await this.state.putAccount(sender, account);
  }

  /** The checks that make a transaction skipped rather than executed, with their typed reasons. */
  private async precheck(tx: TypedTransaction, sender: Address): Promise<void> {
    const account = await this.state.getAccount(sender);
    const nonce = account?.nonce ?? 0n;
    if (tx.nonce < nonce) throw new Skip('nonce-too-low', `nonce ${tx.nonce} is below the sender's account nonce ${nonce}`);
    if (tx.nonce > nonce) throw new Skip('nonce-too-high', `nonce ${tx.nonce} is above the sender's account nonce ${nonce} (the alloc set its nonce, or a block out of DST's nonce order)`);
    if (tx.gasLimit > TRANSACTION_GAS_CAP) throw new Skip('gas-limit-above-cap', `gas limit ${tx.gasLimit} is above the cap of ${TRANSACTION_GAS_CAP}`);
    const minimum = tx.getIntrinsicGas();
    if (tx.gasLimit < minimum) throw new Skip('intrinsic-gas-too-low', `gas limit ${tx.gasLimit} is below the intrinsic gas ${minimum}`);
    const maxFee = 'maxFeePerGas' in tx ? tx.maxFeePerGas : (tx as { gasPrice: bigint }).gasPrice;
    if (maxFee < BASE_FEE_PER_GAS) throw new Skip('fee-below-base-fee', `fee per gas ${maxFee} is below the base fee ${BASE_FEE_PER_GAS}`);
    const cost = tx.gasLimit * maxFee + tx.value;
    const balance = account?.balance ?? 0n;
    if (balance < cost) throw new Skip('insufficient-funds', `the sender has ${balance} wei, gas × fee + value is ${cost}`);
    if (account !== undefined && !equalsBytes(account.codeHash, KECCAK256_NULL)) throw new Skip('sender-not-eoa', 'the sender has contract code (EIP-3607)');
  }
}
