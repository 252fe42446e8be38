/**
 * End to end with a real Ethereum client library (issue 6 "Tests"): a `dst run --single` process; viem
 * signs 1,000 transactions from 20 senders (EIP-1559 and EIP-155 legacy) and sends them over JSON-RPC
 * (20 concurrent senders, each in nonce order). Checked: every accepted transaction appears exactly
 * once, in nonce order per sender, in signed blocks; each block's signature verifies with blst against
 * the group key over the recomputed signing root (round included); each block's transactionsRoot
 * equals @ethereumjs/block's over the transactions parsed by @ethereumjs/tx; viem's getBlock and
 * getTransaction parse the node's responses and give back what was signed; the node's rejections over
 * RPC carry -32000 and the reason, and it keeps serving.
 *
 * DST_E2E_TRANSACTIONS sets the total (default 1,000; a multiple of 20).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genTransactionsTrieRoot } from '@ethereumjs/block';
import { createCustomCommon, Mainnet } from '@ethereumjs/common';
import { RLP } from '@ethereumjs/rlp';
import { createTxFromRLP } from '@ethereumjs/tx';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createPublicClient, defineChain, http, parseTransaction as viemParseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTransfers, testAccounts } from '../node/wallets.js';
import { bytes, rpc, startNodeProcess, verifySignedBlock, type NodeProcess } from './node-process.js';

const CHAIN_ID = 903;
const SENDERS = 20;
const TOTAL = Number(process.env.DST_E2E_TRANSACTIONS ?? 1000);
const PER_SENDER = TOTAL / SENDERS;

const bigintBytes = (value: bigint): Uint8Array => (value === 0n ? new Uint8Array(0) : bytes(value.toString(16).padStart(Math.ceil(value.toString(16).length / 2) * 2, '0')));
const toHex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`;

describe('dst run --single with viem', () => {
  let dataDir: string;
  let node: NodeProcess;

  beforeAll(async () => {
    if (!Number.isInteger(PER_SENDER) || PER_SENDER < 2) throw new Error(`DST_E2E_TRANSACTIONS must be a multiple of ${SENDERS} (≥ ${2 * SENDERS}), got ${TOTAL}`);
    dataDir = await mkdtemp(join(tmpdir(), 'dst-e2e-viem-'));
    node = await startNodeProcess({ dataDir, chainId: BigInt(CHAIN_ID), blockTimeMs: 50 });
  });

  afterAll(async () => {
    if (node) {
      node.signal('SIGTERM');
      expect(await node.exited).toBe(0);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`${TOTAL} transactions from ${SENDERS} senders: included once each, in nonce order, in verified signed blocks`, async () => {
    const chain = defineChain({
      id: CHAIN_ID,
      name: 'dst-e2e',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [node.url] } },
    });
    const client = createPublicClient({ chain, transport: http(node.url, { batch: false }) });
    expect(await client.getChainId()).toBe(CHAIN_ID);

    const accounts = testAccounts(SENDERS, 'dst-viem');
    const signed = await Promise.all(accounts.map((a) => signTransfers(a, CHAIN_ID, 0, PER_SENDER)));
    const accepted = new Set<Hex>();
    await Promise.all(
      signed.map(async (transactions) => {
        for (const serializedTransaction of transactions) {
          const hash = await client.sendRawTransaction({ serializedTransaction });
          expect(hash).toBe(toHex(keccak_256(bytes(serializedTransaction))));
          accepted.add(hash);
        }
      }),
    );
    expect(accepted.size).toBe(TOTAL);

    // Wait for inclusion of the last transaction of every sender (the others precede it by nonce order).
    for (const transactions of signed) {
      const last = toHex(keccak_256(bytes(transactions.at(-1)!)));
      for (;;) {
        const tx = await client.getTransaction({ hash: last });
        if (tx.blockNumber !== null) break;
        await new Promise((r) => setTimeout(r, 25));
      }
    }

    const common = createCustomCommon({ chainId: CHAIN_ID }, Mainnet);
    const head = await client.getBlockNumber();
    const included = new Map<Hex, number>();
    const nextNonce = new Map<string, number>();
    let parentHash = (await client.getBlock({ blockNumber: 0n })).hash;
    for (let n = 1n; n <= head; n++) {
      const block = await client.getBlock({ blockNumber: n, includeTransactions: true });
      expect(block.number).toBe(n);
      expect(block.parentHash).toBe(parentHash);
      parentHash = block.hash;
      const signedBlock = (await rpc(node.url, 'dst_getSignedBlock', [toHex(bytes(block.hash))])).result;
      expect(signedBlock.hash).toBe(block.hash);
      expect(verifySignedBlock(signedBlock, node.groupPublicKey)).toBe(true);
      const parsed = (signedBlock.transactions as Hex[]).map((raw) => createTxFromRLP(bytes(raw), { common }));
      expect(toHex(await genTransactionsTrieRoot(parsed))).toBe(block.transactionsRoot);
      expect(block.transactions.map((tx) => tx.hash)).toEqual(parsed.map((tx) => toHex(tx.hash())));
      for (const tx of block.transactions) {
        included.set(tx.hash, (included.get(tx.hash) ?? 0) + 1);
        expect(tx.nonce).toBe(nextNonce.get(tx.from) ?? 0);
        nextNonce.set(tx.from, tx.nonce + 1);
        expect(tx.blockHash).toBe(block.hash);
      }
    }
    expect(included.size).toBe(TOTAL);
    for (const hash of accepted) expect(included.get(hash), hash).toBe(1);

    // The node's metrics count what it stored.
    const metrics = await (await fetch(new URL('/metrics', node.url))).text();
    expect(metrics).toMatch(new RegExp(`^dst_blocks_total ${head}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^dst_transactions_included_total ${TOTAL}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^dst_block_production_seconds_count ${head}$`, 'm'));

    // getTransaction gives back what viem signed, parsed by viem.
    for (const transactions of signed.slice(0, 3)) {
      for (const raw of [transactions[0]!, transactions[1]!]) {
        const original = viemParseTransaction(raw);
        const tx = await client.getTransaction({ hash: toHex(keccak_256(bytes(raw))) });
        expect(tx.nonce).toBe(original.nonce);
        expect(tx.to?.toLowerCase()).toBe(original.to?.toLowerCase());
        expect(tx.value).toBe(original.value);
        expect(tx.type).toBe(original.type);
        expect(tx.chainId).toBe(CHAIN_ID);
        expect(tx.from.toLowerCase()).toBe((await recoverTransactionAddress({ serializedTransaction: raw as never })).toLowerCase());
      }
    }
  });

  it('answers bad input with the right JSON-RPC error, and keeps serving', async () => {
    const [account] = testAccounts(1, 'dst-viem-bad');
    const [first, second] = await signTransfers(account!, CHAIN_ID, 0, 2);
    const [otherChain] = await signTransfers(account!, CHAIN_ID + 1, 0, 1);
    expect((await rpc(node.url, 'eth_sendRawTransaction', [first])).result).toBe(toHex(keccak_256(bytes(first!))));
    // `second` (nonce 1: legacy) with s replaced by n − s and the parity flipped: the same signer, malleated (EIP-2).
    const fields = RLP.decode(bytes(second!)) as Uint8Array[];
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(toHex(fields[8]!));
    const v = BigInt(toHex(fields[6]!));
    const flipped = (v - 35n) % 2n === 0n ? v + 1n : v - 1n;
    const malleated = toHex(RLP.encode([...fields.slice(0, 6), bigintBytes(flipped), fields[7]!, bigintBytes(n - s)]));
    // The first test included nonce 0 of this sender; another transaction with nonce 0 is stale.
    const staleNonce = await testAccounts(1, 'dst-viem')[0]!.signTransaction({ type: 'legacy', chainId: CHAIN_ID, nonce: 0, to: account!.address, gas: 21_000n, gasPrice: 3n });
    const rejected: Array<[unknown[], number, RegExp]> = [
      [[first], -32000, /already/],
      [[otherChain], -32000, /chain id/],
      [['0xc0'], -32000, /expected 9 fields/],
      [[malleated], -32000, /upper half|EIP-2/],
      [[staleNonce], -32000, /nonce too low/],
      [['0xzz'], -32602, /./],
    ];
    for (const [params, code, message] of rejected) {
      const response = await rpc(node.url, 'eth_sendRawTransaction', params);
      expect(response.error?.code, JSON.stringify(params)).toBe(code);
      expect(response.error?.message).toMatch(message);
    }
    expect((await rpc(node.url, 'eth_noSuchMethod')).error?.code).toBe(-32601);
    const garbage = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":' });
    expect(((await garbage.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const oversized = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(6 * 1024 * 1024) });
    expect(oversized.status).toBe(413);
    expect((await rpc(node.url, 'eth_sendRawTransaction', [second])).result).toBe(toHex(keccak_256(bytes(second!))));
    const health = await fetch(new URL('/readyz', node.url));
    expect(health.status).toBe(200);
  });
});
