/**
 * `dst execute`: an execution node (src/execution/node.ts) following a DST cluster with `DstFollower`
 * (src/verifier/follower.ts: only blocks whose group signature verifies against the lock's key), as a
 * command. Parses the flags, reads the lock (chain id, group public key, genesis alloc; an `--alloc`
 * file must equal the lock's alloc, or gives it for a lock without one), and runs until
 * SIGINT/SIGTERM, then closes cleanly (the block being executed is committed first). Exit code 0 on a
 * signal, 1 when execution stopped on an error or could not start, 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { pino, type Level } from 'pino';
import { createLogger } from '../api/index.js';
import type { Logger } from '../api/logger.js';
import { AllocError, allocHash, parseAlloc, parseClusterLock, readAllocFile, type Alloc, type ClusterLock } from '../cluster/index.js';
import { startExecutionNode } from '../execution/node.js';
import { DstFollower, type FollowerEvent } from '../verifier/follower.js';
import { parseHex, prefixedHex } from '../bytes/index.js';
import { commandFailed, integerFlag, parseFlags, UsageError } from './usage.js';

export const EXECUTE_HELP = `Usage: dst execute --follow ws://NODE[,ws://NODE...] --lock cluster-lock.json --data-dir DIR [options]

Follows a DST cluster and executes its chain: every signed block, verified against the lock's group
public key (blocks that do not verify are never executed), runs in order in an embedded EVM
(@ethereumjs/vm, Prague) on the state in an LMDB database in --data-dir, and the Ethereum JSON-RPC
(eth_getBalance, eth_call, eth_estimateGas, eth_getTransactionReceipt, eth_getLogs, fees, filters, ...)
is served on --rpc-port. eth_sendRawTransaction is forwarded to the followed nodes. A restarted
execution node resumes after its last executed block. README "Formats", "Execution" says what
executing a block means (skipped transactions, fees, the genesis alloc).

Options:
  --follow <urls>        Comma-separated DST node URLs (ws:// or http://, their RPC port). Required.
  --lock <file>          The cluster's cluster-lock.json (chain id, group public key, genesis alloc).
                         Required.
  --data-dir <dir>       The execution database (created on first start). Required.
  --alloc <file>         The genesis state is the lock's alloc ("dst create cluster --alloc", or the
                         DKG definition's), so this is not needed: given, it must hold the same state
                         as the lock's (a geth-style alloc JSON; an error names both hashes when it
                         differs). Only for a lock without an alloc (made before locks carried one) it
                         gives the genesis state; every execution node of that chain must then use
                         the same file (the database remembers its hash and refuses another).
  --fee-recipient <addr> Coinbase of every executed block; priority fees go there. Every execution
                         node of a chain must use the same one (default: the zero address).
  --rpc-host <host>      JSON-RPC interface (default: 127.0.0.1).
  --rpc-port <port>      JSON-RPC port, HTTP and WebSocket (default: 8645; 0 = any free port).
  --log-level <level>    pino level; logs are JSON lines on stdout (default: info).
  -h, --help             Print this help.

Example, beside a devnet on the default ports:
  dst execute --follow ws://127.0.0.1:8545,ws://127.0.0.1:8546 --lock DIR/node-1/cluster-lock.json \\
    --data-dir ./exec-db --rpc-port 8645
`;

export interface ExecuteCommand {
  follow: string[];
  lockFile: string;
  dataDir: string;
  allocFile: string | undefined;
  feeRecipient: Uint8Array | undefined;
  rpcHost: string;
  rpcPort: number;
  logLevel: Level | 'silent';
}

export function parseExecuteCommand(args: string[]): ExecuteCommand | 'help' {
  const { values, positionals } = parseFlags(args, {
    follow: { type: 'string' },
    lock: { type: 'string' },
    'data-dir': { type: 'string' },
    alloc: { type: 'string' },
    'fee-recipient': { type: 'string' },
    'rpc-host': { type: 'string' },
    'rpc-port': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.follow === undefined) throw new UsageError('--follow is required');
  if (values.lock === undefined) throw new UsageError('--lock is required');
  if (values['data-dir'] === undefined) throw new UsageError('--data-dir is required');
  const follow = values.follow.split(',').map((url) => url.trim()).filter((url) => url.length > 0);
  for (const url of follow) {
    if (!/^(wss?|https?):\/\/[^/]+/.test(url)) throw new UsageError(`--follow: ${JSON.stringify(url)} is not a ws:// or http:// URL`);
  }
  if (follow.length === 0) throw new UsageError('--follow: expected at least one URL');
  let feeRecipient: Uint8Array | undefined;
  if (values['fee-recipient'] !== undefined) {
    try {
      feeRecipient = parseHex('--fee-recipient', values['fee-recipient'], { length: 20 });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return {
    follow,
    lockFile: values.lock,
    dataDir: values['data-dir'],
    allocFile: values.alloc,
    feeRecipient,
    rpcHost: values['rpc-host'] ?? '127.0.0.1',
    rpcPort: values['rpc-port'] === undefined ? 8645 : integerFlag('--rpc-port', values['rpc-port'], 0, 65535),
    logLevel: logLevel(values['log-level'] ?? 'info'),
  };
}

/**
 * The follower's connections in the log: each connection at info, each lost one at warn (the follower
 * goes on from the next URL), a node dropped for a bad block at error (it is not asked again).
 */
