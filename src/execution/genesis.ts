/**
 * The genesis state of an execution chain written into an EVM state (`applyAlloc`). The alloc itself —
 * geth's genesis `alloc` format, its parser, canonical form and hash — is src/cluster/alloc.ts, free of
 * @ethereumjs because the cluster lock carries it; it is re-exported here for the execution code.
 */
import type { MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address } from '@ethereumjs/util';
import { parseHex } from '../bytes/index.js';
import type { Alloc } from '../cluster/alloc.js';

export { AllocError, allocHash, allocJson, normaliseAlloc, parseAlloc, MAX_ALLOC_FILE_BYTES, type Alloc, type AllocJson, type GenesisAccount } from '../cluster/alloc.js';

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
