/**
 * The devnet's set-up (./devnet.ts): what it is asked for (`DevnetOptions`), and `planDevnet`, which
 * finds or creates the cluster and checks that every port it needs is free before any node starts.
 * The cluster directory is created with `createCluster` (src/cluster) unless it already holds a
 * cluster-lock.json, which is then reused (its chain continues, and flags that contradict it are
 * refused). A new cluster's lock carries the devnet's genesis alloc (./accounts.ts: the development
 * account and the load accounts). What is wrong with the set-up is a `DevnetSetupError`, which the command
 * (src/cli/devnet.ts) reports as bad usage.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLUSTER_LOCK_FILE, createCluster, DEFAULT_BASE_PORT, nodeDirName, parseClusterLock, type ClusterLock } from '../cluster/index.js';
import { devnetAlloc } from './accounts.js';
import { portInUse } from './probe.js';

export const DEFAULT_NODES = 4;
export const DEFAULT_BLOCK_TIME_MS = 1_000;
export const DEFAULT_CHAIN_ID = 901n;
export const DEFAULT_RPC_BASE_PORT = 8545;
/** The execution node's JSON-RPC port (`dst execute`'s own default). */
export const DEFAULT_EXECUTION_RPC_PORT = 8645;
/** Stop once no node has answered for this long (DevnetOptions.allDownTimeoutMs). */
export const DEFAULT_ALL_DOWN_TIMEOUT_MS = 30_000;

/**
 * What a devnet is asked for. The fields that shape a new cluster (nodes, threshold, blockTimeMs,
 * chainId, p2pBasePort) are undefined when not asked for: a reused cluster directory is checked against
 * only what was asked, and a new one takes the defaults above.
 */
export interface DevnetOptions {
  nodes: number | undefined;
  threshold: number | undefined;
  /** The cluster directory; undefined: a fresh temporary one. */
  dir: string | undefined;
  blockTimeMs: number | undefined;
  chainId: bigint | undefined;
  p2pBasePort: number | undefined;
  /** Node i serves JSON-RPC on 127.0.0.1:<rpcBasePort + i - 1>. */
  rpcBasePort: number;
  /** Transactions per second of the in-process load; 0 = none. */
  loadTps: number;
  /** Stop (exit code 1) once no node has answered, and none of the devnet's processes run, for this long; 0 = never. */
  allDownTimeoutMs: number;
  /** Run one `dst execute` beside the cluster (./execution.ts); its JSON-RPC on 127.0.0.1:<executionRpcPort>. */
  execute: boolean;
  executionRpcPort: number;
}

/** The devnet cannot run as asked: a port in use, a lock it cannot run, options that contradict the lock. */
export class DevnetSetupError extends Error {}

export interface DevnetPlan {
  dir: string;
  lock: ClusterLock;
  /** Whether the lock was already there. */
  reused: boolean;
  rpcPorts: number[];
  p2pPorts: number[];
  /** The execution node's RPC port, when it runs (`execute`). */
  executionRpcPort: number | undefined;
}

/** The TCP port of a loopback multiaddr the devnet can run, or an error naming the node. */
function loopbackPort(address: string, node: number): number {
  const match = /^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)$/.exec(address);
  if (!match) throw new DevnetSetupError(`node ${node} listens on ${address} in the cluster lock: dst devnet runs only clusters on 127.0.0.1 (/ip4/127.0.0.1/tcp/<port>)`);
  return Number(match[1]);
}

async function assertPortsFree(rpcPorts: number[], p2pPorts: number[], executionRpcPort: number | undefined): Promise<void> {
  const owners = new Map<number, string>();
  const claim = (port: number, owner: string) => {
    const other = owners.get(port);
    if (other !== undefined) throw new DevnetSetupError(`port ${port} is both ${other} and ${owner}: choose other ports with --rpc-base-port or --p2p-base-port`);
    owners.set(port, owner);
  };
  rpcPorts.forEach((port, i) => claim(port, `the RPC port of node ${i + 1}`));
  p2pPorts.forEach((port, i) => claim(port, `the p2p port of node ${i + 1}`));
  if (executionRpcPort !== undefined) claim(executionRpcPort, 'the RPC port of the execution node');
  for (const [port, owner] of owners) {
    if (await portInUse(port)) {
      const flag = owner.includes('execution') ? '--execution-rpc-port (or --no-execute)' : owner.includes('RPC') ? '--rpc-base-port' : '--p2p-base-port (or a new --dir)';
      throw new DevnetSetupError(`port ${port}, ${owner}, is in use on 127.0.0.1 (another devnet or node still running?): stop it or choose other ports with ${flag}`);
    }
  }
}

