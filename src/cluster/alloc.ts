/**
 * The genesis state of a DST chain's execution (issue 14): an `alloc` in the format of geth's genesis
 * file (https://geth.ethereum.org/docs/fundamentals/private-network, the `alloc` object), parsed and
 * normalised without any EVM library, so the cluster lock (./lock.ts), which carries it, stays free of
 * @ethereumjs (src/execution/genesis.ts writes it into an EVM state).
 *
 * ```json
 * { "0x71562b71999873DB5b286dF957af199Ec94617F7": { "balance": "0xd3c21bcecceda1000000" },
 *   "0x…": { "balance": "1000", "nonce": "0x1", "code": "0x6080…", "storage": { "0x0": "0x2a" } } }
 * ```
 *
 * Addresses with or without 0x, in any case; balance (< 2^256) and nonce (< 2^64) as a hex quantity,
 * a decimal string or a JSON safe integer; code as 0x hex bytes; storage slots and values as 0x hex of
 * at most 32 bytes. Anything else is an `AllocError` naming the account and field.
 *
 * **Canonical form** (`allocJson`, what a cluster lock stores and its hash covers): accounts keyed by
 * lower-case `0x` address; each has `balance` as a lower-case `0x` quantity (`"0x0"` for zero), and
 * `nonce` (a quantity), `code` (`0x` hex) and `storage` only when not zero/empty; storage keys are
 * 32-byte lower-case `0x` hex (64 digits), values `0x` quantities. Equal states have one canonical form
 * however they were written. `allocHash` is keccak-256 of a fixed encoding of the parsed alloc (the
 * hash an execution database records, src/execution/store.ts).
 */
import { describeJson, prefixedHex, tryParseHex } from '../bytes/index.js';
import { keccak256 } from '../wasm/keccak.js';

export interface GenesisAccount {
  balance: bigint;
  nonce: bigint;
  code: Uint8Array;
  /** 32-byte slot → value (without leading zeros), sorted by slot. */
  storage: Array<[Uint8Array, Uint8Array]>;
}

/** Accounts by lower-case 0x address, sorted. */
export type Alloc = Map<string, GenesisAccount>;

/** An account of an alloc in canonical form (module docblock). */
export interface AllocJsonAccount {
  readonly balance: string;
  readonly nonce?: string;
  readonly code?: string;
  readonly storage?: { readonly [slot: string]: string };
}

/** An alloc in canonical form: what a cluster lock holds. */
export type AllocJson = { readonly [address: string]: AllocJsonAccount };

export class AllocError extends Error {
  override name = 'AllocError';
}

/** Most accounts in one alloc, and most storage slots over all its accounts: a bound on what a lock holds. */
export const MAX_ALLOC_ACCOUNTS = 100_000;
export const MAX_ALLOC_STORAGE_SLOTS = 1_000_000;
/** Largest alloc file the commands read (`--alloc FILE`). */
export const MAX_ALLOC_FILE_BYTES = 64 * 1024 * 1024;

