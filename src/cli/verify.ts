/**
 * `dst verify` and `dst follow`: the verifier (src/verifier) as commands, for an operator, an auditor
 * or a rollup team checking a cluster's chain from outside it, trusting only the cluster lock (or a
 * chain id and group key given by hand) — never the node they ask.
 *
 * - `dst verify --rpc URL --lock FILE [--from N] [--to M]`: fetches the range with
 *   `dst_getSignedBlocks` (the next range fetched while this one is verified) and verifies it with
 *   `verifyChain`, on worker threads (`VerifierWorkers`, one per core unless `--workers`); a progress bar on a terminal (a line every 10 s otherwise), then a summary. Exit 0
 *   only when every block verified, 1 on the first bad block (named, with its reason) or a node that
 *   cannot be asked, 2 on bad usage.
 * - `dst follow --rpc ws://…[,ws://…] --lock FILE [--from N]`: `DstFollower`, printing each verified
 *   block (height, hash, transactions, round, lag behind its timestamp, the node it came from); it
 *   fails over between the URLs, and exits 1 on a bad block or an equivocation (both printed).
 */
import { readFileSync } from 'node:fs';
import { parseHex, prefixedHex } from '../bytes/index.js';
import { genesisBlock } from '../chain/index.js';
import { parseClusterLock } from '../cluster/index.js';
import {
  DstFollower, EquivocationError, httpCall, signedBlockFromJson, verifyChain, verifySignedBlock, VerifierWorkers, type BackendName, type ChainParent, type SignedBlockData, type Trust,
} from '../verifier/index.js';
import { chainIdFlag, commandFailed, parseFlags, positiveInteger, UsageError } from './usage.js';

const TRUST_HELP = `Trust (one of):
  --lock <file>          The cluster's cluster-lock.json: its chain id and group public key.
  --chain-id <n> --group-key <hex>
                         The same given by hand (the 48-byte compressed key, 0x-prefixed).`;

export const VERIFY_HELP = `Usage: dst verify --rpc URL --lock cluster-lock.json [--from N] [--to M]

Verifies that a DST node's blocks are the cluster's, trusting only the lock: every header decodes
canonically and has the cluster's chain id, every block's transactions hash to its transactions root,
blocks link (numbers, parent hashes, timestamps), and every block's signature verifies against the
cluster's group key. The node's own claims (hashes, keys) are not used.

Options:
  --rpc <url>            The node's JSON-RPC URL (http:// or https://). Required.
${TRUST_HELP}
  --from <n>             First block to verify (default: 1).
  --to <n>               Last block to verify (default: the node's head when it starts).
  --backend <name>       Signature backend: auto (native blst where it loads), native or wasm.
  --workers <n>          Worker threads to verify on (default: one per core; 0: this thread only).
  -h, --help             Print this help.

A progress bar goes to standard error on a terminal (a line every 10 s otherwise), then a summary
on standard output: blocks and transactions verified, blocks per second, the first failure and why.
Exit code 0 only if every block verified; 1 on a bad block or a node that cannot be asked; 2 on bad usage.
`;

export const FOLLOW_HELP = `Usage: dst follow --rpc ws://NODE[,ws://NODE...] --lock cluster-lock.json [--from N]

Follows a DST cluster like a rollup's node would: subscribes to new heads, fetches every signed block,
verifies it against the lock (as "dst verify" does) and prints it — height, hash, transactions, round,
lag behind the block's timestamp and the node it came from — strictly in order. When its node goes
away it continues from the next URL with no gap and no duplicate.

Options:
  --rpc <urls>           Comma-separated WebSocket URLs of the cluster's nodes. Required.
${TRUST_HELP}
  --from <n>             First block to print (default: the head when it starts). Block n − 1 is
                         fetched and verified first, as the point to continue from.
  --backend <name>       Signature backend: auto, native or wasm.
  -h, --help             Print this help.

Exit code 1 on a block that does not verify (the node and the reason are printed) or on two validly
signed blocks at one height (an equivocation: both are printed); 2 on bad usage. Ctrl-C stops it (0).
`;

