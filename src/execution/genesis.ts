/**
 * The genesis state of an execution chain: an `alloc` in the format of geth's genesis file
 * (https://geth.ethereum.org/docs/fundamentals/private-network, the `alloc` object):
 *
 * ```json
 * { "0x71562b71999873DB5b286dF957af199Ec94617F7": { "balance": "0xd3c21bcecceda1000000" },
 *   "0x…": { "balance": "1000", "nonce": "0x1", "code": "0x6080…", "storage": { "0x0": "0x2a" } } }
 * ```
 *
 * Addresses with or without 0x, in any case; balance and nonce as a hex quantity or a decimal string;
 * code as hex bytes; storage slots and values as hex up to 32 bytes. Anything else is an error naming
 * the account and field. `allocHash` is keccak-256 of the canonical form (accounts sorted by address,
 * every value normalised), so equal allocs hash equal however they were written.
 */
import type { MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address } from '@ethereumjs/util';
import { keccak256 } from '../wasm/index.js';
import { parseHex, prefixedHex, tryParseHex } from '../bytes/index.js';

export interface GenesisAccount {
  balance: bigint;
  nonce: bigint;
  code: Uint8Array;
  /** 32-byte slot → value (without leading zeros). */
  storage: Array<[Uint8Array, Uint8Array]>;
}

/** Accounts by lower-case 0x address, sorted. */
export type Alloc = Map<string, GenesisAccount>;

export class AllocError extends Error {
  override name = 'AllocError';
}

const ADDRESS = /^(0x)?[0-9a-fA-F]{40}$/;

/** Parses a geth-style alloc (the JSON value, already parsed). Throws `AllocError`. */
export function parseAlloc(json: unknown): Alloc {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AllocError('alloc: expected an object of address → account');
  const entries: Array<[string, GenesisAccount]> = [];
  for (const [key, value] of Object.entries(json)) {
    if (!ADDRESS.test(key)) throw new AllocError(`alloc: ${JSON.stringify(key)} is not a 20-byte hex address`);
    const address = `0x${key.replace(/^0x/, '').toLowerCase()}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AllocError(`alloc ${address}: expected an object with "balance"`);
    const fields = value as Record<string, unknown>;
    for (const name of Object.keys(fields)) {
      if (!['balance', 'nonce', 'code', 'storage'].includes(name)) throw new AllocError(`alloc ${address}: unknown field ${JSON.stringify(name)} (balance, nonce, code, storage)`);
    }
    const storage: Array<[Uint8Array, Uint8Array]> = [];
    if (fields.storage !== undefined) {
      if (typeof fields.storage !== 'object' || fields.storage === null || Array.isArray(fields.storage)) throw new AllocError(`alloc ${address}: storage must be an object of slot → value`);
      for (const [slot, word] of Object.entries(fields.storage)) storage.push([word32(slot, `${address} storage slot`), trimmed(word32(word, `${address} storage[${slot}]`))]);
      storage.sort(([a], [b]) => Buffer.compare(a, b));
    }
    entries.push([
      address,
      {
        balance: fields.balance === undefined ? 0n : integer(fields.balance, `${address} balance`),
        nonce: fields.nonce === undefined ? 0n : integer(fields.nonce, `${address} nonce`),
        code: fields.code === undefined ? new Uint8Array(0) : bytes(fields.code, `${address} code`),
        storage,
      },
    ]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (new Set(entries.map(([a]) => a)).size !== entries.length) throw new AllocError('alloc: an address appears twice (in different cases)');
  return new Map(entries);
}

/** keccak-256 of the canonical JSON of an alloc. */
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

/** Writes the alloc into an (empty) state and commits it to the trie. */
export async function applyAlloc(state: MerkleStateManager, alloc: Alloc): Promise<void> {
  await state.checkpoint();
  for (const [hexAddress, account] of alloc) {
    const address = new Address(parseHex('address', hexAddress, { length: 20 }));
    await state.putAccount(address, new Account(account.nonce, account.balance));
    if (account.code.length > 0) await state.putCode(address, account.code);
    for (const [slot, value] of account.storage) await state.putStorage(address, slot, value);
  }
  await state.commit();
  await state.flush();
}

function integer(value: unknown, what: string): bigint {
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new AllocError(`alloc ${what}: expected a hex quantity ("0x…") or a decimal string, got ${JSON.stringify(value)}`);
}

function bytes(value: unknown, what: string): Uint8Array {
  const parsed = tryParseHex(value);
  if (parsed !== undefined) return parsed;
  throw new AllocError(`alloc ${what}: expected 0x-prefixed hex bytes, got ${JSON.stringify(value)}`);
}

function word32(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) throw new AllocError(`alloc ${what}: expected hex of at most 32 bytes, got ${JSON.stringify(value)}`);
  return Uint8Array.from(Buffer.from(value.slice(2).padStart(64, '0'), 'hex'));
}

function trimmed(word: Uint8Array): Uint8Array {
  let start = 0;
  while (start < word.length && word[start] === 0) start++;
  return word.slice(start);
}
