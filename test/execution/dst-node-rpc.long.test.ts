/**
 * A wallet that talks ONLY to a DST node (`dst run --execution-rpc`), with real processes: a 1-node
 * cluster's `dst run --dir` pointed at a `dst execute` that follows it. viem's wallet and public
 * clients get the balance, estimate gas, send EIP-1559 and legacy transfers with nothing set by hand
 * (fees from the node's blocks and the forwarded fee methods), and get receipts — all through the DST
 * node. A poor key is refused at admission with `insufficient-funds`. A transaction the execution
 * skips (its fee below the base fee) uses its nonce up, so the sender's next transaction executes
 * (README "Formats", Execution). A request marked forwarded is not forwarded again by either process,
 * and the DST node's metrics label what it forwarded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, http, parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../e2e/cluster-process.js';
import { spawnDst, whenListening, type NodeProcess } from '../e2e/node-process.js';
import { allocFor, wallets, type Wallet } from '../helpers/execution-load.js';
import { freePort } from '../helpers/net.js';
import { waitForValue } from '../helpers/net.js';

const CHAIN_ID = 4713n;
const GWEI = 1_000_000_000n;
const [rich, skipper] = wallets(2, 'dst-node-rpc-exec');
const poor = wallets(1, 'dst-node-rpc-poor')[0]!;
const chain = { id: Number(CHAIN_ID), name: 'dst', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] as string[] } } };
const keyOf = (w: Wallet): Hex => `0x${Buffer.from(w.key).toString('hex')}`;

let cluster: TestCluster;
let dst: NodeProcess;
let exec: NodeProcess | undefined;
let dir: string;


const post = async (url: string, method: string, params: unknown[], headers: Record<string, string> = {}) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await response.json()) as { result?: any; error?: any };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dst-node-rpc-'));
  cluster = await TestCluster.create({ nodes: 1, threshold: 1, chainId: CHAIN_ID, blockTimeMs: 200 });
  const [dstPort, execPort] = [await freePort(), await freePort()];
  cluster.nodeArgs = () => ['--rpc-port', String(dstPort), '--execution-rpc', `http://127.0.0.1:${execPort}`];
  [dst] = await cluster.startAll();
  const allocFile = join(dir, 'alloc.json');
  // poor: less than 21,000 gas × 1 gwei — no transfer of it can pay
  writeFileSync(allocFile, JSON.stringify({ ...allocFor([rich!, skipper!]), [poor.address]: { balance: `0x${(21_000n * GWEI - 1n).toString(16)}` } }));
  const lockFile = join(cluster.nodeDir(1), 'cluster-lock.json');
  exec = await whenListening(spawnDst(['execute', '--follow', dst.wsUrl, '--lock', lockFile, '--alloc', allocFile, '--data-dir', join(dir, 'exec'), '--rpc-port', String(execPort), '--log-level', 'info']));
  chain.rpcUrls.default.http = [dst.url];
  // The DST node asks the execution's base fee each second until it answers: then its blocks carry it.
  await waitForValue('the base fee in the DST node\'s blocks', async () => ((await post(dst.url, 'eth_getBlockByNumber', ['latest', false])).result?.baseFeePerGas === '0x3b9aca00' ? true : undefined));
}, 240_000);

afterAll(async () => {
  await exec?.stop();
  await cluster?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('a wallet talking only to a DST node with --execution-rpc', () => {
  it('viem: balance, estimateGas, EIP-1559 and legacy sends with nothing set by hand, receipts, balances by value + gas × price', async () => {
    const account = privateKeyToAccount(keyOf(rich!));
    const wallet = createWalletClient({ account, chain, transport: http(dst.url) });
    const client = createPublicClient({ chain, transport: http(dst.url), pollingInterval: 200 });
    const to = '0x00000000000000000000000000000000000000aa' as Hex;
    expect(await client.getBalance({ address: account.address })).toBeGreaterThan(parseEther('1'));
    expect(await client.estimateGas({ account: account.address, to, value: 1n })).toBe(21_000n);
    for (const type of ['eip1559', 'legacy'] as const) {
      const before = await client.getBalance({ address: account.address });
      const hash = await wallet.sendTransaction({ to, value: parseEther('0.01'), type } as never);
      const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
      expect(receipt.status).toBe('success');
      expect(receipt.effectiveGasPrice).toBeGreaterThanOrEqual(GWEI);
      expect(await client.getBalance({ address: account.address, blockNumber: receipt.blockNumber })).toBe(before - parseEther('0.01') - receipt.gasUsed * receipt.effectiveGasPrice);
    }
    expect(await client.getBalance({ address: to })).toBe(parseEther('0.02'));
    const metrics = await (await fetch(new URL('/metrics', dst.url))).text();
    expect(metrics).toMatch(/dst_rpc_forwarded_total\{method="eth_getTransactionReceipt",outcome="answered"\} [1-9]/);
    expect(metrics).toMatch(/dst_rpc_forwarded_total\{method="eth_estimateGas",outcome="answered"\} [1-9]/);
    expect(metrics).toMatch(/dst_admission_funds_checks_total\{outcome="paid"\} [1-9]/);
  });

  it('a poor key is refused at admission with insufficient-funds', async () => {
    const account = privateKeyToAccount(keyOf(poor));
    const raw = await account.signTransaction({ chainId: Number(CHAIN_ID), type: 'eip1559', nonce: 0, to: '0x00000000000000000000000000000000000000bb', value: 0n, gas: 21_000n, maxFeePerGas: GWEI, maxPriorityFeePerGas: 0n });
    const refused = await post(dst.url, 'eth_sendRawTransaction', [raw]);
    expect(refused.error).toMatchObject({ code: -32000, data: { reason: 'insufficient-funds' } });
    expect(refused.error.message).toMatch(/insufficient funds: sender 0x[0-9a-f]{40} can spend 20999999999999 wei at executed block \d+, and this transaction may take 21000000000000/);
    const wallet = createWalletClient({ account, chain, transport: http(dst.url) });
    await expect(wallet.sendTransaction({ to: '0x00000000000000000000000000000000000000bb', value: 1n })).rejects.toThrow(/insufficient funds/i);
  });

  it('a transaction execution skips uses its nonce up: the sender\'s next transaction executes', async () => {
    const account = privateKeyToAccount(keyOf(skipper!));
    // Below the base fee: DST orders it (it does not price gas), execution skips it.
    const raw = await account.signTransaction({ chainId: Number(CHAIN_ID), type: 'eip1559', nonce: 0, to: '0x00000000000000000000000000000000000000cc', value: 1n, gas: 21_000n, maxFeePerGas: GWEI / 2n, maxPriorityFeePerGas: 0n });
    const hash = (await post(dst.url, 'eth_sendRawTransaction', [raw])).result as string;
    const status = await waitForValue('the skip', async () => {
      const answer = (await post(exec!.url, 'dst_getTransactionStatus', [hash])).result;
      return answer?.status === 'included-skipped' ? answer : undefined;
    });
    expect(status.reason).toBe('fee-below-base-fee');
    const client = createPublicClient({ chain, transport: http(dst.url), pollingInterval: 200 });
    expect(await client.getTransactionReceipt({ hash: hash as Hex }).catch(() => null)).toBeNull();
    expect(await client.getTransactionCount({ address: account.address })).toBe(1);
    const wallet = createWalletClient({ account, chain, transport: http(dst.url) });
    const next = await wallet.sendTransaction({ to: '0x00000000000000000000000000000000000000cc', value: 2n });
    const receipt = await client.waitForTransactionReceipt({ hash: next, timeout: 60_000 });
    expect(receipt.status).toBe('success');
    expect(await client.getBalance({ address: '0x00000000000000000000000000000000000000cc' })).toBe(2n);
    // the execution's account nonce agrees with the DST node's count
    expect((await post(exec!.url, 'eth_getTransactionCount', [account.address, 'latest'])).result).toBe('0x2');
  });

  it('no loops: a request marked forwarded is not forwarded again, by the DST node or by the execution node', async () => {
    const atDst = await post(dst.url, 'eth_getBalance', [rich!.address, 'latest'], { 'x-dst-forwarded': 'dst-execute' });
    expect(atDst.error).toMatchObject({ code: -32601 });
    expect(atDst.error.message).toMatch(/forwarding loop/);
    const atExec = await post(exec!.url, 'eth_sendRawTransaction', ['0x02'], { 'x-dst-forwarded': 'dst-node' });
    expect(atExec.error).toMatchObject({ code: -32601 });
    expect(atExec.error.message).toMatch(/forwarding loop/);
    // unmarked, the execution node's eth_sendRawTransaction reaches the DST node (and is judged there)
    const viaExec = await post(exec!.url, 'eth_sendRawTransaction', ['0x02c0']);
    expect(viaExec.error?.data?.reason).toBe('malformed');
  });
});
