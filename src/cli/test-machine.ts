/**
 * `dst test machine` (issue 17, a pre-flight check as operators know it from `charon alpha test`):
 * measures this machine's hot paths with the node's own code — a partial BLS signature (blst), the
 * combination of t partials (Lagrange interpolation in WebAssembly), the group signature's
 * verification, an Ethereum sender recovery (libsecp256k1), keccak-256 of a transaction, and an LMDB
 * commit with fsync (lmdb-js's defaults, as the node's store: the write resolves once flushed), in the
 * data directory's file system — and prints what a node here can sustain:
 *
 * - blocks/s = 1 / (sign + combine + verify + commit): this machine's share of one block, one after
 *   the other as the node does them (the network's round trips come on top: `dst test peers`);
 * - tx/s = the sender recoveries and hashes per second of the crypto worker threads (`DST_WORKERS`,
 *   default cores − 1, at least 1), each transaction recovered once and hashed twice (its hash, and its
 *   sender's address).
 *
 * The verdict compares blocks/s with the block time (`--block-time MS`, or the lock's with `--dir`):
 * "good" at twice the rate the block time asks or more, "marginal" between once and twice, "too slow"
 * below (exit code 1). Each operation runs for `--duration MS` (default 1000) after a short warm-up.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import secp256k1 from 'secp256k1';
import { CLUSTER_LOCK_FILE, MAX_BLOCK_TIME_MS, parseClusterLock } from '../cluster/index.js';
import { combine, createThresholdKey, defaultWorkerCount, partialSign, recoverAddress, verify } from '../crypto/index.js';
import { keccak256 } from '../wasm/index.js';
import { commandFailed, optionalInteger, parseFlags, UsageError } from './usage.js';

export const TEST_MACHINE_HELP = `Usage: dst test machine [--dir NODE_DIR | --block-time MS] [options]

Measures this machine's hot paths with the node's own code: a partial BLS signature, combining t
partials, verifying the group signature, an Ethereum sender recovery (secp256k1), keccak-256 of a
transaction, and an LMDB commit with fsync on the disk of the data directory. Prints each one's rate
and what a node here can sustain: blocks per second (sign + combine + verify + commit, one after the
other; the network's round trips come on top, see "dst test peers") and transactions per second
(sender recovery and hashing on the crypto worker threads), with a verdict against the block time:
good (at least twice the blocks per second it asks), marginal (at least once), too slow (exit 1).

Options:
  --dir <path>           A node directory: its lock gives the block time, n and t, and the LMDB
                         commit is measured next to its database.
  --block-time <ms>      The block time to judge against (default: the lock's with --dir, else 1000).
  --threshold <t>        Partials combined (default: the lock's with --dir, else 3).
  --data-dir <path>      Where to measure the LMDB commit (default: NODE_DIR with --dir, else the
                         system's temporary directory). A scratch database is made and removed there.
  --duration <ms>        How long each operation is measured (default: 1000).
  --json                 Print the figures as one JSON object instead of the table.
  -h, --help             Print this help.
`;

/** One operation's rate. */
export interface MachineFigure {
  name: string;
  /** Operations per second. */
  perSecond: number;
  /** Mean time of one, ms. */
  meanMs: number;
}

export interface MachineReport {
  figures: MachineFigure[];
  blockTimeMs: number;
  threshold: number;
  workers: number;
  blocksPerSecond: number;
  transactionsPerSecond: number;
  verdict: 'good' | 'marginal' | 'too slow';
}

/** Runs `op` repeatedly for `durationMs` (after a tenth of it as warm-up). */
async function measure(name: string, durationMs: number, op: () => unknown | Promise<unknown>): Promise<MachineFigure> {
  const run = async (ms: number): Promise<{ count: number; elapsed: number }> => {
    const start = performance.now();
    let count = 0;
    let elapsed = 0;
    do {
      const result = op();
      if (result instanceof Promise) await result;
      count++;
      elapsed = performance.now() - start;
    } while (elapsed < ms);
    return { count, elapsed };
  };
  await run(Math.max(10, durationMs / 10));
  const { count, elapsed } = await run(durationMs);
  return { name, perSecond: (count * 1000) / elapsed, meanMs: elapsed / count };
}

