/**
 * `dst execute` as its own process, following a real 4-node cluster (`dst run` processes over libp2p
 * on loopback) through `DstFollower`, with the real clients and nothing set by hand:
 *
 * - viem `sendTransaction` (EIP-1559, legacy, EIP-2930) + `waitForTransactionReceipt`, ethers
 *   `Wallet.sendTransaction` + `tx.wait()`, a default `cast send` + `cast receipt`: sent to the
 *   execution node, forwarded to the cluster, ordered, signed, followed, executed; balances move by
 *   value + gasUsed × effectiveGasPrice; an ERC-20 is deployed, transferred, read with eth_call and its
 *   Transfer logs found with eth_getLogs.
 * - A transaction that could not pay once its turn came is `included-skipped` (insufficient-funds)
 *   with no receipt.
 * - Two execution nodes following different DST nodes have the same state root at every block.
 * - One of them SIGKILLed mid-run and restarted on its data dir resumes after its last executed block:
 *   no block executed twice, the same state roots.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JsonRpcProvider, Wallet as EthersWallet } from 'ethers';
import { createPublicClient, createWalletClient, getContract, http, parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTransactionLoad, TestCluster, type TransactionLoad } from '../e2e/cluster-process.js';
import { testAccounts } from '../node/wallets.js';
import { rpc, spawnDst, whenListening, type NodeProcess } from '../e2e/node-process.js';
import { ERC20_ABI, erc20Bytecode } from '../helpers/erc20.js';
import { allocFor, wallets, type Wallet } from '../helpers/execution-load.js';
import { foundryBinary } from '../helpers/foundry.js';
import { waitForValue } from '../helpers/net.js';

const run = promisify(execFile);
const CHAIN_ID = 4712n;
const [viemW, ethersW, castW] = wallets(3, 'dst-devnet-exec');
const poor = wallets(1, 'dst-devnet-poor')[0]!;
const chain = { id: Number(CHAIN_ID), name: 'dst', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] as string[] } } };
const LOAD_SENDERS = 4;
const LOAD_SEED = 'dst-exec-load';
const keyOf = (w: Wallet): Hex => `0x${Buffer.from(w.key).toString('hex')}`;

let cluster: TestCluster;
let load: TransactionLoad | undefined;
let nodes: NodeProcess[];
let dir: string;
let lockFile: string;
let allocFile: string;
const executors: Record<'a' | 'b', NodeProcess | undefined> = { a: undefined, b: undefined };

function startExecute(name: 'a' | 'b', follow: NodeProcess[]): Promise<NodeProcess> {
  const args = ['execute', '--follow', follow.map((n) => n.wsUrl).join(','), '--lock', lockFile, '--alloc', allocFile, '--data-dir', join(dir, `exec-${name}`), '--rpc-port', '0', '--log-level', 'debug'];
  return whenListening(spawnDst(args));
}

const call = async (node: NodeProcess, method: string, params: unknown[] = []) => {
  const answer = await rpc(node.url, method, params);
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
};


/** Numbers of the blocks a process logged as executed, in order. */
const executedNumbers = (process: NodeProcess): number[] => process.logs.filter((l) => l.msg === 'executed').map((l) => l.number as number);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dst-exec-devnet-'));
  cluster = await TestCluster.create({ nodes: 4, threshold: 3, chainId: CHAIN_ID, blockTimeMs: 200 });
  nodes = await cluster.startAll();
  lockFile = join(cluster.nodeDir(1), 'cluster-lock.json');
  allocFile = join(dir, 'alloc.json');
  // The load senders (test/node/wallets.ts) are funded too, so their transfers execute.
  const loadSenders = Object.fromEntries(testAccounts(LOAD_SENDERS, LOAD_SEED).map((a) => [a.address, { balance: '0x3635c9adc5dea00000' }]));
  writeFileSync(allocFile, JSON.stringify({ ...loadSenders, ...allocFor([viemW!, ethersW!, castW!]), [poor.address]: { balance: `0x${(21_000n * 3_000_000_000n + 10n).toString(16)}` } }));
  [executors.a, executors.b] = await Promise.all([startExecute('a', [nodes[0]!, nodes[1]!]), startExecute('b', [nodes[2]!, nodes[3]!])]);
  chain.rpcUrls.default.http = [executors.a!.url];
}, 300_000); // 4 node processes and 2 execution processes starting on a shared 2-core machine

