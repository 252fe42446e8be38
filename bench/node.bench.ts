/**
 * Single-node throughput (issue 6 "Benchmark").
 *
 * 1. End to end: a `dst run --single` process (the built CLI, dist/, with the devnet's process settings,
 *    as an operator runs it) with block time 0 and a separate load-generator process
 *    (bench/tps-load.ts) sending pre-signed transactions over JSON-RPC (HTTP): one transaction per
 *    request with 32 and with 128 requests in flight, and JSON-RPC batches of 25 with 32 in flight. Reported: transactions/s accepted (acknowledged by eth_sendRawTransaction)
 *    and included (in signed, stored blocks), the node process's CPU time per transaction
 *    (/proc/<pid>/stat user + system, all its threads) and the load generator's (it shares the cores).
 * 2. CPU per transaction, broken down, in this process, on batches of 1,000 transactions: the whole
 *    admission path (decode + sender recovery + pool) against its parts — decoding (RLP, field checks,
 *    keccak of the raw bytes and of the signing payload), sender recovery (native secp256k1), the
 *    transaction-hash keccak alone, the block's transactions trie — and LMDB storage (1,000 pool writes
 *    in one batch; a 1,000-transaction block commit). Each line's time per op ÷ 1,000 is its cost per
 *    transaction. Then the CPU of one transaction lookup in the newest stored block (what
 *    eth_getTransactionByHash and receipts cost the node).
 *
 * BENCH_TPS_SENDERS / BENCH_TPS_PER_SENDER set the end-to-end load (default 200 × 50 = 10,000; the
 * batched run sends four times as many, 40,000, so that it lasts long enough to leave the warm-up).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assembleBlock,
  decodeTransaction,
  genesisBlock,
  Mempool,
  parseTransaction,
  recoverSender,
  type IncludedView,
} from '../src/chain/index.js';
import { DEFAULT_POOL_LIMITS, missingNodeFlags, NODE_PROCESS_ENVIRONMENT, NodeStore } from '../src/node/index.js';
import { keccak256, transactionsRootWithHashes } from '../src/wasm/index.js';
import { spawnDst, whenListening } from '../test/e2e/node-process.js';
import { existsSync } from 'node:fs';
import { compareAsync, figure } from './harness.js';
import { makeLoad } from '../src/load/index.js';

const CHAIN_ID = 904n;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BATCH = 1_000;
const BENCH_SOURCE = { id: 'bench', maxPending: Number.MAX_SAFE_INTEGER };

export async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, i.e. 11 and 12 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function endToEnd(inFlight: number, batch: number): Promise<void> {
  const senders = Number(process.env.BENCH_TPS_SENDERS ?? 200);
  // Batches go four times as fast: four times the transactions, so the run is not mostly warm-up.
  const perSender = Number(process.env.BENCH_TPS_PER_SENDER ?? 50) * (batch > 1 ? 4 : 1);
  const dataDir = await mkdtemp(join(tmpdir(), 'dst-bench-node-'));
  // The node an operator runs: the built CLI with the devnet's process settings (src/node/process-settings.ts).
  for (const [name, value] of Object.entries(NODE_PROCESS_ENVIRONMENT)) process.env[name] ??= value;
  const args = ['run', '--single', '--data-dir', dataDir, '--chain-id', CHAIN_ID.toString(), '--block-time', '0', '--rpc-port', '0', '--log-level', 'info'];
  const node = await whenListening(spawnDst(args, missingNodeFlags(), 'dist'));
  try {
    const cpuBefore = await cpuSeconds(node.pid);
    const output = await new Promise<string>((resolve, reject) => {
      const load = spawn(process.execPath, ['--import', 'tsx', 'bench/tps-load.ts', node.url, CHAIN_ID.toString(), String(senders), String(perSender), String(inFlight), String(batch)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      load.stdout.on('data', (chunk) => (out += String(chunk)));
      load.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`tps-load exited with ${code}`))));
    });
    const cpu = (await cpuSeconds(node.pid)) - cpuBefore;
    const { accepted, acceptSeconds, includeSeconds, loadCpuSeconds } = JSON.parse(output) as { accepted: number; acceptSeconds: number; includeSeconds: number; loadCpuSeconds: number };
    const blocks = node.logs.filter((l) => l.msg === 'block signed and stored').length;
    const shape = batch === 1 ? 'one transaction per request' : `JSON-RPC batches of ${batch}`;
    console.log(`\nEnd to end, one node (block time 0), load from a separate process: ${accepted} transactions from ${senders} senders, ${inFlight} requests in flight, ${shape}`);
    const run = `one node, ${inFlight} in flight, ${batch === 1 ? 'one per request' : `batches of ${batch}`}`;
    console.log(`  ${acceptSeconds.toFixed(2)} s to accept, ${includeSeconds.toFixed(2)} s to include (${blocks} blocks); node CPU ${cpu.toFixed(2)} s user+system for ${accepted}`);
    figure({ name: `${run}: accepted`, value: accepted / acceptSeconds, unit: 'tx/s' });
    figure({ name: `${run}: included in signed blocks`, value: accepted / includeSeconds, unit: 'tx/s' });
    figure({ name: `${run}: node CPU per transaction`, value: (cpu / accepted) * 1e6, unit: 'µs', better: 'lower' });
    // The load generator shares the two cores: what it takes is not left for the node.
    figure({ name: `${run}: load generator CPU per transaction`, value: (loadCpuSeconds / accepted) * 1e6, unit: 'µs', better: 'lower' });
  } finally {
    node.signal('SIGTERM');
    await node.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function breakdown(): Promise<void> {
  const { transactions } = makeLoad(CHAIN_ID, BATCH / 10, 10);
  const raws = transactions.flat();
  const rules = { chainId: CHAIN_ID, maxBytes: 128 * 1024 };
  const decoded = raws.map((raw) => decodeTransaction(raw, rules));
  const parsed = raws.map((raw) => parseTransaction(raw, rules));
  const nothingIncluded: IncludedView = { lastIncludedNonce: () => undefined, isIncluded: () => false };
  const dataDir = await mkdtemp(join(tmpdir(), 'dst-bench-store-'));
  const store = new NodeStore(dataDir);
  let sequence = 0;
  const template = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesisBlock(CHAIN_ID).hash, timestampMs: 1n, proposer: 1 }, raws);
  let number = 0;
  try {
    const result = await compareAsync({
      title: `CPU per transaction, batches of ${BATCH} (ms/op ÷ ${BATCH} = per transaction)`,
      subject: {
        name: 'admit: decode+recover+pool',
        fn: () => {
          const pool = new Mempool({ ...DEFAULT_POOL_LIMITS, maxTransactions: 10 * BATCH, maxBytes: 1 << 30 }, nothingIncluded);
          for (const raw of raws) pool.add(parseTransaction(raw, rules), BENCH_SOURCE, 0);
        },
      },
      peers: [
        { name: 'decode (RLP, checks, 2 keccak)', fn: () => raws.forEach((raw) => decodeTransaction(raw, rules)) },
        { name: 'sender recovery (secp256k1)', fn: () => decoded.forEach((tx) => recoverSender(tx)) },
        { name: 'keccak-256 of the raw tx', fn: () => raws.forEach((raw) => keccak256(raw)) },
        { name: 'transactions trie (block)', fn: () => transactionsRootWithHashes(raws) },
        {
          name: 'LMDB: pool writes, 1 batch',
          async: true,
          fn: () => Promise.all(raws.map((raw) => store.addPending(sequence++, raw))),
        },
        {
          name: 'LMDB: block commit',
          async: true,
          fn: () => {
            number++;
            const hash = keccak256(new TextEncoder().encode(`block-${number}`));
            return store.commitBlock(
              { block: { ...template, header: { ...template.header, number }, hash }, round: 1, signingRoot: hash, signature: new Uint8Array(96) },
              parsed,
              [],
            );
          },
        },
      ],
    });
    for (const r of [result.subject, ...result.peers]) figure({ name: `CPU per transaction: ${r.name}`, value: (r.meanMs * 1000) / BATCH, unit: 'µs', better: 'lower' });

    // One transaction read back from the newest stored block, as eth_getTransactionByHash and receipts do.
    const lookups = 500;
    const before = process.cpuUsage();
    for (let i = 0; i < lookups; i++) if (store.includedTransaction(parsed[(i * 37) % parsed.length]!.hash) === undefined) throw new Error('node bench: a stored transaction was not found');
    const spent = process.cpuUsage(before);
    figure({ name: `transaction lookup in a stored ${BATCH}-transaction block, CPU`, value: (spent.user + spent.system) / lookups, unit: 'µs', better: 'lower' });
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('node.bench: the node runs the built CLI, as operators do: run `npm run build:ts` first');
  await endToEnd(32, 1);
  await endToEnd(128, 1);
  await endToEnd(32, 25);
  await breakdown();
}
