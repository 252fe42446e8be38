/**
 * `npx tsx bench/pool-memory.ts [COUNT]`: the resident memory of a `dst run --single` node (default
 * limits) with its pool full (issue 11, "bounds in real memory"). COUNT (default 100,000, the default
 * `--pool-max-transactions`) transactions, each of its own fresh sender with nonce 1 — so each waits
 * behind nonce 0 and none is included — are sent in batches of 1,000 from ten client addresses
 * (127.0.0.10–19, 10,000 each: the default per-client quota). Prints the node's RSS before and after,
 * the pool's size, and the time a restart with that pool takes to answer `eth_blockNumber` and to be
 * ready.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTransfer } from '../src/load/transactions.js';
import { keccak256 } from '../src/wasm/index.js';
import { postFrom, spawnDst, whenListening, type NodeProcess } from '../test/e2e/node-process.js';

const COUNT = Number(process.argv[2] ?? 100_000);
const CHAIN_ID = 918n;
const to = new Uint8Array(20).fill(5);

const post = postFrom;
const rss = async (pid: number): Promise<number> => Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const start = async (dir: string): Promise<NodeProcess> =>
  whenListening(spawnDst(['run', '--single', '--data-dir', dir, '--chain-id', CHAIN_ID.toString(), '--block-time', '0', '--rpc-port', '0', '--log-level', 'info']));

const dir = await mkdtemp(join(tmpdir(), 'dst-pool-memory-'));
let node = await start(dir);
try {
  console.log(`RSS idle: ${(await rss(node.pid)).toFixed(0)} MiB`);
  const signedAt = performance.now();
  let sent = 0;
  let refused = 0;
  for (let first = 0; first < COUNT; first += 1_000) {
    const raws = Array.from({ length: Math.min(1_000, COUNT - first) }, (_, i) =>
      `0x${Buffer.from(signTransfer(CHAIN_ID, keccak256(new TextEncoder().encode(`dst-pool-memory-${first + i}`)), 1, to)).toString('hex')}`);
    const from = `127.0.0.${10 + Math.floor(first / 10_000) % 10}`;
    const answers = await post(node.url, from, raws.map((raw, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [raw] })));
    for (const answer of answers) answer.error ? refused++ : sent++;
    if ((first / 1_000) % 20 === 19) console.log(`  ${first + 1_000} sent, RSS ${(await rss(node.pid)).toFixed(0)} MiB`);
  }
  const health = (await post(node.url, '127.0.0.2', { jsonrpc: '2.0', id: 1, method: 'dst_health', params: [] })).result;
  console.log(`pooled ${health.mempoolSize} (accepted ${sent}, refused ${refused}) in ${((performance.now() - signedAt) / 1000).toFixed(1)} s`);
  console.log(`RSS with the pool full: ${(await rss(node.pid)).toFixed(0)} MiB`);
  await node.stop();
  const restartedAt = performance.now();
  node = await start(dir);
  await post(node.url, '127.0.0.2', { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] });
  console.log(`restart: eth_blockNumber answered ${((performance.now() - restartedAt) / 1000).toFixed(2)} s after the process started`);
  for (;;) {
    const ready = (await post(node.url, '127.0.0.2', { jsonrpc: '2.0', id: 1, method: 'dst_health', params: [] })).result;
    if (ready.ready) {
      console.log(`restart: ready with ${ready.mempoolSize} pooled ${((performance.now() - restartedAt) / 1000).toFixed(2)} s after; RSS ${(await rss(node.pid)).toFixed(0)} MiB`);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
} finally {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
}
