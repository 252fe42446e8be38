/**
 * `dst devnet`: a whole cluster on one machine, each node its own `dst run` process on loopback.
 *
 * Set-up: the cluster directory is created with `createCluster` (src/cluster) unless it already holds
 * a cluster-lock.json, which is then reused (its chain continues, and flags that contradict it are
 * refused). Every port — RPC from --rpc-base-port, p2p from the lock — is checked free before any node
 * starts; what is wrong with the set-up (a port in use, flags that contradict the lock) is a
 * `DevnetSetupError`, which the command (src/cli/devnet.ts) reports as bad usage. Each node is spawned
 * by the node supervisor (./supervisor.ts) as `process.execPath` with this process's own exec arguments
 * and script, so it works from dist (`node dist/cli/main.js`) and from sources (`node --import tsx
 * src/cli/main.ts`). A node's stdout and stderr are appended to node-<i>/node.log; its stdout log lines
 * (./logs.ts) drive the live output and the summary (./tracker.ts).
 *
 * Nodes run in their own process groups, so a terminal's Ctrl-C reaches the devnet alone. Shutdown
 * (Ctrl-C, SIGTERM, or fewer live nodes than the threshold): the load generator stops, every live node
 * gets SIGTERM by pid, and any still running after 10 s gets SIGKILL. A second Ctrl-C sends SIGKILL at
 * once; if the devnet process exits any other way, its nodes get SIGKILL.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLUSTER_LOCK_FILE, createCluster, DEFAULT_BASE_PORT, nodeDirName, parseClusterLock, type ClusterLock } from '../cluster/index.js';
import { formatProgress, formatSummary, startLoad, type LoadRun } from '../load/index.js';
import { DEFAULT_STOP_GRACE_MS, spawnNode, stopNodes, type ExitStatus, type SupervisedNode } from './supervisor.js';
import { ChainTracker, formatDevnetSummary } from './tracker.js';

export const DEFAULT_NODES = 4;
export const DEFAULT_BLOCK_TIME_MS = 1_000;
export const DEFAULT_CHAIN_ID = 901n;
export const DEFAULT_RPC_BASE_PORT = 8545;

/** Lines of a node's stderr quoted when it exits unexpectedly. */
const STDERR_LINES_KEPT = 3;
/** The load generator reports every second; the devnet shows one progress line per this many. */
const LOAD_PROGRESS_EVERY = 5;
/** Environment variables of `dst run` that would make every node share one setting: the devnet sets these per node. */
const PER_NODE_ENVIRONMENT = ['DST_DIR', 'DST_DATA_DIR', 'DST_RPC_HOST', 'DST_RPC_PORT', 'DST_P2P_LISTEN', 'DST_LOG_LEVEL'];

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
}

/** The TCP port of a loopback multiaddr the devnet can run, or an error naming the node. */
function loopbackPort(address: string, node: number): number {
  const match = /^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)$/.exec(address);
  if (!match) throw new DevnetSetupError(`node ${node} listens on ${address} in the cluster lock: dst devnet runs only clusters on 127.0.0.1 (/ip4/127.0.0.1/tcp/<port>)`);
  return Number(match[1]);
}

