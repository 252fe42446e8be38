/**
 * Signed Ethereum transactions as the sequencer receives them: decoding, the checks Ethereum applies
 * before a transaction may enter a pool, and sender recovery with native secp256k1.
 *
 * Supported envelopes:
 * - legacy `rlp([nonce, gasPrice, gasLimit, to, value, data, v, r, s])`, with EIP-155 replay protection
 *   (v = 2·chainId + 35 + yParity) or without it (v = 27 + yParity; no chain id, accepted as Ethereum's
 *   protocol does — replaying them is the sender's choice);
 * - EIP-2930 `0x01 ‖ rlp([chainId, nonce, gasPrice, gasLimit, to, value, data, accessList, yParity, r, s])`;
 * - EIP-1559 `0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data,
 *   accessList, yParity, r, s])`.
 * Blob (0x03) and set-code (0x04) transactions are rejected as unsupported: a sequencer of ordered
 * calldata has no blob sidecars to carry, and EIP-7702 authorisations need execution state.
 *
 * Checks (each failure is a `TransactionRejected` with a typed reason): size limit; canonical RLP and
 * integers; field widths; chain id equal to the sequencer's; signature values 0 < r, s < n and the
 * EIP-2 low-s rule s ≤ n/2 (malleability); a recoverable sender. The transaction hash is keccak-256 of
 * the raw bytes; the signing hash is keccak-256 of the unsigned payload (EIP-155 / EIP-2718 rules).
 */
import type { CryptoExecutor } from '../crypto/executor.js';
import { recoverAddress, type RecoveryItem } from '../crypto/secp256k1.js';
import { keccak256 } from '../wasm/index.js';
import { bigIntToBytes } from '../bytes/index.js';
import { rlpDecode, rlpEncode, rlpToBigInt, RlpError, type RlpItem } from './rlp.js';

export type TransactionType = 0 | 1 | 2;

/** Why a transaction (or a block carrying it) was not accepted. */
export type TransactionRejectionReason =
  | 'oversized'
  | 'malformed'
  | 'unsupported-type'
  | 'wrong-chain-id'
  | 'invalid-signature'
  | 'high-s'
  | 'already-known'
  | 'already-included'
  | 'nonce-too-low'
  | 'nonce-taken'
  | 'nonce-gap'
  | 'sender-limit'
  | 'source-limit'
  | 'pool-full'
  | 'pool-loading'
  | 'storage-unavailable'
  // With an execution endpoint (dst run --execution-rpc; src/node/funds.ts):
  | 'insufficient-funds'
  | 'execution-unavailable';

export class TransactionRejected extends Error {
  override name = 'TransactionRejected';
  constructor(
    readonly reason: TransactionRejectionReason,
    message: string,
  ) {
    super(message);
  }
}

export interface AccessListEntry {
  address: Uint8Array;
  storageKeys: Uint8Array[];
}

export interface DecodedTransaction {
  type: TransactionType;
  /** The signed transaction exactly as received (legacy: the RLP list; typed: type byte ‖ RLP). */
  raw: Uint8Array;
  /** keccak-256 of `raw`. */
  hash: Uint8Array;
  /** Null only for a legacy transaction without EIP-155 replay protection. */
  chainId: bigint | null;
  nonce: bigint;
  gasLimit: bigint;
  /** Null for contract creation. */
  to: Uint8Array | null;
  value: bigint;
  data: Uint8Array;
  /** Legacy and EIP-2930. */
  gasPrice: bigint | null;
  /** EIP-1559. */
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  accessList: AccessListEntry[];
  /** The signature as carried: legacy v, or yParity for typed transactions. */
  v: bigint;
  yParity: 0 | 1;
  r: bigint;
  s: bigint;
  /** The hash the sender signed. */
  signingHash: Uint8Array;
}

export interface Transaction extends DecodedTransaction {
  /** The 20-byte address recovered from the signature. */
  sender: Uint8Array;
}

export interface TransactionRules {
  /** The sequencer's chain id; transactions for another chain are rejected. */
  chainId: bigint;
  /** Largest raw transaction accepted, in bytes. */
  maxBytes: number;
}

/** geth's limit on a pooled transaction (4 slots of 32 KiB); the same here so wallets behave alike. */
export const DEFAULT_MAX_TRANSACTION_BYTES = 128 * 1024;

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP256K1_HALF_N = SECP256K1_N >> 1n;