afterAll(async () => {
  await load?.stop();
  await Promise.all(Object.values(executors).map((p) => p?.stop()));
  await cluster?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('dst execute following a 4-node cluster', () => {
  it('viem: sends of every type with nothing set by hand, receipts, balances by value + gas × price, an ERC-20 with eth_call and eth_getLogs', async () => {
    const url = executors.a!.url;
    const account = privateKeyToAccount(keyOf(viemW!));
    const wallet = createWalletClient({ account, chain, transport: http(url) });
    const client = createPublicClient({ chain, transport: http(url), pollingInterval: 200 });
    const to = '0x00000000000000000000000000000000000000aa' as Hex;
    for (const type of ['eip1559', 'legacy', 'eip2930'] as const) {
      const before = await client.getBalance({ address: account.address });
      const hash = await wallet.sendTransaction({ to, value: parseEther('0.01'), type } as never);
      const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
      expect(receipt.status).toBe('success');
      expect(await client.getBalance({ address: account.address, blockNumber: receipt.blockNumber })).toBe(before - parseEther('0.01') - receipt.gasUsed * receipt.effectiveGasPrice);
    }
    const deployed = await client.waitForTransactionReceipt({ hash: await wallet.deployContract({ abi: ERC20_ABI, bytecode: erc20Bytecode(), args: [1000n] }), timeout: 60_000 });
    const token = getContract({ address: deployed.contractAddress!, abi: ERC20_ABI, client: { public: client, wallet } });
    const recipient = '0x00000000000000000000000000000000000000bb' as Hex;
    await client.waitForTransactionReceipt({ hash: await token.write.transfer([recipient, 25n]), timeout: 60_000 });
    expect(await token.read.balanceOf([recipient])).toBe(25n);
    const logs = await client.getContractEvents({ address: token.address, abi: ERC20_ABI, eventName: 'Transfer', fromBlock: 0n });
    expect(logs.map((l) => l.args.value)).toEqual([1000n, 25n]);
  });

  it('ethers v6: Wallet.sendTransaction + tx.wait(); cast send + cast receipt', async () => {
    // cacheTimeout -1: ethers caches identical calls (the pending nonce among them) for 250 ms by default.
    const provider = new JsonRpcProvider(executors.a!.url, Number(CHAIN_ID), { staticNetwork: true, pollingInterval: 200, cacheTimeout: -1 });
    const signer = new EthersWallet(keyOf(ethersW!), provider);
    const before = await provider.getBalance(signer.address);
    const tx = await signer.sendTransaction({ to: '0x00000000000000000000000000000000000000cc', value: 12345n });
    const receipt = (await tx.wait(1, 60_000))!;
    expect(receipt.status).toBe(1);
    expect(await provider.getBalance(signer.address, receipt.blockNumber)).toBe(before - 12345n - receipt.gasUsed * receipt.gasPrice);
    provider.destroy();

    const cast = await foundryBinary('cast');
    const sent = await run(cast, ['send', '--rpc-url', executors.a!.url, '--private-key', keyOf(castW!), '0x00000000000000000000000000000000000000dd', '--value', '1000', '--json'], { timeout: 90_000 });
    const castReceipt = JSON.parse(sent.stdout) as { status: string; transactionHash: string };
    expect(castReceipt.status).toBe('0x1');
    expect((await run(cast, ['receipt', '--rpc-url', executors.a!.url, castReceipt.transactionHash, 'status'])).stdout.trim()).toMatch(/^(1|true|success)$/);
  });

  it('a transaction that cannot pay when its turn comes is included-skipped, with no receipt', async () => {
    const account = privateKeyToAccount(keyOf(poor));
    const gas = { gas: 21_000n, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 0n, chainId: Number(CHAIN_ID), type: 'eip1559' as const };
    // The first can pay gas × maxFeePerGas + value (with 9 wei to spare); after it paid 21,000 × 1 gwei + 1, the second cannot.
    const first = await account.signTransaction({ ...gas, nonce: 0, to: '0x00000000000000000000000000000000000000ee', value: 1n });
    const second = await account.signTransaction({ ...gas, nonce: 1, to: '0x00000000000000000000000000000000000000ee', value: 1n });
    const [h1, h2] = [await call(executors.a!, 'eth_sendRawTransaction', [first]), await call(executors.a!, 'eth_sendRawTransaction', [second])];
    const status = await waitForValue('the second transaction executed', async () => {
      const s = await call(executors.a!, 'dst_getTransactionStatus', [h2]);
      return s.status.startsWith('included-') ? s : undefined;
    });
    expect(status).toMatchObject({ status: 'included-skipped', reason: 'insufficient-funds' });
    expect(await call(executors.a!, 'eth_getTransactionReceipt', [h2])).toBeNull();
    expect(await call(executors.a!, 'dst_getTransactionStatus', [h1])).toMatchObject({ status: 'included-executed' });
  });

  it('two execution nodes following different DST nodes agree at every block; a SIGKILLed one resumes where it stopped', { timeout: 240_000 }, async () => {
    const headOf = async (p: NodeProcess) => Number(await call(p, 'eth_blockNumber'));
    // Blocks keep coming (the cluster makes a block when it has transactions): transfers to the DST nodes.
    load = startTransactionLoad({ chainId: Number(CHAIN_ID), senders: LOAD_SENDERS, seed: LOAD_SEED, target: (s) => ({ index: 1 + (s % 4), url: nodes[s % 4]!.url }), intervalMs: 100 });
    await waitForValue('a few executed blocks of load', async () => ((await headOf(executors.a!)) >= (await headOf(executors.b!)) && (await headOf(executors.b!)) >= 8 ? true : undefined), 90_000);
    const a = executors.a!;
    const killedAt = await headOf(a);
    await a.kill();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    executors.a = await startExecute('a', [nodes[1]!, nodes[0]!]);
    const target = (await headOf(executors.b!)) + 5;
    try {
      await waitForValue('both execution nodes past the target', async () => ((await headOf(executors.a!)) >= target && (await headOf(executors.b!)) >= target ? true : undefined), 90_000);
    } catch (error) {
      console.log('restarted a:', executors.a!.logs.slice(-20), 'b head', await headOf(executors.b!), 'a head', await headOf(executors.a!), 'target', target);
      throw error;
    }
    // no block executed twice across the kill: each process's executed numbers continue the previous one's
    const before = executedNumbers(a);
    const after = executedNumbers(executors.a!);
    expect(before.at(-1)).toBeGreaterThanOrEqual(killedAt);
    expect(after[0]).toBe(before.at(-1)! + 1);
    expect([...before, ...after]).toEqual(Array.from({ length: before.length + after.length }, (_, i) => before[0]! + i));
    await load.stop();
    for (let n = 1; n <= target; n++) {
      const [x, y] = await Promise.all([call(executors.a!, 'dst_executionOf', [`0x${n.toString(16)}`]), call(executors.b!, 'dst_executionOf', [`0x${n.toString(16)}`])]);
      expect(x).toEqual(y);
      // the load's senders are funded: from the kill on, nothing is skipped
      if (n > killedAt) expect(x.skipped).toBe(0);
    }
  });
});