/** Whether something already listens on 127.0.0.1:`port`. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? done(true) : fail(error)));
    server.listen(port, '127.0.0.1', () => server.close(() => done(false)));
  });
}

async function assertPortsFree(rpcPorts: number[], p2pPorts: number[]): Promise<void> {
  const owners = new Map<number, string>();
  const claim = (port: number, owner: string) => {
    const other = owners.get(port);
    if (other !== undefined) throw new DevnetSetupError(`port ${port} is both ${other} and ${owner}: choose other ports with --rpc-base-port or --p2p-base-port`);
    owners.set(port, owner);
  };
  rpcPorts.forEach((port, i) => claim(port, `the RPC port of node ${i + 1}`));
  p2pPorts.forEach((port, i) => claim(port, `the p2p port of node ${i + 1}`));
  for (const [port, owner] of owners) {
    if (await portInUse(port)) {
      const flag = owner.includes('RPC') ? '--rpc-base-port' : '--p2p-base-port (or a new --dir)';
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
    await assertPortsFree(rpcPorts, p2pPorts);
    return { dir, lock, reused: true, rpcPorts, p2pPorts };
  }
  const nodes = args.nodes ?? DEFAULT_NODES;
  const basePort = args.p2pBasePort ?? DEFAULT_BASE_PORT;
  const p2pPorts = Array.from({ length: nodes }, (_, i) => basePort + i + 1);
  const rpcPorts = rpcPortsFor(nodes);
  await assertPortsFree(rpcPorts, p2pPorts);
  const lock = await createCluster({
    nodes,
    threshold: args.threshold,
    chainId: args.chainId ?? DEFAULT_CHAIN_ID,
    blockTimeMs: args.blockTimeMs ?? DEFAULT_BLOCK_TIME_MS,
    outDir: dir,
    basePort,
  });
  return { dir, lock, reused: false, rpcPorts, p2pPorts };
}

/** The command line that runs `dst run` for one node with the same Node.js and script as this process. */
export function nodeCommand(nodeDir: string, rpcPort: number): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: [...process.execArgv, process.argv[1]!, 'run', '--dir', nodeDir, '--rpc-host', '127.0.0.1', '--rpc-port', String(rpcPort), '--log-level', 'info'],
  };
}

interface RunningNode {
  index: number;
  process: SupervisedNode;
  url: string | undefined;
  lastError: string | undefined;
  /** The last few lines on stderr (a usage error is its message and a hint). */
  recentStderr: string[];
  /** Resolves once its exit has been handled (reported, the quorum checked). */
  closed: Promise<void>;
}

