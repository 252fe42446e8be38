/**
 * The executor (src/execution) on real signed transactions in blocks made by src/chain's real
 * `assembleBlock`, with its state in a real LMDB database: transfers and an ERC-20 change the state as
 * Ethereum does (checked against an independent EVM, @nomicfoundation/edr: same state and receipts
 * roots at every block); transactions that cannot start are skipped with their typed reason and no
 * receipt; two executors agree; a reopened store resumes at its head with the same state, and a block
 * out of order is refused; each block's header is stored apart (and derived for a database without),
 * and eth_getLogs decodes only the blocks whose header bloom may match.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getContractAddress, type Hex } from 'viem';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { prefixedHex } from '../../src/bytes/index.js';
import { Executor } from '../../src/execution/executor.js';
import { getLogs } from '../../src/execution/filters.js';
import { parseAlloc, AllocError } from '../../src/execution/genesis.js';
import { ExecutionStore, headerOf } from '../../src/execution/store.js';
import { open } from 'lmdb';
import type { ExecutedBlock } from '../../src/execution/types.js';
import { edrChain } from '../helpers/edr-oracle.js';
import { allocFor, deployErc20, erc20Transfers, signer, transfers, verifiedBlocks, wallets } from '../helpers/execution-load.js';

const CHAIN_ID = 901n;
const accounts = wallets(6, 'dst-executor-test');
const poor = wallets(1, 'dst-executor-poor')[0]!;
const BALANCE = 10n ** 21n;
const allocJson = { ...allocFor(accounts, BALANCE), [poor.address]: { balance: `0x${(21_000n * 2_000_000_000n + 10n ** 12n).toString(16)}` } };
const sign = signer(CHAIN_ID);
const token = getContractAddress({ from: accounts[0]!.address, nonce: 0n }) as Hex;

/**
 * Blocks 1..4: a deployment and transfers; a poor sender whose second transfer cannot pay; bad gas and
 * fees; bad nonces. A skipped transaction with the sender's account nonce uses that nonce up (DST's
 * rule: the sequencer never takes it again), so each sender's next transaction executes.
 */
function scenario(): Uint8Array[][] {
  return [
    [deployErc20(CHAIN_ID, accounts[0]!, 0), ...transfers(CHAIN_ID, accounts.slice(1), 0)],
    [...erc20Transfers(CHAIN_ID, accounts[0]!, token, 1, 3), sign(poor, { nonce: 0, to: accounts[1]!.address, value: 10n ** 12n })],
    [
      sign(poor, { nonce: 1, to: accounts[1]!.address, value: 1n }), // insufficient-funds: the first took nearly everything
      sign(accounts[1]!, { nonce: 1, to: accounts[2]!.address, value: 5n, gasLimit: 20_000n }), // intrinsic-gas-too-low
      sign(accounts[3]!, { nonce: 1, to: accounts[2]!.address, value: 5n, maxFeePerGas: 999_999_999n }), // fee-below-base-fee
      sign(accounts[4]!, { nonce: 1, to: accounts[2]!.address, value: 5n, gasLimit: 30_000_001n }), // gas-limit-above-cap
      sign(accounts[2]!, { nonce: 1, to: token, data: '0xa9059cbb', gasLimit: 60_000n }), // reverts: executed, status 0
      sign(accounts[0]!, { nonce: 0, to: accounts[2]!.address, value: 5n }), // nonce-too-low: changes nothing
      sign(accounts[5]!, { nonce: 1, to: poor.address, value: 10n ** 18n }),
    ],
    [
      sign(poor, { nonce: 2, to: accounts[1]!.address, value: 1n }), // executes: its skipped nonce 1 was used up
      sign(accounts[1]!, { nonce: 2, to: accounts[2]!.address, value: 5n }),
      sign(accounts[3]!, { nonce: 5, to: accounts[2]!.address, value: 5n }), // nonce-too-high: changes nothing
    ],
  ];
}

/** Per block, the senders whose skipped transaction used up their nonce: the nonce they have after it. */
const CONSUMED: Array<Array<[string, number]>> = [[], [], [[poor.address, 2], [accounts[1]!.address, 2], [accounts[3]!.address, 2], [accounts[4]!.address, 2]], []];

