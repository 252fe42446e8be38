/**
 * Load generator for the node throughput benchmark (bench/node.bench.ts), run as its own process so
 * that the node's CPU is the node's alone:
 *
 *   tsx bench/tps-load.ts <rpc url> <chain id> <senders> <transactions per sender> <concurrency> [batch]
 *
 * Signs EIP-155 legacy transfers up front (src/load/transactions.ts), then sends them with eth_sendRawTransaction, `concurrency` requests in flight, each sender's
 * transactions in nonce order. Prints one JSON line: how many were accepted, the seconds until the
 * last acceptance and until the last inclusion (every sender's last transaction in a signed block), and
 * this process's CPU seconds while sending.
 */
import { parseTransaction } from '../src/chain/index.js';
import { keccak256 } from '../src/wasm/index.js';
import { makeLoad } from '../src/load/index.js';

const [url, chainIdText, sendersText, perSenderText, concurrencyText, batchText = '1'] = process.argv.slice(2);
if (!url || !chainIdText || !sendersText || !perSenderText || !concurrencyText) {
  console.error('usage: tsx bench/tps-load.ts <rpc url> <chain id> <senders> <transactions per sender> <concurrency> [batch]');
  process.exit(2);
}
const chainId = BigInt(chainIdText);
const senders = Number(sendersText);
const perSender = Number(perSenderText);
const concurrency = Number(concurrencyText);
const batch = Number(batchText);

const { transactions, addresses } = makeLoad(chainId, senders, perSender);
// The node must recover the sender the load generator signed as.
if (Buffer.compare(parseTransaction(transactions[0]![0]!, { chainId, maxBytes: 1 << 20 }).sender, addresses[0]!) !== 0) {
  throw new Error('tps-load: the signed transaction does not recover to its sender');
}

let id = 0;
async function call(method: string, params: unknown[]): Promise<any> {
  const response = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
  const json = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (json.error) throw new Error(`${method}: ${json.error.message}`);
  return json.result;
}

/** One JSON-RPC batch of eth_sendRawTransaction calls; every one must succeed. */
async function callBatch(raws: string[]): Promise<void> {
  const body = JSON.stringify(raws.map((raw) => ({ jsonrpc: '2.0', id: ++id, method: 'eth_sendRawTransaction', params: [raw] })));
  const response = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answers = (await response.json()) as Array<{ error?: { message: string } }>;
  const failed = answers.find((a) => a.error);
  if (failed || answers.length !== raws.length) throw new Error(`eth_sendRawTransaction batch: ${failed?.error?.message ?? 'missing answers'}`);
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;
const started = performance.now();
const cpuStarted = process.cpuUsage();
let accepted = 0;
// Each worker takes senders round-robin and sends that sender's transactions in order.
let nextSender = 0;
await Promise.all(
  Array.from({ length: Math.min(concurrency, senders) }, async () => {
    for (let s = nextSender++; s < senders; s = nextSender++) {
      const list = transactions[s]!;
      for (let i = 0; i < list.length; i += batch) {
        if (batch === 1) await call('eth_sendRawTransaction', [hex(list[i]!)]);
        else await callBatch(list.slice(i, i + batch).map((raw) => hex(raw)));
        accepted += Math.min(batch, list.length - i);
      }
    }
  }),
);
const acceptSeconds = (performance.now() - started) / 1000;
const { user, system } = process.cpuUsage(cpuStarted);
// This process shares the machine's cores with the node: its CPU while sending says how much it takes.
const loadCpuSeconds = (user + system) / 1e6;
for (const list of transactions) {
  const last = hex(keccak256(list.at(-1)!));
  while ((await call('eth_getTransactionByHash', [last]))?.blockNumber == null) await new Promise((r) => setTimeout(r, 5));
}
const includeSeconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ accepted, acceptSeconds, includeSeconds, loadCpuSeconds }));