/** Checks that flags given for a reused cluster agree with its lock. */
function assertMatchesLock(args: DevnetOptions, lock: ClusterLock, lockFile: string): void {
  const mismatch = (flag: string, given: unknown, locked: unknown) => {
    throw new DevnetSetupError(`${flag} ${given} does not match the cluster in ${lockFile} (${locked}): leave it out to reuse that cluster, or give a new --dir`);
  };
  if (args.nodes !== undefined && args.nodes !== lock.operators.length) mismatch('--nodes', args.nodes, `${lock.operators.length} nodes`);
  if (args.threshold !== undefined && args.threshold !== lock.threshold) mismatch('--threshold', args.threshold, `threshold ${lock.threshold}`);
  if (args.chainId !== undefined && args.chainId !== lock.chainId) mismatch('--chain-id', args.chainId, `chain id ${lock.chainId}`);
  if (args.blockTimeMs !== undefined && args.blockTimeMs !== lock.blockTimeMs) mismatch('--block-time', args.blockTimeMs, `block time ${lock.blockTimeMs} ms`);
  if (args.p2pBasePort !== undefined) {
    const first = loopbackPort(lock.operators[0]!.addresses[0]!, 1);
    if (first !== args.p2pBasePort + 1) mismatch('--p2p-base-port', args.p2pBasePort, `node 1 on p2p port ${first}`);
  }
}

/** Finds or creates the cluster and checks its ports; nothing is started yet. */
export async function planDevnet(args: DevnetOptions): Promise<DevnetPlan> {
  const dir = args.dir === undefined ? await mkdtemp(join(tmpdir(), 'dst-devnet-')) : resolve(args.dir);
  const lockFile = join(dir, CLUSTER_LOCK_FILE);
  const rpcPortsFor = (nodes: number) => Array.from({ length: nodes }, (_, i) => args.rpcBasePort + i);
  const executionRpcPort = args.execute ? args.executionRpcPort : undefined;
  if (existsSync(lockFile)) {
    const lock = parseClusterLock(await readFile(lockFile, 'utf8'), lockFile);
    assertMatchesLock(args, lock, lockFile);
    for (const operator of lock.operators) {
      if (!existsSync(join(dir, nodeDirName(operator.index)))) {
        throw new DevnetSetupError(`${dir} holds a cluster lock but no ${nodeDirName(operator.index)}/: give the cluster directory (the one holding node-1 … node-${lock.operators.length}), not a node's`);
      }
    }
    const p2pPorts = lock.operators.map((operator) => loopbackPort(operator.addresses[0]!, operator.index));
    const rpcPorts = rpcPortsFor(lock.operators.length);
    await assertPortsFree(rpcPorts, p2pPorts, executionRpcPort);
    return { dir, lock, reused: true, rpcPorts, p2pPorts, executionRpcPort };
  }
  const nodes = args.nodes ?? DEFAULT_NODES;
  const basePort = args.p2pBasePort ?? DEFAULT_BASE_PORT;
  const p2pPorts = Array.from({ length: nodes }, (_, i) => basePort + i + 1);
  const rpcPorts = rpcPortsFor(nodes);
  await assertPortsFree(rpcPorts, p2pPorts, executionRpcPort);
  const lock = await createCluster({
    nodes,
    threshold: args.threshold,
    chainId: args.chainId ?? DEFAULT_CHAIN_ID,
    blockTimeMs: args.blockTimeMs ?? DEFAULT_BLOCK_TIME_MS,
    outDir: dir,
    basePort,
    alloc: devnetAlloc(),
  });
  return { dir, lock, reused: false, rpcPorts, p2pPorts, executionRpcPort };
}
