/**
 * The EVM for `dst execute`: @ethereumjs/vm (TypeScript, the Ethereum Foundation's) as `dst execute`
 * runs it — src/execution's Executor, state in LMDB, one commit per block — against
 * @nomicfoundation/edr (Hardhat's Rust EVM, revm inside) driven the only way it can be embedded: as a
 * provider, its mempool fed with `eth_sendRawTransaction` and a block mined with `evm_mine` (its state
 * is in memory only; test/helpers/edr-oracle.ts, the same set-up the tests use as their oracle). Same real signed EIP-1559 transactions, same alloc, hard fork Prague, on one
 * core: simple transfers, ERC-20 transfers (a fresh recipient each, solc-compiled token) and ERC-20
 * deployments, in blocks of `BLOCK` transactions. Also against anvil (Foundry's node, revm inside), a
 * real process on 127.0.0.1 (`--no-mining`, the block's transactions sent as one JSON-RPC batch of
 * eth_sendRawTransaction, then `evm_mine`; its time includes that JSON-RPC and its own threads). Prints
 * transactions per second (wall) and per CPU second (this process's, user + system, for the in-process
 * engines; anvil's from /proc/<pid>/stat) for each engine, and ethereumjs's ratio to EDR and to anvil
 * (bench/harness.ts `figure`); every engine must include every transaction of every block.
 * `EXEC_BENCH_BLOCK` (400) transactions a block, `EXEC_BENCH_BLOCKS` (6) blocks a workload: the first
 * is the warm-up (the JIT's), the others are measured.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getContractAddress } from 'viem';
import { prefixedHex } from '../src/bytes/index.js';
import { Executor } from '../src/execution/executor.js';
import { parseAlloc } from '../src/execution/genesis.js';
import { ExecutionStore } from '../src/execution/store.js';
import { edrChain } from '../test/helpers/edr-oracle.js';
import { allocFor, deployErc20, erc20Transfers, transfers, verifiedBlocks, wallets, type Wallet } from '../test/helpers/execution-load.js';
import { foundryBinary } from '../test/helpers/foundry.js';
import { freePort, waitForValue } from '../test/helpers/net.js';
import { processFootprint } from './footprint.js';
import { figure } from './harness.js';

const CHAIN_ID = 901n;
const BLOCK = Number(process.env.EXEC_BENCH_BLOCK ?? 400);
const BLOCKS = Number(process.env.EXEC_BENCH_BLOCKS ?? 6);

interface Engine {
  name: string;
  /** Executes one block of raw transactions; resolves when it is committed. */
  block(transactions: Uint8Array[]): Promise<void>;
  /** CPU seconds used so far by the process that executes (all its threads). */
  cpuSeconds(): Promise<number>;
  close(): Promise<void>;
}

/** This process's CPU seconds (user + system, all threads): the in-process engines'. */
const ownCpuSeconds = async (): Promise<number> => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function ethereumjs(accounts: Wallet[]): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'dst-exec-bench-'));
  const store = new ExecutionStore(dir);
  const executor = await Executor.open({ store, chainId: CHAIN_ID, alloc: parseAlloc(allocFor(accounts)) });
  let parent: { number: number; hash: Uint8Array } | undefined;
  return {
    name: '@ethereumjs/vm + LMDB (dst execute)',
    cpuSeconds: ownCpuSeconds,
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
    cpuSeconds: ownCpuSeconds,
    async block(transactions) {
      const block = await chain.mine(transactions, timestamp++);
      if (block.transactions.length !== transactions.length) throw new Error(`edr mined ${block.transactions.length} of ${transactions.length}`);
    },
    close: async () => {},
  };
}

/** JSON-RPC over HTTP: one call, or a batch (answers in request order); any error throws. */
async function rpc(url: string, calls: Array<[string, unknown[]]>): Promise<unknown[]> {
  const body = calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }));
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answers = (await response.json()) as Array<{ id: number; result?: unknown; error?: { message: string } }>;
  const failed = answers.find((a) => a.error !== undefined);
  if (failed || answers.length !== calls.length) throw new Error(`${calls[failed?.id ?? 0]![0]}: ${failed?.error?.message ?? `${answers.length} answers to ${calls.length} calls`}`);
  return answers.sort((a, b) => a.id - b.id).map((a) => a.result);
}