const dirs: string[] = [];
async function openExecutor(dir?: string): Promise<{ executor: Executor; store: ExecutionStore; dir: string }> {
  const path = dir ?? mkdtempSync(join(tmpdir(), 'dst-executor-'));
  if (dir === undefined) dirs.push(path);
  const store = new ExecutionStore(path);
  return { executor: await Executor.open({ store, chainId: CHAIN_ID, alloc: parseAlloc(allocJson) }), store, dir: path };
}

afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('executor', () => {
  const blocks = verifiedBlocks(CHAIN_ID, scenario());
  const executed: ExecutedBlock[] = [];

  it('executes blocks in order: receipts for executed transactions, typed reasons for skipped ones', async () => {
    const { executor, store } = await openExecutor();
    for (const block of blocks) executed.push(await executor.execute(block));
    const kinds = executed.map((b) => b.outcomes.map((o) => (o.kind === 'executed' ? `ok:${o.receipt.status}` : o.reason)));
    expect(kinds).toEqual([
      ['ok:1', 'ok:1', 'ok:1', 'ok:1', 'ok:1', 'ok:1'],
      ['ok:1', 'ok:1', 'ok:1', 'ok:1'],
      ['insufficient-funds', 'intrinsic-gas-too-low', 'fee-below-base-fee', 'gas-limit-above-cap', 'ok:0', 'nonce-too-low', 'ok:1'],
      ['ok:1', 'ok:1', 'nonce-too-high'],
    ]);
    const deployment = executed[0]!.outcomes[0]!;
    expect(deployment.kind === 'executed' && prefixedHex(deployment.receipt.contractAddress!)).toBe(token.toLowerCase());
    const transfer = executed[1]!.outcomes[0]!;
    expect(transfer.kind === 'executed' && transfer.receipt.logs.length).toBe(1);
    // a skipped transaction has no receipt and changed nothing but its sender's nonce: the poor sender's
    // nonce 1 was used up by its skip, nonce 2 executed; the nonce-too-high one left accounts[3] at 2
    const { createAddressFromString } = await import('@ethereumjs/util');
    const state = (executor as unknown as { state: { getAccount(a: unknown): Promise<{ nonce: bigint; balance: bigint } | undefined> } }).state;
    expect((await state.getAccount(createAddressFromString(poor.address)))?.nonce).toBe(3n);
    expect((await state.getAccount(createAddressFromString(accounts[3]!.address)))?.nonce).toBe(2n);
    expect((await state.getAccount(createAddressFromString(accounts[4]!.address)))?.nonce).toBe(2n);
    expect((await state.getAccount(createAddressFromString(accounts[0]!.address)))?.nonce).toBe(4n);
    expect(store.head()!.number).toBe(4);
    // cumulative gas is per executed transaction only
    const last = executed[1]!.outcomes.filter((o) => o.kind === 'executed').at(-1)!;
    expect(last.kind === 'executed' && last.receipt.cumulativeGasUsed).toBe(executed[1]!.gasUsed);
    await store.close();
  });

  it('agrees with an independent EVM (@nomicfoundation/edr) on every block: state root, receipts root, gas used', async () => {
    const edr = await edrChain(CHAIN_ID, Object.entries(allocJson).map(([address, a]) => ({ address, balance: BigInt(a.balance) })));
    for (const [i, block] of blocks.entries()) {
      // The nonces DST's rule uses up, set on EDR before the block (those senders run nothing else in it)
      for (const [address, nonce] of CONSUMED[i]!) await edr.call('hardhat_setNonce', [address, `0x${nonce.toString(16)}`]);
      // EDR's mempool refuses what cannot start, as DST execution skips it: feed it the executed ones
      const runnable = block.transactions.filter((_, k) => executed[i]!.outcomes[k]!.kind === 'executed');
      const mined = await edr.mine(runnable, block.header.timestampMs / 1000n);
      expect(mined.transactions).toHaveLength(runnable.length);
      expect({ stateRoot: prefixedHex(executed[i]!.stateRoot), receiptsRoot: prefixedHex(executed[i]!.receiptsRoot), gasUsed: BigInt(mined.gasUsed) }).toEqual({
        stateRoot: mined.stateRoot,
        receiptsRoot: mined.receiptsRoot,
        gasUsed: executed[i]!.gasUsed,
      });
    }
  });

  it('a second executor computes the same chain; a reopened one resumes at its head with the same state', async () => {
    const first = await openExecutor();
    await first.executor.execute(blocks[0]!);
    await first.executor.execute(blocks[1]!);
    await first.store.close();
    const reopened = await openExecutor(first.dir);
    expect(reopened.store.head()).toMatchObject({ number: 2, stateRoot: executed[1]!.stateRoot });
    await expect(reopened.executor.execute(blocks[1]!)).rejects.toThrow(/does not follow the executed head 2/);
    await expect(reopened.executor.execute(blocks[3]!)).rejects.toThrow(/does not follow/);
    for (const block of blocks.slice(2)) await reopened.executor.execute(block);
    for (const [i, block] of executed.entries()) expect(reopened.store.block(i + 1)!.stateRoot).toEqual(block.stateRoot);
    await reopened.store.close();
  });

  it('stores each block\'s header apart (what the state methods read); a database without headers derives them from its blocks', async () => {
    const { executor, store, dir } = await openExecutor();
    for (const block of blocks) await executor.execute(block);
    for (const number of [0, 1, 2, 3, 4]) {
      const header = store.header(number)!;
      expect(header).toEqual(headerOf(store.block(number)!));
      expect(Object.keys(header)).not.toContain('outcomes');
    }
    expect(store.header(5)).toBeUndefined();
    await store.close();
    // an older database: blocks written before the headers existed (their entries removed here)
    const env = open({ path: dir, maxDbs: 8 });
    const headers = env.openDB({ name: 'headers' });
    for (const number of [0, 1, 2, 3, 4]) await headers.remove(number);
    await env.close();
    const reopened = new ExecutionStore(dir);
    expect(reopened.header(3)).toEqual(headerOf(reopened.block(3)!));
    expect(reopened.header(3)!.stateRoot).toEqual(executed[2]!.stateRoot);
    await reopened.close();
  });

  it('following a backlog, it yields to the event loop between blocks (the JSON-RPC server is served meanwhile)', async () => {
    const { executor, store } = await openExecutor();
    async function* backlog() {
      yield* blocks;
    }
    const seen: number[] = [];
    let following = true;
    const watch = () => {
      if (!following) return; // the last callback may come after the store is closed
      seen.push(executor.headNumber());
      setImmediate(watch);
    };
    setImmediate(watch);
    await executor.follow(backlog());
    following = false;
    expect(executor.headNumber()).toBe(4);
    // heads seen by callbacks of the event loop while the four blocks ran: some between the first and last
    expect(seen.filter((head) => head > 0 && head < 4).length).toBeGreaterThan(0);
    await store.close();
  });

  it('eth_getLogs reads each block\'s header bloom first and decodes only blocks that may match', async () => {
    const { executor, store } = await openExecutor();
    for (const block of blocks) await executor.execute(block);
    const transferTopic = Buffer.from('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef', 'hex');
    const tokenAddress = Buffer.from(token.slice(2), 'hex');
    const blockReads = vi.spyOn(store, 'block');
    const decoded = () => blockReads.mock.calls.map(([number]) => number);
    const logs = getLogs(store, { from: 0, to: 4, addresses: [tokenAddress], topics: [[transferTopic]] }) as Array<{ blockNumber: string }>;
    // the three ERC-20 transfers of block 2, and whatever the deployment in block 1 emitted
    expect(logs.filter((l) => l.blockNumber === '0x2')).toHaveLength(3);
    expect(new Set(decoded())).toEqual(new Set(logs.map((l) => Number(l.blockNumber))));
    blockReads.mockClear();
    expect(getLogs(store, { from: 0, to: 4, addresses: [Buffer.alloc(20, 0xee)], topics: [] })).toEqual([]);
    expect(decoded()).toEqual([]);
    await store.close();
  });

  it('refuses a data dir started from another alloc, and malformed allocs with the account and field named', async () => {
    const { dir, store } = await openExecutor();
    await store.close();
    const other = new ExecutionStore(dir);
    await expect(Executor.open({ store: other, chainId: CHAIN_ID, alloc: parseAlloc({}) })).rejects.toThrow(/started from alloc 0x[0-9a-f]{64}, not this chain's/);
    await other.close();
    expect(() => parseAlloc({ '0x12': { balance: '0x1' } })).toThrow(AllocError);
    expect(() => parseAlloc({ [poor.address]: { balance: 'lots' } })).toThrow(/balance: expected a hex quantity/);
    expect(() => parseAlloc({ [poor.address]: { balance: '0x1', colour: 'red' } })).toThrow(/unknown field "colour"/);
  });
});