/** Runs the devnet until Ctrl-C/SIGTERM or the loss of a quorum; returns the exit code. */
export async function runDevnet(args: DevnetOptions, print: (line: string) => void): Promise<number> {
  const plan = await planDevnet(args);
  const { dir, lock } = plan;
  const n = lock.operators.length;
  print(`devnet: ${n} nodes, threshold ${lock.threshold}, chain id ${lock.chainId}, block time ${lock.blockTimeMs} ms`);
  print(`${plan.reused ? 'reusing the cluster in' : 'created a cluster in'} ${dir}${args.dir === undefined ? ' (a temporary directory; pass it as --dir to restart this chain)' : ''}`);

  const tracker = new ChainTracker(n);
  const nodes: RunningNode[] = [];
  const environment = { ...process.env };
  for (const name of PER_NODE_ENVIRONMENT) delete environment[name];
  const startedAt = performance.now();
  let stopping = false;
  let load: LoadRun | undefined;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((done) => (finish = done));

  const alive = () => nodes.filter((node) => node.process.running).length;
  let settled = 0;
  let allUpAt: number | undefined;
  const nodeSettled = () => {
    if (++settled < n) return;
    allUpAt = performance.now();
    if (args.loadTps > 0 && !stopping) void beginLoad();
  };

  function startNode(index: number): RunningNode {
    const nodeDir = join(dir, nodeDirName(index));
    const { file, args: commandArgs } = nodeCommand(nodeDir, plan.rpcPorts[index - 1]!);
    const node: RunningNode = {
      index,
      url: undefined,
      lastError: undefined,
      recentStderr: [],
      closed: Promise.resolve(),
      process: spawnNode({
        file,
        args: commandArgs,
        env: environment,
        // Its own process group: a Ctrl-C in the terminal reaches only the devnet, which stops the load
        // before the nodes.
        detached: true,
        logFile: join(nodeDir, 'node.log'),
        onEvent: (event) => {
          switch (event.kind) {
            case 'listening':
              node.url = event.url;
              print(`node ${index} up: rpc ${event.url}, p2p port ${plan.p2pPorts[index - 1]}, pid ${node.process.pid}`);
              nodeSettled();
              break;
            case 'block': {
              const line = tracker.blockStored(index, event.block);
              if (line !== undefined) print(line);
              break;
            }
            case 'synced':
              tracker.advanceHead(index, event.head);
              print(`node ${index} synced: head ${event.head}`);
              break;
            case 'error':
              node.lastError = event.message;
              break;
            case 'stopped':
              break;
          }
        },
        onStderrLine: (line) => {
          // Stack frames and Node's version banner say nothing about the cause.
          if (line.trim() === '' || /^\s+at |^Node\.js v/.test(line)) return;
          node.recentStderr.push(line.trim());
          if (node.recentStderr.length > STDERR_LINES_KEPT) node.recentStderr.shift();
        },
        onError: (error) => {
          node.lastError = error.message;
        },
      }),
    };
    node.closed = node.process.exited.then((exit) => onExit(node, exit));
    return node;
  }

  async function onExit(node: RunningNode, exit: ExitStatus): Promise<void> {
    tracker.node(node.index).exit = exit;
    if (node.url === undefined) nodeSettled();
    const why = node.lastError ?? (node.recentStderr.length > 0 ? node.recentStderr.join(' ') : undefined);
    if (stopping) {
      print(`node ${node.index} stopped (exit ${exit})${exit !== 0 && why ? `: ${why}` : ''}`);
      return;
    }
    print(`node ${node.index} exited unexpectedly (exit ${exit})${why ? `: ${why}` : ''}; its log: ${join(dir, nodeDirName(node.index), 'node.log')}`);
    if (alive() < lock.threshold) {
      print(`only ${alive()} of ${n} nodes are running, fewer than the threshold ${lock.threshold}: no block can be signed; stopping the devnet`);
      void shutdown(1);
    } else {
      print(`${alive()} of ${n} nodes running: the devnet goes on (threshold ${lock.threshold})`);
    }
  }

  async function beginLoad(): Promise<void> {
    const urls = nodes.filter((node) => node.process.running && node.url !== undefined).map((node) => node.url!);
    if (urls.length === 0) return;
    let reports = 0;
    try {
      load = await startLoad({
        urls,
        tps: args.loadTps,
        chainId: lock.chainId,
        onProgress: (progress) => {
          if (++reports % LOAD_PROGRESS_EVERY === 0) print(formatProgress(progress));
        },
      });
      print(`load: ${args.loadTps} tx/s over ${urls.length} nodes`);
    } catch (error) {
      print(`load: could not start: ${(error as Error).message}`);
    }
  }

  async function shutdown(exitCode: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    if (load !== undefined) print(formatSummary(await load.stop()));
    const running = nodes.filter((node) => node.process.running);
    if (running.length > 0) print(`stopping ${running.length} node(s): SIGTERM`);
    await stopNodes(running.map((node) => node.process), {
      graceMs: DEFAULT_STOP_GRACE_MS,
      onGraceExpired: (stuck) => {
        const indices = running.filter((node) => stuck.includes(node.process)).map((node) => node.index);
        print(`node(s) ${indices.join(', ')} still running after ${DEFAULT_STOP_GRACE_MS / 1000} s: SIGKILL`);
      },
    });
    await Promise.all(nodes.map((node) => node.closed));
    const now = performance.now();
    print(formatDevnetSummary(tracker.summary(now - startedAt, allUpAt === undefined ? 0 : now - allUpAt)));
    finish(exitCode);
  }

  const onSignal = () => {
    if (!stopping) {
      void shutdown(0);
      return;
    }
    print('second interrupt: SIGKILL to every node still running');
    for (const node of nodes) node.process.signal('SIGKILL');
  };
  // Should this process end without a shutdown (an uncaught error), no node outlives it.
  const onExitProcess = () => nodes.forEach((node) => node.process.signal('SIGKILL'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExitProcess);

  for (let index = 1; index <= n; index++) nodes.push(startNode(index));
  try {
    return await finished;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExitProcess);
  }
}
