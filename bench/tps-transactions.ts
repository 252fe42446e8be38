/**
 * Signed transactions for the throughput benchmark, made fast: EIP-155 legacy transfers signed with
 * native secp256k1 (RFC 6979 nonces), as Ethereum defines them — the sender signs keccak-256 of
 * rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) and v = 2·chainId + 35 + parity.
 */
import secp256k1 from 'secp256k1';
import { bigIntToBytes, rlpEncode } from '../src/chain/index.js';
import { keccak256 } from '../src/wasm/index.js';

function signLegacy(chainId: bigint, privateKey: Uint8Array, nonce: number, to: Uint8Array): Uint8Array {
  const fields = [bigIntToBytes(BigInt(nonce)), bigIntToBytes(1_000_000_000n), bigIntToBytes(21_000n), to, bigIntToBytes(1n), new Uint8Array(0)];
  const signingHash = keccak256(rlpEncode([...fields, bigIntToBytes(chainId), new Uint8Array(0), new Uint8Array(0)]));
  const { signature, recid } = secp256k1.ecdsaSign(signingHash, privateKey);
  const scalar = (b: Uint8Array) => bigIntToBytes(BigInt(`0x${Buffer.from(b).toString('hex')}`));
  return rlpEncode([...fields, bigIntToBytes(chainId * 2n + 35n + BigInt(recid)), scalar(signature.subarray(0, 32)), scalar(signature.subarray(32))]);
}

/** `perSender` transfers (nonces 0, 1, …) from each of `senders` deterministic keys, with the senders' addresses. */
export function makeLoad(chainId: bigint, senders: number, perSender: number): { transactions: Uint8Array[][]; addresses: Uint8Array[] } {
  const keys = Array.from({ length: senders }, (_, i) => keccak256(new TextEncoder().encode(`dst-tps-${i}`)));
  const addresses = keys.map((key) => keccak256(secp256k1.publicKeyCreate(key, false).subarray(1)).slice(12));
  const transactions = keys.map((key, s) => Array.from({ length: perSender }, (_, n) => signLegacy(chainId, key, n, addresses[(s + 1) % senders]!)));
  return { transactions, addresses };
}