/** Decodes and checks a raw signed transaction, without recovering the sender. */
export function decodeTransaction(raw: Uint8Array, rules: TransactionRules): DecodedTransaction {
  if (!(raw instanceof Uint8Array) || raw.length === 0) {
    throw new TransactionRejected('malformed', 'transaction: expected non-empty bytes');
  }
  if (raw.length > rules.maxBytes) {
    throw new TransactionRejected('oversized', `transaction: ${raw.length} bytes exceeds the limit of ${rules.maxBytes}`);
  }
  const first = raw[0]!;
  let tx: DecodedTransaction;
  try {
    if (first >= 0xc0) tx = decodeLegacy(raw);
    else if (first === 1 || first === 2) tx = decodeTyped(raw, first);
    else if (first <= 0x7f) {
      throw new TransactionRejected('unsupported-type', `transaction: unsupported type 0x${first.toString(16).padStart(2, '0')} (supported: legacy, 0x01 EIP-2930, 0x02 EIP-1559)`);
    } else {
      throw new TransactionRejected('malformed', `transaction: first byte 0x${first.toString(16)} is neither a type nor an RLP list`);
    }
  } catch (error) {
    if (error instanceof RlpError) throw new TransactionRejected('malformed', `transaction: ${error.message}`);
    throw error;
  }
  if (tx.chainId !== null && tx.chainId !== rules.chainId) {
    throw new TransactionRejected('wrong-chain-id', `transaction: chain id ${tx.chainId}, this sequencer is chain ${rules.chainId}`);
  }
  if (tx.r === 0n || tx.r >= SECP256K1_N || tx.s === 0n || tx.s >= SECP256K1_N) {
    throw new TransactionRejected('invalid-signature', 'transaction: signature values r and s must be in 1..n−1');
  }
  if (tx.s > SECP256K1_HALF_N) {
    throw new TransactionRejected('high-s', 'transaction: signature s is in the upper half of the curve order (EIP-2 malleability rule)');
  }
  return tx;
}

/** What recovering a decoded transaction's sender takes: its signing hash and signature. */
export function recoveryItemOf(tx: DecodedTransaction): RecoveryItem {
  const signature = new Uint8Array(64);
  const view = new DataView(signature.buffer);
  writeWord(tx.r, view, 0);
  writeWord(tx.s, view, 32);
  return { hash: tx.signingHash, signature, recovery: tx.yParity };
}

/** `value` (< 2^256) as 32 big-endian bytes at `offset`, four 64-bit limbs at a time: no hex text. */
function writeWord(value: bigint, view: DataView, offset: number): void {
  for (let limb = 3; limb >= 0; limb--, value >>= 64n) view.setBigUint64(offset + limb * 8, BigInt.asUintN(64, value));
}

/**
 * The decoded transaction with its sender, as one object of fixed shape. (A spread copy, `{ ...tx,
 * sender }`, took 768 bytes of V8 heap against about 200 for this literal — measured with 10,000
 * transfers — and the pool keeps one per pending transaction.)
 */
export function withSender(tx: DecodedTransaction, sender: Uint8Array): Transaction {
  return {
    type: tx.type,
    raw: tx.raw,
    hash: tx.hash,
    chainId: tx.chainId,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    to: tx.to,
    value: tx.value,
    data: tx.data,
    gasPrice: tx.gasPrice,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    accessList: tx.accessList,
    v: tx.v,
    yParity: tx.yParity,
    r: tx.r,
    s: tx.s,
    signingHash: tx.signingHash,
    sender,
  };
}

/** Recovers the sender's address from a decoded transaction's signature (native secp256k1). */
export function recoverSender(tx: DecodedTransaction): Uint8Array {
  const sender = recoverAddress(recoveryItemOf(tx));
  if (sender === undefined) throw new TransactionRejected('invalid-signature', 'transaction: no public key recovers from this signature');
  return sender;
}

/**
 * Recovers the senders of many decoded transactions in one batch on an executor — the worker pool for
 * a peer's block or a gossiped batch, `MainThreadExecutor` on one core. One entry per transaction, in
 * order: the transaction with its sender, or the rejection saying why not.
 */
export async function recoverSenders(
  txs: readonly DecodedTransaction[],
  executor: CryptoExecutor,
): Promise<Array<Transaction | TransactionRejected>> {
  const senders = await executor.recoverAddresses(txs.map(recoveryItemOf));
  return txs.map((tx, i) => {
    const sender = senders[i];
    return sender === undefined
      ? new TransactionRejected('invalid-signature', 'transaction: no public key recovers from this signature')
      : withSender(tx, sender);
  });
}

/** Decodes, checks and recovers the sender: what the RPC does for `eth_sendRawTransaction`. */
/**
 * The most a transaction can take from its sender: gasLimit × maxFeePerGas (gasPrice for legacy and
 * EIP-2930) + value — what execution checks before it runs one (EIP-1559's up-front balance check,
 * src/execution/executor.ts) and admission holds against the sender's balance (src/node/funds.ts).
 */