function logFollowerEvent(logger: Logger, event: FollowerEvent): void {
  if (event.kind === 'connected') logger.info({ url: event.url, head: event.head }, 'following');
  else if (event.kind === 'disconnected') logger.warn({ url: event.url, why: event.why }, 'lost the followed node');
  else logger.error({ url: event.url, number: event.number, reason: event.reason, detail: event.detail }, 'dropped a node that served a bad block');
}

export async function runExecuteCommand(args: string[]): Promise<number> {
  let command: ExecuteCommand | 'help';
  let lock;
  let alloc;
  try {
    command = parseExecuteCommand(args);
    if (command === 'help') {
      process.stdout.write(EXECUTE_HELP);
      return 0;
    }
    lock = parseClusterLock(readText(command.lockFile, '--lock'), command.lockFile);
    alloc = await genesisAlloc(lock, command.lockFile, command.allocFile);
  } catch (error) {
    return commandFailed('dst execute', 'dst execute', error, error instanceof UsageError || error instanceof AllocError);
  }
  const logger = createLogger({ level: command.logLevel, name: 'dst-execute' });
  const trust = { chainId: lock.chainId, groupPublicKey: lock.groupPublicKey };
  let node;
  try {
    node = await startExecutionNode({
      dataDir: command.dataDir,
      chainId: lock.chainId,
      alloc,
      feeRecipient: command.feeRecipient,
      follow: (checkpoint) => {
        const follower = new DstFollower({ urls: command.follow, trust, ...(checkpoint.number > 0 && { checkpoint }), onEvent: (event) => logFollowerEvent(logger, event) });
        return { blocks: follower.blocks(), close: () => follower.close() };
      },
      upstream: command.follow,
      rpcHost: command.rpcHost,
      rpcPort: command.rpcPort,
      logger,
    });
  } catch (error) {
    logger.fatal({ err: error }, 'the execution node could not start');
    return 1;
  }
  // "rpc listening", as a node logs it (src/devnet/logs.ts: what the devnet and the test harness wait for).
  logger.info({ url: node.server.url, wsUrl: node.server.wsUrl, chainId: lock.chainId.toString(), follow: command.follow, head: node.executor.headNumber() }, 'rpc listening');
  const signal = new Promise<'signal'>((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
  });
  const outcome = await Promise.race([signal, node.done]);
  // The head is read while the store is open: once it is closed, a read fails (and would exit 1).
  let head = node.executor.headNumber();
  node.executor.onExecuted((block) => (head = block.number));
  await node.close();
  logger.info({ head }, 'stopped');
  return outcome === 'signal' ? 0 : 1;
}

/**
 * The genesis alloc of `lock`; an `--alloc` file must hold the same state (same `allocHash`), or gives
 * the state for a lock that has no alloc.
 */
export async function genesisAlloc(lock: ClusterLock, lockFile: string, allocFile: string | undefined): Promise<Alloc> {
  const locked = parseAlloc(lock.alloc ?? {});
  if (allocFile === undefined) return locked;
  const given = (await readAllocFile(allocFile)).alloc;
  if (locked.size === 0) return given;
  const [a, b] = [prefixedHex(allocHash(given)), prefixedHex(allocHash(locked))];
  if (a !== b) {
    throw new UsageError(`--alloc ${allocFile}: its state (alloc hash ${a}) is not the genesis alloc of ${lockFile} (alloc hash ${b}): ` +
      'the lock\'s alloc is the chain\'s genesis state; leave --alloc out');
  }
  return locked;
}

function logLevel(text: string): Level | 'silent' {
  const levels = [...Object.keys(pino.levels.values), 'silent'];
  if (!levels.includes(text)) throw new UsageError(`--log-level: expected one of ${levels.join(', ')}, got ${JSON.stringify(text)}`);
  return text as Level | 'silent';
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${file}: ${(error as Error).message}`);
  }
}