const ADDRESS = /^(0x)?[0-9a-fA-F]{40}$/;
const MAX_BALANCE = 2n ** 256n - 1n;
const MAX_NONCE = 2n ** 64n - 1n;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses a geth-style alloc (the JSON value, already parsed). Throws `AllocError`. */
export function parseAlloc(json: unknown): Alloc {
  if (!isObject(json)) throw new AllocError(`alloc: expected an object of address → account, got ${describeJson(json)}`);
  const keys = Object.keys(json);
  if (keys.length > MAX_ALLOC_ACCOUNTS) throw new AllocError(`alloc: ${keys.length} accounts, more than the ${MAX_ALLOC_ACCOUNTS} allowed`);
  const entries: Array<[string, GenesisAccount]> = [];
  let slots = 0;
  for (const key of keys) {
    const value = json[key];
    if (!ADDRESS.test(key)) throw new AllocError(`alloc: ${JSON.stringify(key)} is not a 20-byte hex address`);
    const address = `0x${key.replace(/^0x/, '').toLowerCase()}`;
    if (!isObject(value)) throw new AllocError(`alloc ${address}: expected an object with "balance", got ${describeJson(value)}`);
    for (const name of Object.keys(value)) {
      if (!['balance', 'nonce', 'code', 'storage'].includes(name)) throw new AllocError(`alloc ${address}: unknown field ${JSON.stringify(name)} (balance, nonce, code, storage)`);
    }
    const storage: Array<[Uint8Array, Uint8Array]> = [];
    if (value.storage !== undefined) {
      if (!isObject(value.storage)) throw new AllocError(`alloc ${address}: storage must be an object of slot → value`);
      for (const [slot, word] of Object.entries(value.storage)) {
        if (++slots > MAX_ALLOC_STORAGE_SLOTS) throw new AllocError(`alloc: more than ${MAX_ALLOC_STORAGE_SLOTS} storage slots in all`);
        storage.push([word32(slot, `${address} storage slot`), trimmed(word32(word, `${address} storage[${slot}]`))]);
      }
      storage.sort(([a], [b]) => compareBytes(a, b));
      for (let i = 1; i < storage.length; i++) {
        if (compareBytes(storage[i - 1]![0], storage[i]![0]) === 0) throw new AllocError(`alloc ${address}: storage slot ${prefixedHex(storage[i]![0])} appears twice`);
      }
    }
    entries.push([
      address,
      {
        balance: value.balance === undefined ? 0n : integer(value.balance, `${address} balance`, MAX_BALANCE),
        nonce: value.nonce === undefined ? 0n : integer(value.nonce, `${address} nonce`, MAX_NONCE),
        code: value.code === undefined ? new Uint8Array(0) : bytes(value.code, `${address} code`),
        storage,
      },
    ]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i - 1]![0] === entries[i]![0]) throw new AllocError(`alloc: the address ${entries[i]![0]} appears twice (in different cases)`);
  }
  return new Map(entries);
}

const quantity = (value: bigint): string => `0x${value.toString(16)}`;

/** The canonical form of a parsed alloc (module docblock). */
export function allocJson(alloc: Alloc): AllocJson {
  const json: Record<string, AllocJsonAccount> = {};
  for (const [address, account] of alloc) {
    json[address] = {
      balance: quantity(account.balance),
      ...(account.nonce !== 0n && { nonce: quantity(account.nonce) }),
      ...(account.code.length > 0 && { code: prefixedHex(account.code) }),
      ...(account.storage.length > 0 && {
        storage: Object.fromEntries(account.storage.map(([slot, value]) => [prefixedHex(slot), value.length === 0 ? '0x0' : `0x${prefixedHex(value).slice(2).replace(/^0+/, '')}`])),
      }),
    };
  }
  return json;
}

/** `parseAlloc` then `allocJson`: any geth-style alloc in canonical form. Throws `AllocError`. */
export function normaliseAlloc(json: unknown): AllocJson {
  return allocJson(parseAlloc(json));
}

/** keccak-256 of the fixed encoding of an alloc (unchanged since execution databases first recorded it). */
export function allocHash(alloc: Alloc): Uint8Array {
  const canonical = [...alloc].map(([address, a]) => [
    address,
    `0x${a.balance.toString(16)}`,
    `0x${a.nonce.toString(16)}`,
    prefixedHex(a.code),
    a.storage.map(([slot, value]) => [prefixedHex(slot), prefixedHex(value)]),
  ]);
  return keccak256(new TextEncoder().encode(JSON.stringify(canonical)));
}

function integer(value: unknown, what: string, max: bigint): bigint {
  let parsed: bigint | undefined;
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) parsed = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) parsed = BigInt(value);
  if (parsed === undefined) throw new AllocError(`alloc ${what}: expected a hex quantity ("0x…") or a decimal string, got ${JSON.stringify(value)}`);
  if (parsed > max) throw new AllocError(`alloc ${what}: ${value} is above the largest allowed, 2^${max.toString(2).length}-1`);
  return parsed;
}

function bytes(value: unknown, what: string): Uint8Array {
  const parsed = tryParseHex(value);
  if (parsed !== undefined) return parsed;
  throw new AllocError(`alloc ${what}: expected 0x-prefixed hex bytes, got ${JSON.stringify(value)}`);
}

function word32(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) throw new AllocError(`alloc ${what}: expected hex of at most 32 bytes, got ${JSON.stringify(value)}`);
  const digits = value.slice(2).padStart(64, '0');
  const word = new Uint8Array(32);
  for (let i = 0; i < 32; i++) word[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return word;
}

function trimmed(word: Uint8Array): Uint8Array {
  let start = 0;
  while (start < word.length && word[start] === 0) start++;
  return word.slice(start);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
