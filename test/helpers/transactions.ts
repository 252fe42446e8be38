/**
 * Deterministic generator of real signed Ethereum transactions for tests and benchmarks.
 *
 * Every transaction is built and signed by `@ethereumjs/tx` (secp256k1 signatures over the
 * transaction's signing hash, as in EIP-155, EIP-2718, EIP-2930 and EIP-1559), so the bytes are exactly
 * what a node would receive from `eth_sendRawTransaction`: legacy transactions are the RLP list,
 * typed ones are `type byte ‖ RLP payload`. The kinds rotate through
 *
 *   0: legacy with EIP-155 replay protection (v = 2·chainId + 35/36),
 *   1: legacy without it (v = 27/28, signed as before Spurious Dragon),
 *   2: EIP-2930 (type 1) with an access list,
 *   3: EIP-1559 (type 2), with an access list on every other one,
 *
 * and the senders rotate through a few fixed private keys. All field values (nonces, amounts, gas,
 * recipients, call data of 0..300 bytes) come from a small seeded PRNG, and the signatures are
 * deterministic (RFC 6979 nonces, no extra entropy), so the same `(count, options)` always gives the
 * same bytes.
 */
import { Mainnet, createCustomCommon, Hardfork, type Common } from '@ethereumjs/common';
import { RLP } from '@ethereumjs/rlp';
import { bigIntToUnpaddedBytes } from '@ethereumjs/util';
import {
  createAccessList2930Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from '@ethereumjs/tx';

export interface TransactionOptions {
  /** Chain id used by the EIP-155 and typed transactions; default 1. */
  chainId?: number;
  /** PRNG seed for every field value; default 1. */
  seed?: number;
}

/** The fixed senders: private keys 1, 2, 3 and 4 times a constant, each a valid secp256k1 scalar. */
export const SENDER_PRIVATE_KEYS: readonly Uint8Array[] = [1n, 2n, 3n, 4n].map((k) =>
  bigintToBytes32(k * 0x1f2e3d4c5b6a79880123456789abcdefn),
);

/** `count` signed transactions of mixed kinds, as raw serialized bytes (what gets hashed and put in the trie). */
export function makeSignedTransactions(count: number, options: TransactionOptions = {}): Uint8Array[] {
  return makeSignedTransactionObjects(count, options).map((tx) => tx.serialize());
}

/** The same transactions as `makeSignedTransactions`, as `@ethereumjs/tx` objects. */
export function makeSignedTransactionObjects(count: number, options: TransactionOptions = {}): TypedTransaction[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`makeSignedTransactions: expected a count ≥ 0, got ${count}`);
  }
  const chainId = options.chainId ?? 1;
  const random = prng(options.seed ?? 1);
  const common = createCustomCommon({ chainId }, Mainnet, { hardfork: Hardfork.Prague });
  // Before Spurious Dragon, a legacy transaction's signature does not commit to a chain id.
  const preEip155 = createCustomCommon({ chainId }, Mainnet, { hardfork: Hardfork.TangerineWhistle });
  const nonces = SENDER_PRIVATE_KEYS.map(() => 0n);
  const txs: TypedTransaction[] = [];
  for (let i = 0; i < count; i++) {
    const sender = i % SENDER_PRIVATE_KEYS.length;
    const fields = {
      nonce: nonces[sender]!++,
      to: randomBytes(random, 20),
      value: BigInt(random() % 1_000_000) * 1_000_000_000n,
      gasLimit: 21_000n + BigInt(random() % 200_000),
      data: randomBytes(random, random() % 301),
    };
    const kind = i % 4;
    const key = SENDER_PRIVATE_KEYS[sender]!;
    txs.push(signed(kind, fields, random, common, preEip155, key));
  }
  return txs;
}

function signed(
  kind: number,
  fields: { nonce: bigint; to: Uint8Array; value: bigint; gasLimit: bigint; data: Uint8Array },
  random: () => number,
  common: Common,
  preEip155: Common,
  key: Uint8Array,
): TypedTransaction {
  const gasPrice = 1_000_000_000n + BigInt(random() % 100) * 1_000_000_000n;
  switch (kind) {
    case 0:
      return createLegacyTx({ ...fields, gasPrice }, { common }).sign(key, false);
    case 1:
      return createLegacyTx({ ...fields, gasPrice }, { common: preEip155 }).sign(key, false);
    case 2:
      return createAccessList2930Tx({ ...fields, gasPrice, accessList: accessList(random) }, { common }).sign(key, false);
    default:
      return createFeeMarket1559Tx(
        {
          ...fields,
          maxPriorityFeePerGas: gasPrice / 10n,
          maxFeePerGas: gasPrice,
          accessList: random() % 2 === 0 ? accessList(random) : [],
        },
        { common },
      ).sign(key, false);
  }
}

function accessList(random: () => number) {
  const entries = 1 + (random() % 2);
  return Array.from({ length: entries }, () => ({
    address: toHex(randomBytes(random, 20)),
    storageKeys: Array.from({ length: random() % 3 }, () => toHex(randomBytes(random, 32))),
  }));
}

/** mulberry32: a tiny seeded PRNG returning 32-bit unsigned integers. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function randomBytes(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = random() & 0xff;
  return out;
}

function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

function bigintToBytes32(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
}

/** A canonical RLP integer (minimal big-endian bytes, zero as the empty string), by @ethereumjs/util. */
export function rlpInteger(value: bigint): Uint8Array {
  return bigIntToUnpaddedBytes(value);
}

/**
 * Re-encodes a raw signed transaction with its RLP fields changed by `edit` (typed transactions keep
 * their type byte; the signature fields are the last three): for making invalid variants in tests.
 */
export function mutateTransaction(raw: Uint8Array, edit: (fields: Uint8Array[]) => void): Uint8Array {
  const typed = raw[0]! < 0xc0;
  const fields = RLP.decode(typed ? raw.subarray(1) : raw) as Uint8Array[];
  edit(fields);
  const body = RLP.encode(fields);
  return typed ? Uint8Array.of(raw[0]!, ...body) : body;
}
