/**
 * Workloads for the execution tests and benchmarks: funded accounts (an alloc in geth's format) and
 * real signed transactions — plain transfers, ERC-20 transfers, contract deployments — signed with
 * @ethereumjs/tx (EIP-1559, 1 gwei base fee + 0 tip, so every node charges the same).
 */
import { Mainnet, createCustomCommon, Hardfork } from '@ethereumjs/common';
import { createFeeMarket1559Tx } from '@ethereumjs/tx';
import { bytesToHex, privateToAddress } from '@ethereumjs/util';
import { keccak256, toHex, type Hex } from 'viem';
import { assembleBlock, genesisBlock } from '../../src/chain/index.js';
import type { VerifiedBlock } from '../../src/execution/types.js';
import { erc20Deployment, erc20TransferData } from './erc20.js';

export interface Wallet {
  key: Uint8Array;
  address: Hex;
}

export function wallets(count: number, seed = 'dst-exec'): Wallet[] {
  return Array.from({ length: count }, (_, i) => {
    const key = Uint8Array.from(Buffer.from(keccak256(toHex(`${seed}-${i}`)).slice(2), 'hex'));
    return { key, address: bytesToHex(privateToAddress(key)) as Hex };
  });
}

/** geth-style alloc giving each wallet `balance` wei. */
export function allocFor(accounts: readonly Wallet[], balance = 10n ** 24n): Record<string, { balance: string }> {
  return Object.fromEntries(accounts.map((w) => [w.address, { balance: `0x${balance.toString(16)}` }]));
}

export interface TxFields {
  nonce: number;
  to?: Hex;
  value?: bigint;
  data?: Hex;
  gasLimit?: bigint;
  maxFeePerGas?: bigint;
}

export function signer(chainId: bigint) {
  const common = createCustomCommon({ chainId: Number(chainId) }, Mainnet, { hardfork: Hardfork.Prague });
  return (wallet: Wallet, fields: TxFields): Uint8Array =>
    createFeeMarket1559Tx(
      {
        chainId,
        nonce: BigInt(fields.nonce),
        to: fields.to,
        value: fields.value ?? 0n,
        data: fields.data ?? '0x',
        gasLimit: fields.gasLimit ?? 21_000n,
        maxFeePerGas: fields.maxFeePerGas ?? 2_000_000_000n,
        maxPriorityFeePerGas: 0n,
      },
      { common },
    )
      .sign(wallet.key)
      .serialize();
}

/** One transfer from each of `senders` (nonce `nonce`) to the next wallet. */
export function transfers(chainId: bigint, senders: readonly Wallet[], nonce: number): Uint8Array[] {
  const sign = signer(chainId);
  return senders.map((w, i) => sign(w, { nonce, to: senders[(i + 1) % senders.length]!.address, value: 1000n }));
}

/** The ERC-20 deployment by `deployer` at `nonce`, and its contract address (CREATE: keccak(rlp([sender, nonce]))). */
export function deployErc20(chainId: bigint, deployer: Wallet, nonce: number, supply = 10n ** 30n): Uint8Array {
  return signer(chainId)(deployer, { nonce, data: erc20Deployment(supply), gasLimit: 1_500_000n });
}

/** `count` ERC-20 transfers by `holder` from `firstNonce`, each to a fresh recipient. */
export function erc20Transfers(chainId: bigint, holder: Wallet, token: Hex, firstNonce: number, count: number): Uint8Array[] {
  const sign = signer(chainId);
  return Array.from({ length: count }, (_, i) => {
    const to = `0x${(i + 1).toString(16).padStart(40, '0')}` as Hex;
    return sign(holder, { nonce: firstNonce + i, to: token, data: erc20TransferData(to, 1n), gasLimit: 100_000n });
  });
}

/** A chain of DST blocks over the given transaction lists (after `parent`, default genesis), as a follower would emit them. */
export function verifiedBlocks(chainId: bigint, perBlock: readonly Uint8Array[][], parent?: { number: number; hash: Uint8Array }): VerifiedBlock[] {
  let previous = parent ?? { number: 0, hash: genesisBlock(chainId).hash };
  return perBlock.map((transactions) => {
    const number = previous.number + 1;
    const block = assembleBlock({ chainId, number, parentHash: previous.hash, timestampMs: 1_700_000_000_000n + BigInt(number) * 1000n, proposer: 1 }, transactions);
    previous = { number, hash: block.hash };
    return { number, hash: block.hash, header: block.header, transactions, round: 1, signature: new Uint8Array(96), source: 'test' };
  });
}
