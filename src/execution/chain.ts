/**
 * The execution chain's fixed parameters: the hard fork (Prague, the newest @ethereumjs/vm runs as a
 * full fork), the EIP-1559 fee rule, the per-transaction gas cap, and the native secp256k1 sender
 * recovery the EVM uses.
 *
 * Fees (EIP-1559, https://eips.ethereum.org/EIPS/eip-1559): the base fee is FIXED at
 * `BASE_FEE_PER_GAS` (1 gwei) in every block instead of following EIP-1559's adjusting rule. DST orders
 * transactions first come, first served and bounds blocks by count and bytes, not gas, so there is no
 * gas market for the base fee to clear; a fixed minimum makes what a wallet is quoted
 * (`eth_gasPrice`, `eth_feeHistory`) exactly what execution charges. As in EIP-1559 the base fee is
 * burnt and the priority fee (`min(maxPriorityFeePerGas, maxFeePerGas − baseFee)`; for legacy and
 * EIP-2930 transactions `gasPrice − baseFee`) goes to the fee recipient, the block's coinbase, which
 * every execution node of a chain must set alike (`dst execute --fee-recipient`, default the zero
 * address), since it is part of the state.
 *
 * Gas: each transaction may use at most `TRANSACTION_GAS_CAP` (30,000,000, also the executed block's
 * `gasLimit` and what the GASLIMIT opcode returns). A DST block is bounded by its transaction count
 * and bytes, and its order is final, so execution never drops a transaction for lack of block gas: an
 * executed block's gasUsed may exceed its gasLimit.
 */
import { Common, Hardfork, Mainnet, createCustomCommon } from '@ethereumjs/common';
import { paramsTx } from '@ethereumjs/tx';
import secp256k1 from 'secp256k1';
import { keccak256 } from '../wasm/index.js';

export const HARDFORK = Hardfork.Prague;
/** The fixed EIP-1559 base fee, in wei. */
export const BASE_FEE_PER_GAS = 1_000_000_000n;
/** Largest gas limit one transaction may have; also each executed block's gasLimit. */
export const TRANSACTION_GAS_CAP = 30_000_000n;
/** The priority fee eth_maxPriorityFeePerGas suggests: none is needed, ordering ignores fees. */
export const SUGGESTED_PRIORITY_FEE = 0n;

/**
 * Recovers the 64-byte public key (no 0x04 prefix) of a transaction signature with libsecp256k1: what
 * @ethereumjs/tx calls through `common.customCrypto.ecrecover` (its v is legacy 27/28, EIP-155
 * 2·chainId + 35/36, or a typed transaction's yParity).
 */
function nativeEcrecover(hash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  const recovery = v === 0n || v === 1n ? v : chainId === undefined ? v - 27n : v - (chainId * 2n + 35n);
  if (recovery !== 0n && recovery !== 1n) throw new Error(`invalid signature v value ${v}`);
  const signature = new Uint8Array(64);
  signature.set(r, 32 - r.length);
  signature.set(s, 64 - s.length);
  return secp256k1.ecdsaRecover(signature, Number(recovery), hash, false).subarray(1);
}

/** What `isActivatedEIP` below keeps on a Common: the EIP list it last saw, as a set. */
interface EipSetMemo {
  _activatedEIPsCache: number[];
  dstEipsOf?: number[];
  dstEips?: Set<number>;
}

/**
 * `Common.isActivatedEIP` with a set lookup: @ethereumjs/common answers with `Array.includes` over the
 * ~100 active EIP numbers, and the EVM asks for every opcode it steps (and for every byte of code it
 * scans for jump destinations), a few % of an ERC-20 transfer. Same answer: the set is rebuilt
 * whenever the list differs from the one it was made of (the library replaces the list, never edits
 * it, when the hard fork or EIPs change); `copy()` copies this method and memo with the instance.
 */
function isActivatedEIP(this: Common, eip: number): boolean {
  const memo = this as unknown as EipSetMemo;
  if (memo.dstEipsOf !== memo._activatedEIPsCache) {
    memo.dstEips = new Set(memo._activatedEIPsCache);
    memo.dstEipsOf = memo._activatedEIPsCache;
  }
  return memo.dstEips!.has(eip);
}

/** The @ethereumjs Common of an execution chain: mainnet's rules at Prague, this chain id, native crypto. */
export function executionCommon(chainId: bigint): Common {
  const common = createCustomCommon({ chainId: chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(chainId) : chainId.toString(), name: `dst-${chainId}` }, Mainnet, {
    hardfork: HARDFORK,
    customCrypto: { ecrecover: nativeEcrecover, keccak256 },
  });
  common.isActivatedEIP = isActivatedEIP;
  return common;
}

/**
 * The Common that decoded transactions carry. @ethereumjs/tx copies the Common it is given and merges
 * its transaction parameters into the copy for every transaction (a deep JSON copy of the parameter
 * tables: about 0.4 ms, more than executing a transfer). Transactions only read it, so this one is
 * prepared once — a copy of `common` with the transaction parameters merged — and hands out itself.
 */
export function transactionCommon(common: Common): Common {
  const shared = common.copy();
  shared.updateParams(paramsTx);
  shared.copy = () => shared;
  shared.updateParams = () => {};
  return shared;
}