/**
 * anvil at Prague with the bench's chain id, on a free loopback port, no automatic mining, FIFO
 * mempool (each workload keeps one order: distinct senders, or one sender's increasing nonces), a block
 * gas limit no block reaches, base fee 1 gwei as dst execute's, the accounts funded with
 * anvil_setBalance; stopped by its pid.
 */
async function anvil(accounts: Wallet[]): Promise<Engine> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['--host', '127.0.0.1', '--port', String(port), '--hardfork', 'prague', '--chain-id', String(CHAIN_ID), '--no-mining', '--order', 'fifo', '--gas-limit', '1000000000000', '--base-fee', '1000000000', '--accounts', '0', '--quiet'];
  const child = spawn(await foundryBinary('anvil'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    await exited;
  };
  try {
    await waitForValue(`anvil on ${url}${stderr ? ` (${stderr.trim()})` : ''}`, async () => (await rpc(url, [['eth_chainId', []]]))[0] as string, 30_000);
    await rpc(url, accounts.map((w) => ['anvil_setBalance', [w.address, `0x${(10n ** 24n).toString(16)}`]]));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name: 'anvil (revm, process, JSON-RPC)',
    cpuSeconds: async () => (await processFootprint(child.pid!)).cpuSeconds,
    async block(transactions) {
      await rpc(url, transactions.map((raw) => ['eth_sendRawTransaction', [prefixedHex(raw)]]));
      await rpc(url, [['evm_mine', []]]);
      const [block] = (await rpc(url, [['eth_getBlockByNumber', ['latest', false]]])) as Array<{ transactions: string[] }>;
      if (block!.transactions.length !== transactions.length) throw new Error(`anvil mined ${block!.transactions.length} of ${transactions.length}`);
    },
    close: stop,
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
  console.log(`blocks of ${BLOCK} transactions (deployments: ${BLOCK / 4}), ${BLOCKS} blocks per workload, after one warm-up block; Prague; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const load of loads) {
    const rates: Array<{ name: string; perSecond: number; perCpuSecond: number }> = [];
    for (const make of [ethereumjs, edr, anvil]) {
      const engine = await make(accounts);
      try {
        for (const block of load.setup) await engine.block(block);
        await engine.block(load.blocks[0]!);
        let count = 0;
        const [start, cpuStart] = [performance.now(), await engine.cpuSeconds()];
        for (const block of load.blocks.slice(1)) {
          await engine.block(block);
          count += block.length;
        }
        const seconds = (performance.now() - start) / 1000;
        rates.push({ name: engine.name, perSecond: count / seconds, perCpuSecond: count / ((await engine.cpuSeconds()) - cpuStart) });
      } finally {
        await engine.close();
      }
    }
    const [subject, ...peers] = rates as [(typeof rates)[0], ...typeof rates];
    for (const peer of peers) figure({ name: `execution, ${load.name}: ${subject.name}`, value: subject.perSecond, unit: 'tx/s', peer: peer.name, ratio: subject.perSecond / peer.perSecond });
    for (const peer of peers) figure({ name: `execution, ${load.name}: ${peer.name}`, value: peer.perSecond, unit: 'tx/s' });
    // CPU time: what the machine's load (other processes on the shared cores) disturbs least.
    for (const peer of peers) figure({ name: `execution, ${load.name}, per CPU second: ${subject.name}`, value: subject.perCpuSecond, unit: 'tx/CPU-s', peer: peer.name, ratio: subject.perCpuSecond / peer.perCpuSecond });
    for (const peer of peers) figure({ name: `execution, ${load.name}, per CPU second: ${peer.name}`, value: peer.perCpuSecond, unit: 'tx/CPU-s' });
  }
}
