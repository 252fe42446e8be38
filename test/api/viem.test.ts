/**
 * A real Ethereum client library parses our responses: viem's public client over its `http()` and
 * `webSocket()` transports — getChainId, getBlockNumber, getBlock (hashes and full transactions),
 * getTransaction for every transaction kind (compared with @ethereumjs/tx's own fields), sending raw
 * transactions and its error for a rejected one, and watchBlocks (polling over HTTP, eth_subscribe
 * over WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, webSocket, type PublicClient } from 'viem';
import type { TypedTransaction } from '@ethereumjs/tx';
import { makeSignedTransactionObjects } from '../helpers/transactions.js';
import { CHAIN_ID, startFixture, toHex, type Fixture } from './fixture.js';

const txs = makeSignedTransactionObjects(16, { chainId: Number(CHAIN_ID), seed: 21 });
const viemType: Record<number, string> = { 0: 'legacy', 1: 'eip2930', 2: 'eip1559' };

describe.each(['http', 'webSocket'] as const)('viem public client over %s', (transport) => {
  let f: Fixture;
  let client: PublicClient;
  beforeAll(async () => {
    f = await startFixture();
    client = createPublicClient({
      transport: transport === 'http' ? http(f.server.url, { retryCount: 0 }) : webSocket(f.server.wsUrl, { retryCount: 0 }),
      pollingInterval: 20,
    }) as PublicClient;
  });
  afterAll(async () => {
    if (transport === 'webSocket') await (await (client.transport as any).getRpcClient()).close();
    await f.server.close();
  });

  it('getChainId, getBlockNumber, sendRawTransaction', async () => {
    expect(await client.getChainId()).toBe(Number(CHAIN_ID));
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(0n);
    for (const tx of txs) {
      expect(await client.sendRawTransaction({ serializedTransaction: toHex(tx.serialize()) })).toBe(toHex(tx.hash()));
    }
  });

  it('getTransaction parses every kind, pending and included', async () => {
    const check = async (tx: TypedTransaction, included: boolean) => {
      const parsed = await client.getTransaction({ hash: toHex(tx.hash()) });
      expect(parsed.hash).toBe(toHex(tx.hash()));
      expect(parsed.type).toBe(viemType[tx.type]);
      expect(parsed.from).toBe(tx.getSenderAddress().toString());
      expect(parsed.to).toBe(tx.to!.toString());
      expect(BigInt(parsed.nonce)).toBe(tx.nonce);
      expect(parsed.gas).toBe(tx.gasLimit);
      expect(parsed.value).toBe(tx.value);
      expect(parsed.input).toBe(toHex(tx.data));
      expect(parsed.r).toBe(`0x${tx.r!.toString(16)}`);
      expect(parsed.s).toBe(`0x${tx.s!.toString(16)}`);
      expect(parsed.v).toBe(tx.v);
      const protectedTx = tx.type !== 0 || tx.v! >= 35n;
      expect(parsed.chainId).toBe(protectedTx ? Number(CHAIN_ID) : undefined);
      if (tx.type !== 0) {
        expect(parsed.yParity).toBe(Number(tx.v));
        expect(parsed.accessList).toEqual(
          (tx as unknown as { accessList: [Uint8Array, Uint8Array[]][] }).accessList.map(([address, keys]) => ({ address: toHex(address), storageKeys: keys.map(toHex) })),
        );
      }
      if (tx.type === 2) {
        const fees = tx as unknown as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
        expect(parsed.maxFeePerGas).toBe(fees.maxFeePerGas);
        expect(parsed.maxPriorityFeePerGas).toBe(fees.maxPriorityFeePerGas);
      } else {
        expect(parsed.gasPrice).toBe((tx as unknown as { gasPrice: bigint }).gasPrice);
      }
      if (included) {
        expect(parsed.blockNumber).toBe(1n);
        expect(parsed.blockHash).toBe(toHex(f.sequencer.blocks[1]!.block.hash));
        expect(parsed.transactionIndex).toBe(f.sequencer.blocks[1]!.block.transactionHashes.findIndex((h) => toHex(h) === toHex(tx.hash())));
      } else {
        expect(parsed.blockNumber).toBeNull();
        expect(parsed.blockHash).toBeNull();
        expect(parsed.transactionIndex).toBeNull();
      }
    };
    for (const tx of txs) await check(tx, false);
    f.sequencer.produceBlock(1_700_000_000_500n);
    for (const tx of txs) await check(tx, true);
  });

  it('getBlock with hashes and with full transactions', async () => {
    const { block, signature } = f.sequencer.blocks[1]!;
    const latest = await client.getBlock();
    expect(latest.number).toBe(1n);
    expect(latest.hash).toBe(toHex(block.hash));
    expect(latest.parentHash).toBe(toHex(block.header.parentHash));
    expect(latest.timestamp).toBe(1_700_000_000n);
    expect(latest.transactionsRoot).toBe(toHex(block.header.transactionsRoot));
    expect(latest.baseFeePerGas).toBe(0n);
    expect(latest.transactions).toEqual(block.transactionHashes.map(toHex));
    expect((latest as unknown as { sequencerSignature: string }).sequencerSignature).toBe(toHex(signature));
    const full = await client.getBlock({ blockHash: toHex(block.hash), includeTransactions: true });
    expect(full.transactions.map((tx) => tx.hash)).toEqual(block.transactionHashes.map(toHex));
    expect(full.transactions.every((tx) => tx.blockNumber === 1n)).toBe(true);
    expect((await client.getBlock({ blockTag: 'earliest' })).number).toBe(0n);
    expect((await client.getBlock({ blockTag: 'finalized' })).number).toBe(1n);
  });

  it('a rejected transaction surfaces as an RPC error with our message', async () => {
    await expect(client.sendRawTransaction({ serializedTransaction: toHex(txs[0]!.serialize()) })).rejects.toThrow(/already in a block/);
  });

  it('watchBlocks sees each new block', async () => {
    const seen: bigint[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const unwatch = client.watchBlocks({
        emitOnBegin: false,
        onBlock: (block) => {
          seen.push(block.number!);
          if (block.number === 4n) {
            unwatch();
            resolve();
          }
        },
        onError: reject,
      });
    });
    // Over HTTP, viem polls; produce the blocks one by one after it has seen the previous one.
    for (let number = 2n; number <= 4n; number++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      f.sequencer.produceBlock(1_700_000_000_500n + number * 250n);
      if (transport === 'http') while (!seen.includes(number)) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await done;
    // viem's polling may also report the head it started from (block 1); every new block exactly once.
    expect(seen.filter((number) => number >= 2n)).toEqual([2n, 3n, 4n]);
    expect(seen.every((number, i) => i === 0 || number === seen[i - 1]! + 1n)).toBe(true);
  });
});