export async function testMachine(options: { blockTimeMs: number; threshold: number; dataDir: string; durationMs: number; workers: number }): Promise<MachineReport> {
  const { threshold, durationMs } = options;
  const key = createThresholdKey({ shares: Math.max(threshold, 1), threshold });
  const message = randomBytes(32);
  const partials = key.shares.slice(0, threshold).map((share) => partialSign(share, message));
  const signature = combine(partials);
  if (!verify(key.groupPublicKey, message, signature)) throw new Error('self-check failed: the combined signature does not verify');
  const figures: MachineFigure[] = [];
  figures.push(await measure('partial sign', durationMs, () => partialSign(key.shares[0]!, message)));
  figures.push(await measure(`combine ${threshold} partials`, durationMs, () => combine(partials)));
  figures.push(await measure('verify group signature', durationMs, () => verify(key.groupPublicKey, message, signature)));

  const secret = randomBytes(32);
  const hash = randomBytes(32);
  const { signature: ecdsa, recid } = secp256k1.ecdsaSign(hash, secret);
  figures.push(await measure('secp256k1 sender recovery', durationMs, () => recoverAddress({ hash, signature: ecdsa, recovery: recid })));
  const transaction = randomBytes(120); // an ETH transfer's RLP is about 110 bytes
  figures.push(await measure('keccak-256 (120 bytes)', durationMs, () => keccak256(transaction)));

  const scratch = await mkdtemp(join(options.dataDir, '.dst-test-machine-'));
  try {
    const env = open({ path: scratch, maxDbs: 12 });
    const db = env.openDB({ name: 'blocks', keyEncoding: 'uint32', encoding: 'binary' });
    const block = randomBytes(100 * 120); // a block of 100 transfers
    let number = 0;
    figures.push(await measure('LMDB commit with fsync (12 KB)', durationMs, () => db.put(++number, block)));
    await env.close();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const ms = (name: string) => figures.find((figure) => figure.name.startsWith(name))!.meanMs;
  const perBlockMs = ms('partial sign') + ms('combine') + ms('verify') + ms('LMDB');
  const blocksPerSecond = 1000 / perBlockMs;
  const perTransactionMs = ms('secp256k1') + 2 * ms('keccak');
  const transactionsPerSecond = (1000 / perTransactionMs) * options.workers;
  const needed = options.blockTimeMs === 0 ? 0 : 1000 / options.blockTimeMs;
  const verdict = blocksPerSecond >= 2 * needed ? 'good' : blocksPerSecond >= needed ? 'marginal' : 'too slow';
  return { figures, blockTimeMs: options.blockTimeMs, threshold, workers: options.workers, blocksPerSecond, transactionsPerSecond, verdict };
}

const number = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2));

export function formatMachineReport(report: MachineReport): string {
  const lines = ['dst test machine: this machine\'s hot paths (the node\'s own code)', ''];
  const width = Math.max(...report.figures.map((figure) => figure.name.length));
  lines.push(`  ${'operation'.padEnd(width)}  ${'per second'.padStart(12)}  ${'each'.padStart(10)}`);
  for (const figure of report.figures) {
    lines.push(`  ${figure.name.padEnd(width)}  ${number(figure.perSecond).padStart(12)}  ${`${figure.meanMs.toFixed(3)} ms`.padStart(10)}`);
  }
  lines.push('');
  const asked = report.blockTimeMs === 0 ? 'block time 0 (as fast as possible)' : `block time ${report.blockTimeMs} ms asks ${number(1000 / report.blockTimeMs)} blocks/s`;
  lines.push(`sustainable: ${number(report.blocksPerSecond)} blocks/s (sign + combine + verify + commit, before network round trips), ${number(report.transactionsPerSecond)} tx/s (recovery and hashing on ${report.workers} worker thread${report.workers === 1 ? '' : 's'})`);
  lines.push(`verdict: ${report.verdict} — ${asked}${report.verdict === 'good' ? '; this machine has at least twice that' : report.verdict === 'marginal' ? '; this machine has less than twice that: little headroom' : '; this machine cannot keep up'}`);
  return lines.join('\n') + '\n';
}

export async function runTestMachineCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseFlags(args, {
      dir: { type: 'string' },
      'block-time': { type: 'string' },
      threshold: { type: 'string' },
      'data-dir': { type: 'string' },
      duration: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(TEST_MACHINE_HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const lockPath = values.dir === undefined ? undefined : join(resolve(values.dir), CLUSTER_LOCK_FILE);
    const lock = lockPath === undefined ? undefined : parseClusterLock(await readLock(lockPath), lockPath);
    const blockTimeMs = optionalInteger('--block-time', values['block-time'], 0, MAX_BLOCK_TIME_MS) ?? lock?.blockTimeMs ?? 1000;
    const threshold = optionalInteger('--threshold', values.threshold, 1, 64) ?? lock?.threshold ?? 3;
    const durationMs = optionalInteger('--duration', values.duration, 1, 60_000) ?? 1000;
    const dataDir = resolve(values['data-dir'] ?? values.dir ?? tmpdir());
    const workers = defaultWorkerCount();
    const report = await testMachine({ blockTimeMs, threshold, dataDir, durationMs, workers });
    process.stdout.write(values.json ? JSON.stringify(report) + '\n' : formatMachineReport(report));
    return report.verdict === 'too slow' ? 1 : 0;
  } catch (error) {
    return commandFailed('dst test machine', 'dst test machine', error);
  }
}

async function readLock(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--dir: cannot read ${path}: ${(error as Error).message} (expected a node directory from "dst create cluster")`);
  }
}
