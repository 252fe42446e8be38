/**
 * Load generator process for the cluster benchmark (bench/cluster.bench.ts), run on its own so that
 * its CPU is its own:
 *
 *   tsx bench/cluster-load.ts <rpc url,url,...> <tps> <seconds> <senders> <batch>
 *
 * Runs src/load's `startLoad` (fresh random senders, token-bucket pacing at <tps>, each sender bound to
 * one URL, JSON-RPC batches of <batch>) for <seconds>, stops it, then waits until every sender's last
 * accepted transaction is in a signed block on the first URL's node. Prints one JSON line: the load's
 * counts, the seconds until it stopped and until the last inclusion, and this process's CPU seconds
 * (user + system, signing included).
 */
import { startLoad, type AcceptedTransaction } from '../src/load/index.js';

const [urlsText, tpsText, secondsText, sendersText, batchText] = process.argv.slice(2);
if (!urlsText || !tpsText || !secondsText || !sendersText || !batchText) {
  console.error('usage: tsx bench/cluster-load.ts <rpc url,url,...> <tps> <seconds> <senders> <batch>');
  process.exit(2);
}
const urls = urlsText.split(',');

async function transactionBlock(hash: string): Promise<string | null> {
  const response = await fetch(urls[0]!, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionByHash', params: [hash] }),
  });
  const json = (await response.json()) as { result?: { blockNumber: string | null } | null; error?: { message: string } };
  if (json.error) throw new Error(`eth_getTransactionByHash: ${json.error.message}`);
  return json.result?.blockNumber ?? null;
}

const lastBySender = new Map<string, AcceptedTransaction>();
const started = performance.now();
const load = await startLoad({
  urls,
  tps: Number(tpsText),
  senders: Number(sendersText),
  batch: Number(batchText),
  onAccepted: (tx) => lastBySender.set(tx.sender, tx),
});
await new Promise((resolve) => setTimeout(resolve, Number(secondsText) * 1000));
const summary = await load.stop();
const loadSeconds = (performance.now() - started) / 1000;
for (const { hash } of lastBySender.values()) {
  while ((await transactionBlock(hash)) === null) await new Promise((resolve) => setTimeout(resolve, 5));
}
const includeSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    accepted: summary.accepted,
    rejected: summary.rejected,
    firstError: summary.firstError,
    behind: summary.behind,
    loadSeconds,
    includeSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }),
);
