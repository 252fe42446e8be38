/**
 * `dst devnet` with its execution node (issue 14), as a user runs it: a real `dst devnet` process
 * (4 `dst run` processes and one `dst execute`, from the sources) prints the development account with
 * its TEST-ONLY key and the execution RPC URL; there the account has its genesis balance from the
 * lock's alloc (eth_getBalance), a viem transfer from it executes (receipt, both balances moved by
 * value + gas × price), the devnet's load sends from the funded load accounts so its transfers execute
 * and none is skipped, and Ctrl-C (SIGTERM) stops the execution node with the cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, http, parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixedHex } from '../../src/bytes/index.js';
import { DEV_ACCOUNT, DEVNET_LOAD_BALANCE_WEI, devnetLoadKeys } from '../../src/devnet/index.js';
import { eventually, freeRange, startDevnet, type DevnetProcess } from '../helpers/devnet-process.js';

const CHAIN_ID = 913;
const chain = { id: CHAIN_ID, name: 'dst-devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] as string[] } } };

let root: string;
let devnet: DevnetProcess;
let executionUrl: string;

async function call(method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(executionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const answer = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-devnet-execute-'));
  const executionPort = (await freeRange(1)) + 1;
  devnet = await startDevnet(join(root, 'cluster'), 4, ['--block-time', '200', '--chain-id', String(CHAIN_ID), '--load', '5', '--execution-rpc-port', String(executionPort)]);
  executionUrl = (await devnet.line(/^execution up: rpc (\S+) \(dst execute, pid \d+/, 240_000))[1]!;
  expect(executionUrl).toBe(`http://127.0.0.1:${executionPort}/`);
}, 300_000);

afterAll(async () => {
  await devnet?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('dst devnet runs dst execute beside the cluster', () => {
  it('prints the development account with its TEST-ONLY key; it has its genesis balance at the execution RPC', async () => {
    const [, address, key] = (await devnet.line(/^dev account (0x[0-9a-f]{40}), 10000 ETH in the genesis alloc; private key (0x[0-9a-f]{64}) \(TEST ONLY/))!;
    // The printed key is the printed address's (viem derives it), and that account holds 10,000 ether.
    expect(privateKeyToAccount(key as Hex).address.toLowerCase()).toBe(address);
    expect(address).toBe(DEV_ACCOUNT.address);
    expect(BigInt(await call('eth_getBalance', [address, '0x0']))).toBe(10_000n * 10n ** 18n);
    expect(BigInt(await call('eth_chainId'))).toBe(BigInt(CHAIN_ID));
  });

  it('a transfer from the development account, sent to the execution RPC, is ordered, signed and executed', { timeout: 180_000 }, async () => {
    chain.rpcUrls.default.http = [executionUrl];
    const account = privateKeyToAccount(DEV_ACCOUNT.privateKey);
    const wallet = createWalletClient({ account, chain, transport: http(executionUrl) });
    const client = createPublicClient({ chain, transport: http(executionUrl), pollingInterval: 200 });
    const to = '0x00000000000000000000000000000000000000b0' as Hex;
    const before = await client.getBalance({ address: account.address });
    const hash = await wallet.sendTransaction({ to, value: parseEther('1.5') });
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 150_000 });
    expect(receipt.status).toBe('success');
    expect(await client.getBalance({ address: to, blockNumber: receipt.blockNumber })).toBe(parseEther('1.5'));
    expect(await client.getBalance({ address: account.address, blockNumber: receipt.blockNumber })).toBe(before - parseEther('1.5') - receipt.gasUsed * receipt.effectiveGasPrice);
    expect(await call('dst_getTransactionStatus', [hash])).toMatchObject({ status: 'included-executed' });
  });

  it("the load sends from the alloc's funded load accounts: their transfers execute, none skipped", { timeout: 180_000 }, async () => {
    const first = prefixedHex(devnetLoadKeys(1)[0]!.address);
    await eventually('the first load account has sent two executed transfers', async () => Number(await call('eth_getTransactionCount', [first, 'latest'])) >= 2, 150_000);
    expect(BigInt(await call('eth_getBalance', [first, 'latest']))).toBeLessThan(DEVNET_LOAD_BALANCE_WEI);
    const head = Number(await call('eth_blockNumber'));
    let transactions = 0;
    for (let n = 1; n <= head; n++) {
      const executed = await call('dst_executionOf', [`0x${n.toString(16)}`]);
      expect(executed.skipped).toBe(0);
      transactions += executed.executed;
    }
    expect(transactions).toBeGreaterThan(2);
  });

  it('(after the load) every node is pointed at it: a node RPC alone answers balances (forwarded) and refuses a key that cannot pay', { timeout: 120_000 }, async () => {
    const nodes = await devnet.nodesUp(4);
    const balance = BigInt(await call('eth_getBalance', [DEV_ACCOUNT.address, '0x0']));
    for (const { url } of nodes) {
      const client = createPublicClient({ chain, transport: http(url) });
      expect(await client.getBalance({ address: DEV_ACCOUNT.address as Hex, blockNumber: 0n })).toBe(balance);
    }
    // A fresh key holds nothing in the alloc: the node's admission asks the execution node and refuses
    // it. If the execution node did not answer in time (a loaded machine), the default policy admits
    // (src/node/funds.ts) and that transaction is skipped at execution: then a second fresh key, later.
    const reasons: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const poor = privateKeyToAccount(`0x${String(40 + attempt).repeat(32)}` as Hex);
      const signed = await poor.signTransaction({ chainId: CHAIN_ID, type: 'eip1559', to: DEV_ACCOUNT.address as Hex, value: 1n, nonce: 0, gas: 21_000n, maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 1n });
      const response = await fetch(nodes[0]!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [signed] }) });
      const answer = (await response.json()) as { error?: { message: string; data?: { reason?: string } } };
      reasons.push(answer.error === undefined ? 'admitted' : (answer.error.data?.reason ?? answer.error.message));
      if (answer.error !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    expect(reasons.at(-1), reasons.join(', ')).toMatch(/insufficient-funds/);
  });

  it('Ctrl-C (SIGTERM) stops the execution node with the nodes, and the devnet exits 0', { timeout: 60_000 }, async () => {
    await devnet.stop();
    expect(await devnet.exited).toBe(0);
    const lines = devnet.lines.filter((line) => /^(execution|stopping)/.test(line));
    expect(lines).toEqual([expect.stringMatching(/^execution up: rpc /), 'stopping 4 node(s) and the execution node: SIGTERM', 'execution stopped (exit 0)']);
  });
});
