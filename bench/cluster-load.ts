/**
 * Load generator process for the cluster benchmark (bench/cluster.bench.ts), run on its own so that
 * its CPU is its own:
 *
 *   tsx bench/cluster-load.ts <rpc url,url,...> <chain id> <first sender> <senders> <transactions per sender> <in flight> <batch>
 *
 * Signs EIP-155 transfers up front for senders <first sender> … (bench/tps-transactions.ts `makeLoad`'s
 * deterministic keys; runs against one chain take disjoint ranges so nonces start at 0), then sends them with
 * eth_sendRawTransaction, <in flight> requests at a time (JSON-RPC batches of <batch> when > 1), sender
 * s always to URL s mod (number of URLs) so that node sees its nonces in order, then waits until every
 * sender's last transaction is in a signed block on the first URL's node. Prints one JSON line: how
 * many were accepted, the seconds until the last acceptance and until the last inclusion, and this
 * process's CPU seconds (user + system) for the sending, signing excluded.
 */
import { keccak256 } from '../src/wasm/index.js';
import { makeLoad } from './tps-transactions.js';

const [urlsText, chainIdText, firstText, sendersText, perSenderText, inFlightText, batchText] = process.argv.slice(2);
if (!urlsText || !chainIdText || !firstText || !sendersText || !perSenderText || !inFlightText || !batchText) {
  console.error('usage: tsx bench/cluster-load.ts <rpc url,url,...> <chain id> <first sender> <senders> <transactions per sender> <in flight> <batch>');
  process.exit(2);
}
const urls = urlsText.split(',');
const senders = Number(sendersText);
const inFlight = Number(inFlightText);
const batch = Number(batchText);
const transactions = makeLoad(BigInt(chainIdText), Number(firstText) + senders, Number(perSenderText)).transactions.slice(Number(firstText));
const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;

let id = 0;
/** One JSON-RPC request of one call or a batch; returns the answers, throwing on the first error. */
async function post(url: string, calls: Array<{ method: string; params: unknown[] }>): Promise<unknown[]> {
  const body = calls.map(({ method, params }) => ({ jsonrpc: '2.0', id: ++id, method, params }));
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls.length === 1 ? body[0] : body) });
  const json = (await response.json()) as unknown;
  const answers = (Array.isArray(json) ? json : [json]) as Array<{ result?: unknown; error?: { message: string } }>;
  const failed = answers.find((a) => a.error);
  if (failed || answers.length !== calls.length) throw new Error(`${calls[0]!.method}: ${failed?.error?.message ?? 'missing answers'}`);
  return answers.map((a) => a.result);
}

const cpuStart = process.cpuUsage();
const started = performance.now();
let accepted = 0;
let nextSender = 0;
await Promise.all(
  Array.from({ length: Math.min(inFlight, senders) }, async () => {
    for (let s = nextSender++; s < senders; s = nextSender++) {
      const list = transactions[s]!;
      const url = urls[s % urls.length]!;
      for (let i = 0; i < list.length; i += batch) {
        const raws = list.slice(i, i + batch);
        await post(url, raws.map((raw) => ({ method: 'eth_sendRawTransaction', params: [hex(raw)] })));
        accepted += raws.length;
      }
    }
  }),
);
const acceptSeconds = (performance.now() - started) / 1000;
for (const list of transactions) {
  const last = hex(keccak256(list.at(-1)!));
  while (((await post(urls[0]!, [{ method: 'eth_getTransactionByHash', params: [last] }]))[0] as { blockNumber?: string } | null)?.blockNumber == null) {
    await new Promise((r) => setTimeout(r, 5));
  }
}
const includeSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
console.log(JSON.stringify({ accepted, acceptSeconds, includeSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