export function maxCost(tx: Pick<DecodedTransaction, 'gasLimit' | 'gasPrice' | 'maxFeePerGas' | 'value'>): bigint {
  return tx.gasLimit * (tx.maxFeePerGas ?? tx.gasPrice ?? 0n) + tx.value;
}

export function parseTransaction(raw: Uint8Array, rules: TransactionRules): Transaction {
  const tx = decodeTransaction(raw, rules);
  return withSender(tx, recoverSender(tx));
}

function decodeLegacy(raw: Uint8Array): DecodedTransaction {
  const fields = asList(rlpDecode(raw), 'legacy transaction', 9);
  const [nonce, gasPrice, gasLimit, to, value, data, v, r, s] = fields;
  const vValue = rlpToBigInt(v, 'v');
  let chainId: bigint | null;
  let yParity: 0 | 1;
  if (vValue === 27n || vValue === 28n) {
    chainId = null;
    yParity = Number(vValue - 27n) as 0 | 1;
  } else if (vValue >= 35n) {
    chainId = (vValue - 35n) >> 1n;
    yParity = Number((vValue - 35n) & 1n) as 0 | 1;
  } else {
    throw new TransactionRejected('invalid-signature', `transaction: legacy v = ${vValue} is neither 27/28 nor EIP-155 (2·chainId + 35/36)`);
  }
  // EIP-155: rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0]); before it, the first six alone.
  const suffix = chainId === null ? EMPTY_SUFFIX : eip155Suffix(chainId);
  const signingPayload = unsignedPayload(raw, undefined, fields[0] as Uint8Array, endOf(raw, data as Uint8Array), suffix);
  return {
    type: 0,
    raw,
    hash: keccak256(raw),
    chainId,
    nonce: rlpToBigInt(nonce, 'nonce', 8),
    gasPrice: rlpToBigInt(gasPrice, 'gasPrice'),
    maxFeePerGas: null,
    maxPriorityFeePerGas: null,
    gasLimit: rlpToBigInt(gasLimit, 'gasLimit', 8),
    to: address(to, 'to'),
    value: rlpToBigInt(value, 'value'),
    data: bytes(data, 'data'),
    accessList: [],
    v: vValue,
    yParity,
    r: rlpToBigInt(r, 'r'),
    s: rlpToBigInt(s, 's'),
    signingHash: keccak256(signingPayload),
  };
}

function decodeTyped(raw: Uint8Array, type: 1 | 2): DecodedTransaction {
  const name = type === 1 ? 'EIP-2930 transaction' : 'EIP-1559 transaction';
  const fields = asList(rlpDecode(raw.subarray(1)), name, type === 1 ? 11 : 12);
  const [chainId, nonce] = fields;
  const fees = type === 1 ? fields.slice(2, 3) : fields.slice(2, 4);
  const [gasLimit, to, value, data, accessList, yParity, r, s] = fields.slice(type === 1 ? 3 : 4);
  const parity = rlpToBigInt(yParity, 'yParity');
  if (parity > 1n) throw new TransactionRejected('invalid-signature', `transaction: yParity ${parity} is not 0 or 1`);
  // type ‖ rlp(every field but yParity, r and s): they end where yParity's encoding starts.
  const signingInput = unsignedPayload(raw, type, chainId as Uint8Array, startOf(raw, yParity as Uint8Array), EMPTY_SUFFIX);
  return {
    type,
    raw,
    hash: keccak256(raw),
    chainId: rlpToBigInt(chainId, 'chainId'),
    nonce: rlpToBigInt(nonce, 'nonce', 8),
    gasPrice: type === 1 ? rlpToBigInt(fees[0], 'gasPrice') : null,
    maxPriorityFeePerGas: type === 2 ? rlpToBigInt(fees[0], 'maxPriorityFeePerGas') : null,
    maxFeePerGas: type === 2 ? rlpToBigInt(fees[1], 'maxFeePerGas') : null,
    gasLimit: rlpToBigInt(gasLimit, 'gasLimit', 8),
    to: address(to, 'to'),
    value: rlpToBigInt(value, 'value'),
    data: bytes(data, 'data'),
    accessList: decodeAccessList(accessList),
    v: parity,
    yParity: Number(parity) as 0 | 1,
    r: rlpToBigInt(r, 'r'),
    s: rlpToBigInt(s, 's'),
    signingHash: keccak256(signingInput),
  };
}

const EMPTY_SUFFIX = new Uint8Array(0);

/** The last chain id's EIP-155 suffix: a node sees one chain id (read only, copied into each payload). */
let lastSuffix: { chainId: bigint; suffix: Uint8Array } | undefined;

