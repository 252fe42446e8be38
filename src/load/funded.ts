/**
 * Funded senders for the load generator (./generator.ts, `LoadOptions.keys`): keys whose accounts an
 * execution chain's genesis alloc funds (the devnet's, src/devnet/accounts.ts), so their transfers
 * execute instead of being skipped for insufficient funds. A chain that already ran has used them, so
 * each one starts at its next nonce by the node, `eth_getTransactionCount(address, "pending")`, asked
 * in JSON-RPC batches of `NONCE_BATCH` from one URL before the first transaction is sent.
 */
import { prefixedHex } from '../bytes/index.js';
import type { SenderKey } from './transactions.js';

/** Addresses asked per JSON-RPC batch (well under a DST node's batch and burst limits, src/api/limits.ts). */
export const NONCE_BATCH = 100;
/** Most funded keys one run takes. */
export const MAX_FUNDED_KEYS = 10_000;
const NONCE_TIMEOUT_MS = 10_000;

/** A funded key with the nonce its next transaction gets. */
export interface FundedSender extends SenderKey {
  nonce: number;
}

/** Each key with its next nonce (pending) at `url`; throws naming the URL when a nonce cannot be had. */
export async function fundedSenders(url: string, keys: readonly SenderKey[]): Promise<FundedSender[]> {
  if (keys.length > MAX_FUNDED_KEYS) throw new RangeError(`keys: at most ${MAX_FUNDED_KEYS} funded keys, got ${keys.length}`);
  const senders: FundedSender[] = [];
  for (let start = 0; start < keys.length; start += NONCE_BATCH) {
    const chunk = keys.slice(start, start + NONCE_BATCH);
    const body = chunk.map((key, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_getTransactionCount', params: [prefixedHex(key.address), 'pending'] }));
    let answers: Array<{ id?: unknown; result?: unknown; error?: { message?: string } }>;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(NONCE_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const answer = (await response.json()) as unknown;
      if (!Array.isArray(answer)) throw new Error(`expected a batch answer, got ${JSON.stringify(answer).slice(0, 200)}`);
      answers = answer as typeof answers;
    } catch (error) {
      throw new Error(`eth_getTransactionCount of the funded load keys from ${url}: ${(error as Error).message}`, { cause: error });
    }
    const byId = new Map(answers.map((answer) => [answer?.id, answer]));
    chunk.forEach((key, i) => {
      const result = byId.get(i)?.result;
      if (typeof result !== 'string' || !/^0x[0-9a-f]+$/i.test(result) || !Number.isSafeInteger(Number(result))) {
        throw new Error(`eth_getTransactionCount of ${prefixedHex(key.address)} from ${url}: expected a quantity, got ${JSON.stringify(byId.get(i)?.error?.message ?? result)}`);
      }
      senders.push({ ...key, nonce: Number(result) });
    });
  }
  return senders;
}