const TRUST_FLAGS = {
  lock: { type: 'string' },
  'chain-id': { type: 'string' },
  'group-key': { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function trustFrom(values: { lock?: string; 'chain-id'?: string; 'group-key'?: string }): Trust {
  if (values.lock !== undefined) {
    if (values['chain-id'] !== undefined || values['group-key'] !== undefined) throw new UsageError('give --lock or --chain-id with --group-key, not both');
    let text: string;
    try {
      text = readFileSync(values.lock, 'utf8');
    } catch (error) {
      throw new UsageError(`--lock: cannot read ${values.lock}: ${(error as Error).message}`);
    }
    const lock = parseClusterLock(text, values.lock);
    return { chainId: lock.chainId, groupPublicKey: lock.groupPublicKey };
  }
  const chainId = chainIdFlag(values['chain-id']);
  if (chainId === undefined || values['group-key'] === undefined) throw new UsageError('--lock, or --chain-id with --group-key, is required');
  try {
    return { chainId, groupPublicKey: parseHex('--group-key', values['group-key'], { length: 48 }) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function backendFrom(text: string | undefined): BackendName {
  if (text === undefined) return 'auto';
  if (text !== 'auto' && text !== 'native' && text !== 'wasm') throw new UsageError(`--backend: expected auto, native or wasm, got ${JSON.stringify(text)}`);
  return text;
}

function lastInteger(text: string | undefined, flag: string): number | undefined {
  return text === '0' ? 0 : positiveInteger(flag, text);
}

export async function runVerifyCommand(args: string[]): Promise<number> {
  let url: string;
  let trust: Trust;
  let from: number;
  let to: number | undefined;
  let backend: BackendName;
  let workers: number | undefined;
  try {
    const { values } = parseFlags(args, { ...TRUST_FLAGS, rpc: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, workers: { type: 'string' } });
    if (values.help) {
      process.stdout.write(VERIFY_HELP);
      return 0;
    }
    if (values.rpc === undefined || !/^https?:\/\//.test(values.rpc)) throw new UsageError('--rpc: expected the http:// or https:// URL of a node');
    url = values.rpc;
    trust = trustFrom(values);
    from = positiveInteger('--from', values.from) ?? 1;
    to = positiveInteger('--to', values.to);
    if (to !== undefined && to < from) throw new UsageError(`--to ${to} is before --from ${from}`);
    backend = backendFrom(values.backend);
    workers = lastInteger(values.workers, '--workers');
  } catch (error) {
    return commandFailed('dst verify', 'dst verify', error);
  }
  // Ranges of MIN_WORKER_BLOCKS or more go to the worker threads (src/verifier/workers.ts); started on the first.
  const pool = workers === 0 ? undefined : new VerifierWorkers({ workers });
  try {
    const head = Number(await httpCall(url, 'eth_blockNumber', []));
    to ??= head;
    if (to > head) throw new Error(`--to ${to} is above the node's head, block ${head}`);
    if (to < from) throw new Error(`the node's head is block ${head}, before --from ${from}`);
    return await verifyRange(url, trust, from, to, backend, pool);
  } catch (error) {
    return commandFailed('dst verify', 'dst verify', error, false);
  } finally {
    await pool?.close();
  }
}

async function verifyRange(url: string, trust: Trust, from: number, to: number, backend: BackendName, workers: VerifierWorkers | undefined): Promise<number> {
  const total = to - from + 1;
  const progress = progressReporter(total);
  const fetchRange = async (start: number): Promise<SignedBlockData[]> => {
    const answer = await httpCall(url, 'dst_getSignedBlocks', [`0x${start.toString(16)}`, Math.min(256, to - start + 1)]);
    if (!Array.isArray(answer) || answer.length === 0) throw new Error(`the node gave no blocks from block ${start}`);
    return answer.map(signedBlockFromJson);
  };
  const started = performance.now();
  let parent: ChainParent | undefined;
  if (from === 1) {
    parent = { number: 0, hash: genesisBlock(trust.chainId).hash, timestampMs: 0n };
  }
  let next = from;
  let transactions = 0;
  let pending = fetchRange(next);
  while (next <= to) {
    const blocks = await pending;
    const after = next + blocks.length;
    if (after <= to) pending = fetchRange(after); // fetched while this range is verified
    const result = await verifyChain(blocks, trust, { parent, backend, workers });
    const good = result.verified.length;
    transactions += blocks.slice(0, good).reduce((sum, b) => sum + b.transactions.length, 0);
    progress.update(next - from + good);
    if (!result.ok) {
      progress.done();
      pending.catch(() => {});
      summary(next - from + good, transactions, started);
      process.stdout.write(`FAILED at block ${result.number ?? next + result.index}: ${result.reason}: ${result.detail}\n`);
      return 1;
    }
    parent = result.head;
    next = after;
  }
  progress.done();
  summary(total, transactions, started);
  process.stdout.write(`OK: blocks ${from}..${to} are the cluster's (chain id ${trust.chainId}, group key ${prefixedHex(trust.groupPublicKey)})\n`);
  return 0;
}

function summary(blocks: number, transactions: number, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`verified ${blocks} blocks, ${transactions} transactions in ${seconds.toFixed(1)} s (${Math.round(blocks / Math.max(seconds, 1e-3))} blocks/s)\n`);
}

/** A bar redrawn in place on a terminal, or a line every 10 s when standard error is not one. */
function progressReporter(total: number): { update(done: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let lastLine = started;
  let current = 0;
  const render = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = Math.round(current / Math.max(seconds, 1e-3));
    const width = 30;
    const filled = Math.round((current / total) * width);
    return `${tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : ''}${current}/${total} blocks (${Math.floor((current / total) * 100)}%), ${rate} blocks/s`;
  };
  return {
    update(done) {
      current = done;
      if (tty) process.stderr.write(`\r${render()}`);
      else if (performance.now() - lastLine >= 10_000) {
        lastLine = performance.now();
        process.stderr.write(`${render()}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write(`\r${render()}\n`);
    },
  };
}

export async function runFollowCommand(args: string[]): Promise<number> {
  let urls: string[];
  let trust: Trust;
  let from: number | undefined;
  let backend: BackendName;
  try {
    const { values } = parseFlags(args, { ...TRUST_FLAGS, rpc: { type: 'string' }, from: { type: 'string' } });
    if (values.help) {
      process.stdout.write(FOLLOW_HELP);
      return 0;
    }
    urls = (values.rpc ?? '').split(',').filter((u) => u.length > 0);
    if (urls.length === 0 || urls.some((u) => !/^wss?:\/\//.test(u))) throw new UsageError('--rpc: expected comma-separated ws:// or wss:// URLs of the nodes');
    trust = trustFrom(values);
    from = lastInteger(values.from, '--from');
    backend = backendFrom(values.backend);
  } catch (error) {
    return commandFailed('dst follow', 'dst follow', error);
  }
  let checkpoint: { number: number; hash: Uint8Array };
  try {
    checkpoint = await startingPoint(urls, trust, from, backend);
  } catch (error) {
    return commandFailed('dst follow', 'dst follow', error, false);
  }
  let badBlock: string | undefined;
  const follower = new DstFollower({
    urls, trust, checkpoint, backend,
    onEvent(event) {
      if (event.kind === 'connected') process.stderr.write(`connected to ${event.url} (head ${event.head})\n`);
      else if (event.kind === 'disconnected') process.stderr.write(`lost ${event.url}: ${event.why}\n`);
      else {
        badBlock = `${event.url} served a bad block${event.number === undefined ? '' : ` at height ${event.number}`}: ${event.reason}: ${event.detail}`;
        void follower.close();
      }
    },
  });
  const stop = () => void follower.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const block of follower.blocks()) {
      const lag = Date.now() - Number(block.header.timestampMs);
      process.stdout.write(`block ${block.number} ${prefixedHex(block.hash)} txs ${block.transactions.length} round ${block.round} lag ${lag} ms from ${block.source}\n`);
    }
  } catch (error) {
    if (error instanceof EquivocationError) {
      process.stdout.write(`EQUIVOCATION at height ${error.number}: ${prefixedHex(error.first.hash)} and ${prefixedHex(error.second.hash)} (from ${error.second.source}), both signed by the group key\n`);
      return 1;
    }
    return commandFailed('dst follow', 'dst follow', error, false);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (badBlock) {
    process.stdout.write(`BAD BLOCK: ${badBlock}\n`);
    return 1;
  }
  return 0;
}

/** The verified block before the first one to print: block from − 1, or the head, from the first URL that answers. */
async function startingPoint(urls: string[], trust: Trust, from: number | undefined, backend: BackendName): Promise<{ number: number; hash: Uint8Array }> {
  const problems: string[] = [];
  for (const ws of urls) {
    const http = ws.replace(/^ws/, 'http');
    try {
      const number = from === undefined ? Number(await httpCall(http, 'eth_blockNumber', [])) : Math.max(from - 1, 0);
      const block = signedBlockFromJson(await httpCall(http, 'dst_getSignedBlock', [`0x${number.toString(16)}`]));
      const result = await verifySignedBlock(block, trust, { backend });
      if (!result.ok) throw new Error(`its block ${number} does not verify: ${result.reason}: ${result.detail}`);
      return { number: result.number, hash: result.hash };
    } catch (error) {
      problems.push(`${ws}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no node gave a block to start from: ${problems.join('; ')}`);
}
