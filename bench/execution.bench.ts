/**
 * The EVM for `dst execute`: @ethereumjs/vm (TypeScript, the Ethereum Foundation's) as `dst execute`
 * runs it — src/execution's Executor, state in LMDB, one commit per block — against
 * @nomicfoundation/edr (Hardhat's Rust EVM, revm inside) driven the only way it can be embedded: as a
 * provider, its mempool fed with `eth_sendRawTransaction` and a block mined with `evm_mine` (its state
 * is in memory only; test/helpers/edr-oracle.ts, the same set-up the tests use as their oracle). Same real signed EIP-1559 transactions, same alloc, hard fork Prague, on one
 * core: simple transfers, ERC-20 transfers (a fresh recipient each, solc-compiled token) and ERC-20
 * deployments, in blocks of `BLOCK` transactions. Prints transactions per second for each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getContractAddress } from 'viem';
import { Executor } from '../src/execution/executor.js';
import { parseAlloc } from '../src/execution/genesis.js';
import { ExecutionStore } from '../src/execution/store.js';
import { edrChain } from '../test/helpers/edr-oracle.js';
import { allocFor, deployErc20, erc20Transfers, transfers, verifiedBlocks, wallets, type Wallet } from '../test/helpers/execution-load.js';

const CHAIN_ID = 901n;
const BLOCK = Number(process.env.EXEC_BENCH_BLOCK ?? 400);
const BLOCKS = Number(process.env.EXEC_BENCH_BLOCKS ?? 3);

interface Engine {
  name: string;
  /** Executes one block of raw transactions; resolves when it is committed. */
  block(transactions: Uint8Array[]): Promise<void>;
  close(): Promise<void>;
}

async function ethereumjs(accounts: Wallet[]): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'dst-exec-bench-'));
  const store = new ExecutionStore(dir);
  const executor = await Executor.open({ store, chainId: CHAIN_ID, alloc: parseAlloc(allocFor(accounts)) });
  let parent: { number: number; hash: Uint8Array } | undefined;
  return {
    name: '@ethereumjs/vm + LMDB (dst execute)',
    async block(transactions) {
      const [block] = verifiedBlocks(CHAIN_ID, [transactions], parent);
      const executed = await executor.execute(block!);
      const skipped = executed.outcomes.filter((o) => o.kind === 'skipped');
      if (skipped.length > 0) throw new Error(`ethereumjs skipped ${skipped.length}: ${JSON.stringify(skipped[0])}`);
      parent = { number: block!.number, hash: block!.hash };
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function edr(accounts: Wallet[]): Promise<Engine> {
  const chain = await edrChain(CHAIN_ID, accounts.map((w) => ({ address: w.address, balance: 10n ** 24n })));
  let timestamp = 1_700_000_000n;
  return {
    name: '@nomicfoundation/edr (provider, in memory)',
    async block(transactions) {
      const block = await chain.mine(transactions, timestamp++);
      if (block.transactions.length !== transactions.length) throw new Error(`edr mined ${block.transactions.length} of ${transactions.length}`);
    },
    close: async () => {},
  };
}

/** The three workloads, as blocks of raw transactions. */
function workloads(accounts: Wallet[]): Array<{ name: string; setup: Uint8Array[][]; blocks: Uint8Array[][] }> {
  const holder = accounts[0]!;
  const token = getContractAddress({ from: holder.address, nonce: 0n });
  const senders = accounts.slice(1, BLOCK + 1);
  return [
    { name: 'transfers', setup: [], blocks: Array.from({ length: BLOCKS }, (_, n) => transfers(CHAIN_ID, senders, n)) },
    {
      name: 'ERC-20 transfers',
      setup: [[deployErc20(CHAIN_ID, holder, 0)]],
      blocks: Array.from({ length: BLOCKS }, (_, n) => erc20Transfers(CHAIN_ID, holder, token, 1 + n * BLOCK, BLOCK)),
    },
    { name: 'ERC-20 deployments', setup: [], blocks: Array.from({ length: BLOCKS }, (_, n) => senders.slice(0, BLOCK / 4).map((w) => deployErc20(CHAIN_ID, w, n))) },
  ];
}

export async function run(): Promise<void> {
  const accounts = wallets(BLOCK + 1, 'dst-exec-bench');
  const loads = workloads(accounts);
  console.log(`blocks of ${BLOCK} transactions (deployments: ${BLOCK / 4}), ${BLOCKS} blocks per workload, after one warm-up block; Prague`);
  const rows: string[] = [];
  for (const load of loads) {
    const rates: string[] = [];
    for (const make of [ethereumjs, edr]) {
      const engine = await make(accounts);
      for (const block of load.setup) await engine.block(block);
      await engine.block(load.blocks[0]!);
      let count = 0;
      const start = performance.now();
      for (const block of load.blocks.slice(1)) {
        await engine.block(block);
        count += block.length;
      }
      const seconds = (performance.now() - start) / 1000;
      await engine.close();
      rates.push(`${engine.name}: ${(count / seconds).toFixed(0)} tx/s`);
    }
    rows.push(`${load.name.padEnd(20)} ${rates.join(' | ')}`);
    console.log(rows[rows.length - 1]);
  }
}
