/**
 * The wallet path with the three clients Ethereum developers use — viem, ethers v6 and Foundry's cast —
 * and nothing filled in by hand (no gas, fee or nonce): each sends to a real execution node
 * (`startExecutionNode`: @ethereumjs/vm, LMDB, the JSON-RPC server), which forwards
 * eth_sendRawTransaction to a DST API server over the in-memory sequencer (test/api/memory-sequencer.ts:
 * the real pool, block building and BLS signing), whose signed blocks the execution node executes. Then
 * each waits for its receipt the client's own way, and the balances must have moved by exactly value +
 * gasUsed × effectiveGasPrice. An ERC-20 is deployed and transferred, read with eth_call, and its
 * Transfer logs filtered with eth_getLogs. (The same against real node processes and the follower:
 * test/execution/devnet.long.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JsonRpcProvider, Wallet as EthersWallet, Contract, ContractFactory } from 'ethers';
import { createPublicClient, createWalletClient, getContract, http, parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, startApiServer, type ApiServer } from '../../src/api/index.js';
import { parseAlloc } from '../../src/execution/genesis.js';
import { startExecutionNode, type ExecutionNode } from '../../src/execution/node.js';
import { MemorySequencer } from '../api/memory-sequencer.js';
import { BlockQueue, verifiedOf } from '../helpers/block-queue.js';
import { ERC20_ABI, erc20Bytecode } from '../helpers/erc20.js';
import { foundryBinary } from '../helpers/foundry.js';
import { allocFor, wallets } from '../helpers/execution-load.js';

const run = promisify(execFile);
const CHAIN_ID = 31337n;
const [viemKey, ethersKey, castKey] = wallets(3, 'dst-wallets');
const chain = { id: Number(CHAIN_ID), name: 'dst', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] as string[] } } };

let sequencer: MemorySequencer;
let dstServer: ApiServer;
let node: ExecutionNode;
let url: string;
let producer: NodeJS.Timeout;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dst-wallets-'));
  const logger = createLogger({ level: 'warn', name: 'test' });
  sequencer = new MemorySequencer(CHAIN_ID);
  dstServer = await startApiServer(sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger });
  const queue = new BlockQueue();
  sequencer.onBlock((signed) => queue.push(verifiedOf(signed)));
  node = await startExecutionNode({
    dataDir: dir,
    chainId: CHAIN_ID,
    alloc: parseAlloc(allocFor([viemKey!, ethersKey!, castKey!])),
    follow: (checkpoint) => ({ blocks: queue.blocks(checkpoint.number), close: () => queue.close() }),
    upstream: [dstServer.wsUrl],
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logger,
  });
  url = node.server.url;
  chain.rpcUrls.default.http = [url];
  // Stands in for the cluster's block time.
  producer = setInterval(() => sequencer.produceBlock(BigInt(Date.now())), 200);
});

afterAll(async () => {
  clearInterval(producer);
  await node?.close();
  await dstServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('wallets against dst execute, nothing set by hand', () => {
  it('viem: sendTransaction (EIP-1559 and legacy), waitForTransactionReceipt, balances by value + gas × price', async () => {
    const account = privateKeyToAccount(`0x${Buffer.from(viemKey!.key).toString('hex')}`);
    const wallet = createWalletClient({ account, chain, transport: http(url) });
    const client = createPublicClient({ chain, transport: http(url, { batch: false }), pollingInterval: 100 });
    const to = '0x00000000000000000000000000000000000000aa' as Hex;
    for (const type of ['eip1559', 'legacy', 'eip2930'] as const) {
      const before = await client.getBalance({ address: account.address });
      const toBefore = await client.getBalance({ address: to });
      const hash = await wallet.sendTransaction({ to, value: parseEther('0.01'), type } as never);
      const receipt = await client.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe('success');
      expect(await client.getBalance({ address: to })).toBe(toBefore + parseEther('0.01'));
      expect(await client.getBalance({ address: account.address })).toBe(before - parseEther('0.01') - receipt.gasUsed * receipt.effectiveGasPrice);
    }
  });

  it('viem: deploys an ERC-20, transfers, reads balanceOf with eth_call and the Transfer logs with eth_getLogs', async () => {
    const account = privateKeyToAccount(`0x${Buffer.from(viemKey!.key).toString('hex')}`);
    const wallet = createWalletClient({ account, chain, transport: http(url) });
    const client = createPublicClient({ chain, transport: http(url), pollingInterval: 100 });
    const deploy = await wallet.deployContract({ abi: ERC20_ABI, bytecode: erc20Bytecode(), args: [1000n] });
    const deployed = await client.waitForTransactionReceipt({ hash: deploy });
    expect(deployed.status).toBe('success');
    const token = getContract({ address: deployed.contractAddress!, abi: ERC20_ABI, client: { public: client, wallet } });
    const recipient = '0x00000000000000000000000000000000000000bb' as Hex;
    const transfer = await token.write.transfer([recipient, 25n]);
    const transferred = await client.waitForTransactionReceipt({ hash: transfer });
    expect(transferred.logs).toHaveLength(1);
    expect(await token.read.balanceOf([recipient])).toBe(25n);
    expect(await token.read.balanceOf([account.address])).toBe(975n);
    const logs = await client.getContractEvents({ address: token.address, abi: ERC20_ABI, eventName: 'Transfer', fromBlock: 0n });
    expect(logs.map((l) => [l.args.from, l.args.to, l.args.value])).toEqual([
      ['0x0000000000000000000000000000000000000000', account.address, 1000n],
      [account.address, recipient, 25n],
    ]);
  });

  it('ethers v6: Wallet.sendTransaction + tx.wait(), and an ERC-20 through ContractFactory', async () => {
    // cacheTimeout -1: ethers caches identical calls for 250 ms by default, so a second send within that
    // time (the ERC-20 transfer right after its deployment) would reuse the cached pending nonce.
    const provider = new JsonRpcProvider(url, Number(CHAIN_ID), { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    const signer = new EthersWallet(`0x${Buffer.from(ethersKey!.key).toString('hex')}`, provider);
    const to = '0x00000000000000000000000000000000000000cc';
    const before = await provider.getBalance(signer.address);
    const tx = await signer.sendTransaction({ to, value: 12345n });
    const receipt = (await tx.wait())!;
    expect(receipt.status).toBe(1);
    expect(await provider.getBalance(to)).toBe(12345n);
    expect(await provider.getBalance(signer.address)).toBe(before - 12345n - receipt.gasUsed * receipt.gasPrice);
    const factory = new ContractFactory(ERC20_ABI as never, erc20Bytecode(), signer);
    const token = (await factory.deploy(500n)) as unknown as Contract;
    await token.waitForDeployment();
    const sent = await token.getFunction('transfer')(to, 7n);
    expect((await sent.wait()).status).toBe(1);
    expect(await token.getFunction('balanceOf')(to)).toBe(7n);
    provider.destroy();
  });

  it('cast: a default `cast send` and `cast receipt`, then `cast balance`', async () => {
    const cast = await foundryBinary('cast');
    const key = `0x${Buffer.from(castKey!.key).toString('hex')}`;
    const to = '0x00000000000000000000000000000000000000dd';
    const sent = await run(cast, ['send', '--rpc-url', url, '--private-key', key, to, '--value', '1000', '--json'], { timeout: 60_000 });
    const receipt = JSON.parse(sent.stdout) as { status: string; transactionHash: string };
    expect(receipt.status).toBe('0x1');
    const again = await run(cast, ['receipt', '--rpc-url', url, receipt.transactionHash, 'status'], { timeout: 30_000 });
    expect(again.stdout.trim()).toMatch(/^(1|true|success)$/);
    const balance = await run(cast, ['balance', '--rpc-url', url, to], { timeout: 30_000 });
    expect(balance.stdout.trim()).toBe('1000');
  });
});
