/**
 * The transactions-trie root of a 10,000-transaction block in the WebAssembly core against
 * @ethereumjs/block's `genTransactionsTrieRoot` (the Merkle-Patricia trie of @ethereumjs/mpt), on the
 * same real signed transactions of mixed types. Both start from the raw transaction bytes (ethereumjs
 * is handed objects whose `serialize()` returns them), so the ratio compares trie building and
 * hashing only; the WebAssembly side also returns every transaction hash.
 */
import { genTransactionsTrieRoot } from '@ethereumjs/block';
import type { TypedTransaction } from '@ethereumjs/tx';
import { transactionsRoot } from '../src/wasm/trie.js';
import { makeSignedTransactions } from '../test/helpers/transactions.js';
import { compareAsync } from './harness.js';

/** `count` transactions (the CI subset takes 1,000: @ethereumjs needs seconds for 10,000). */
export async function run(count = 10_000): Promise<void> {
  const rawTransactions = makeSignedTransactions(count, { chainId: 1, seed: 1 });
  const asEthereumjsTransactions = rawTransactions.map((raw) => ({ serialize: () => raw })) as unknown as TypedTransaction[];
  const ours = Buffer.from(transactionsRoot(rawTransactions)).toString('hex');
  const theirs = Buffer.from(await genTransactionsTrieRoot(asEthereumjsTransactions)).toString('hex');
  if (ours !== theirs) throw new Error(`transactions roots differ: dst ${ours}, @ethereumjs ${theirs}`);

  await compareAsync({
    title: `transactionsRoot of ${count.toLocaleString('en-US')} signed transactions`,
    subject: { name: 'dst wasm transactionsRoot', fn: () => transactionsRoot(rawTransactions) },
    peers: [
      {
        name: '@ethereumjs/block',
        fn: () => genTransactionsTrieRoot(asEthereumjsTransactions),
        async: true,
        target: 10,
      },
    ],
  });
}
