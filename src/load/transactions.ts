/**
 * Signed Ethereum transactions for the load generator and the benchmarks: EIP-155 legacy transfers
 * signed with native secp256k1 (libsecp256k1, RFC 6979 deterministic nonces), as Ethereum defines them
 * (EIP-155; Yellow Paper appendix F): the sender signs keccak-256 of
 * rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) and the transaction is
 * rlp([nonce, gasPrice, gas, to, value, data, v, r, s]) with v = 2·chainId + 35 + recovery parity.
 * The address of a key is the last 20 bytes of keccak-256 of its uncompressed public key (without the
 * 0x04 prefix). The chain has no balances, so any well-signed transfer with the next nonce is valid.
 */
import { randomBytes } from 'node:crypto';
import secp256k1 from 'secp256k1';
import { bigIntToBytes } from '../bytes/index.js';
import { rlpEncode } from '../chain/index.js';
import { keccak256 } from '../wasm/index.js';

const GAS_PRICE = bigIntToBytes(1_000_000_000n);
const TRANSFER_GAS = bigIntToBytes(21_000n);
const ONE_WEI = bigIntToBytes(1n);
const EMPTY = new Uint8Array(0);

/** A signing key with its address. */
export interface SenderKey {
  readonly privateKey: Uint8Array;
  readonly address: Uint8Array;
}

/** The Ethereum address (20 bytes) of a secp256k1 private key. */
export function addressOf(privateKey: Uint8Array): Uint8Array {
  return keccak256(secp256k1.publicKeyCreate(privateKey, false).subarray(1)).slice(12);
}

/** A fresh random secp256k1 key (a 32-byte scalar in 1..n−1) and its address. */
export function randomSenderKey(): SenderKey {
  let privateKey: Uint8Array;
  do privateKey = randomBytes(32);
  while (!secp256k1.privateKeyVerify(privateKey));
  return { privateKey, address: addressOf(privateKey) };
}

/** Big-endian bytes without leading zeros, as RLP wants an integer (r and s may have leading zeros). */
function scalar(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** The raw EIP-155 legacy transaction moving 1 wei from `privateKey`'s address to `to` with `nonce`. */
export function signTransfer(chainId: bigint, privateKey: Uint8Array, nonce: number, to: Uint8Array): Uint8Array {
  const fields = [bigIntToBytes(BigInt(nonce)), GAS_PRICE, TRANSFER_GAS, to, ONE_WEI, EMPTY];
  const signingHash = keccak256(rlpEncode([...fields, bigIntToBytes(chainId), EMPTY, EMPTY]));
  const { signature, recid } = secp256k1.ecdsaSign(signingHash, privateKey);
  const v = bigIntToBytes(chainId * 2n + 35n + BigInt(recid));
  return rlpEncode([...fields, v, scalar(signature.subarray(0, 32)), scalar(signature.subarray(32))]);
}

/**
 * For benchmarks: `perSender` transfers (nonces 0, 1, …) from each of `senders` deterministic keys
 * (keccak-256 of "dst-tps-<i>"), sender i paying sender i+1, with the senders' addresses.
 */
export function makeLoad(chainId: bigint, senders: number, perSender: number): { transactions: Uint8Array[][]; addresses: Uint8Array[] } {
  const keys = Array.from({ length: senders }, (_, i) => keccak256(new TextEncoder().encode(`dst-tps-${i}`)));
  const addresses = keys.map(addressOf);
  const transactions = keys.map((key, s) => Array.from({ length: perSender }, (_, n) => signTransfer(chainId, key, n, addresses[(s + 1) % senders]!)));
  return { transactions, addresses };
}
