/**
 * The accounts a new devnet's genesis alloc funds (issue 14), so that `dst execute` beside it executes
 * transactions from the start:
 *
 * - **The development account**, anvil's and Hardhat's well-known first test account
 *   (private key 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80, address
 *   0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266), with 10,000 ether. Its key is public: TEST ONLY,
 *   never send anything of value to it on any chain.
 * - **The load accounts**: `DEVNET_LOAD_ACCOUNTS` keys keccak-256("dst-devnet-load-<i>"), 1,000 ether
 *   each, the keys the devnet's load generator sends from (src/load, `LoadOptions.keys`).
 *
 * The alloc goes into the new cluster's lock (src/cluster/lock.ts), so every execution node of the
 * devnet's chain starts from it.
 */
import { prefixedHex } from '../bytes/index.js';
import type { AllocJson } from '../cluster/index.js';
import { addressOf, type SenderKey } from '../load/index.js';
import { keccak256 } from '../wasm/index.js';

export const DEV_ACCOUNT = {
  privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  address: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  balanceWei: 10_000n * 10n ** 18n,
} as const;

/** How many load accounts the devnet's alloc funds: the generator's default senders and replacements to spare. */
export const DEVNET_LOAD_ACCOUNTS = 200;
export const DEVNET_LOAD_BALANCE_WEI = 1_000n * 10n ** 18n;

/** The devnet's load keys (module docblock), in order. */
export function devnetLoadKeys(count = DEVNET_LOAD_ACCOUNTS): SenderKey[] {
  return Array.from({ length: count }, (_, i) => {
    const privateKey = keccak256(new TextEncoder().encode(`dst-devnet-load-${i}`));
    return { privateKey, address: addressOf(privateKey) };
  });
}

/** The genesis alloc of a new devnet, in canonical form: the development account and the load accounts. */
export function devnetAlloc(): AllocJson {
  const quantity = (wei: bigint) => `0x${wei.toString(16)}`;
  const alloc: Record<string, { balance: string }> = { [DEV_ACCOUNT.address]: { balance: quantity(DEV_ACCOUNT.balanceWei) } };
  for (const key of devnetLoadKeys()) alloc[prefixedHex(key.address)] = { balance: quantity(DEVNET_LOAD_BALANCE_WEI) };
  return Object.fromEntries(Object.entries(alloc).sort(([a], [b]) => (a < b ? -1 : 1)));
}