/** rlp(chainId) ‖ rlp(0) ‖ rlp(0): what EIP-155 appends to the six unsigned fields of a legacy transaction. */
function eip155Suffix(chainId: bigint): Uint8Array {
  if (lastSuffix?.chainId === chainId) return lastSuffix.suffix;
  const id = bigIntToBytes(chainId);
  const encoded = id.length === 1 && id[0]! < 0x80 ? id : rlpEncode(id);
  const suffix = new Uint8Array(encoded.length + 2);
  suffix.set(encoded);
  suffix[encoded.length] = 0x80;
  suffix[encoded.length + 1] = 0x80;
  lastSuffix = { chainId, suffix };
  return suffix;
}

/**
 * Where in `raw` the encoding of a decoded byte string starts (`item` is a view of `raw`, as rlpDecode
 * returns it). Decoding accepted only canonical encodings, so the header length follows from the
 * item: none for a single byte below 0x80, one byte up to 55 bytes, else one plus the length's bytes.
 */
function startOf(raw: Uint8Array, item: Uint8Array): number {
  const offset = item.byteOffset - raw.byteOffset;
  if (item.length === 1 && item[0]! < 0x80) return offset;
  if (item.length <= 55) return offset - 1;
  let lengthBytes = 0;
  for (let rest = item.length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes++;
  return offset - 1 - lengthBytes;
}

/** Where in `raw` a decoded byte string ends. */
function endOf(raw: Uint8Array, item: Uint8Array): number {
  return item.byteOffset - raw.byteOffset + item.length;
}

/**
 * The signing payload [type ‖] rlp-list(fields ‖ suffix), where the fields are raw's own encoding from
 * `first`'s start to `end` — copied as received, not decoded and encoded again (issue 16: re-encoding
 * allocated a header per field). The same bytes rlpEncode would write, since decoding accepted only
 * canonical RLP.
 */
function unsignedPayload(raw: Uint8Array, type: number | undefined, first: Uint8Array, end: number, suffix: Uint8Array): Uint8Array {
  const fields = raw.subarray(startOf(raw, first), end);
  const length = fields.length + suffix.length;
  const lengthBytes = length <= 55 ? 0 : length <= 0xff ? 1 : length <= 0xffff ? 2 : length <= 0xffffff ? 3 : 4;
  const typeBytes = type === undefined ? 0 : 1;
  const payload = new Uint8Array(typeBytes + 1 + lengthBytes + length);
  if (type !== undefined) payload[0] = type;
  payload[typeBytes] = lengthBytes === 0 ? 0xc0 + length : 0xf7 + lengthBytes;
  for (let i = 0; i < lengthBytes; i++) payload[typeBytes + lengthBytes - i] = (length >>> (8 * i)) & 0xff;
  payload.set(fields, typeBytes + 1 + lengthBytes);
  payload.set(suffix, typeBytes + 1 + lengthBytes + fields.length);
  return payload;
}

function asList(item: RlpItem, name: string, length: number): RlpItem[] {
  if (!Array.isArray(item)) throw new RlpError(`${name}: expected an RLP list, got a byte string`);
  if (item.length !== length) throw new RlpError(`${name}: expected ${length} fields, got ${item.length}`);
  return item;
}

function bytes(item: RlpItem | undefined, field: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new RlpError(`${field}: expected bytes, got a list`);
  return item;
}

function address(item: RlpItem | undefined, field: string): Uint8Array | null {
  const value = bytes(item, field);
  if (value.length === 0) return null;
  if (value.length !== 20) throw new RlpError(`${field}: expected a 20-byte address or empty, got ${value.length} bytes`);
  return value;
}

function decodeAccessList(item: RlpItem | undefined): AccessListEntry[] {
  if (!Array.isArray(item)) throw new RlpError('accessList: expected a list');
  return item.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw new RlpError(`accessList[${i}]: expected [address, storageKeys]`);
    const entryAddress = bytes(entry[0], `accessList[${i}].address`);
    if (entryAddress.length !== 20) throw new RlpError(`accessList[${i}].address: expected 20 bytes, got ${entryAddress.length}`);
    const keys = entry[1];
    if (!Array.isArray(keys)) throw new RlpError(`accessList[${i}].storageKeys: expected a list`);
    return {
      address: entryAddress,
      storageKeys: keys.map((key, k) => {
        const storageKey = bytes(key, `accessList[${i}].storageKeys[${k}]`);
        if (storageKey.length !== 32) throw new RlpError(`accessList[${i}].storageKeys[${k}]: expected 32 bytes, got ${storageKey.length}`);
        return storageKey;
      }),
    };
  });
}
