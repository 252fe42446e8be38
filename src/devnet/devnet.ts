/**
 * `dst devnet`: a whole cluster on one machine, each node its own `dst run` process on loopback.
 *
 * Set-up (./plan.ts): the cluster is created or reused and every port — RPC from --rpc-base-port, p2p
 * from the lock — is checked free before any node starts. Each node is spawned
 * by the node supervisor (./supervisor.ts) as `process.execPath` with this process's own exec arguments
 * and script, so it works from dist (`node dist/cli/main.js`) and from sources (`node --import tsx
 * src/cli/main.ts`). A node's stdout and stderr are appended to node-<i>/node.log; its stdout log lines
 * (./logs.ts) drive the live output and the summary (./tracker.ts).
 *
 * Supervision is by the nodes' ports, not only by the processes the devnet spawned. The rules:
 * - A node is up when its RPC port (127.0.0.1:<rpcBasePort + i - 1>) answers GET /livez with 200 and
 *   the node's health JSON, whoever started it: the port is asked every second (2 s timeout), and the
 *   devnet's own process's "rpc listening" line counts too. It goes down when its devnet process exits,
 *   when the port refuses connections (served by no process of the devnet's), or after two probes in a
 *   row that got no 200. Each change is a
 *   line: "node 2 down: …; 3 of 4 nodes up (threshold 3): the devnet goes on", "node 2 up again: rpc
 *   …, not started by the devnet; …" (or "pid <pid>" when it is the devnet's process).
 * - While a node is down and the devnet's process for it is gone, its p2p port from the lock is tried
 *   with a TCP connect: a node started by hand on another RPC port is pointed out after 5 rounds (it
 *   does not count as up, but an open p2p port keeps the devnet from the all-down stop below).
 * - The devnet restarts a node only when asked (`restart <i>` typed on its standard input, ./commands.ts;
 *   `stop <i>` stops one) and never stops because of the number of nodes up: below the threshold the
 *   survivors keep running, it says no block can be signed until enough are back, and goes on.
 * - It stops by itself (exit code 1) only when (a) nodes whose devnet process exited before they ever
 *   answered (a failed start) leave fewer than the threshold, or (b) no node is up, none of the
 *   devnet's processes runs and no p2p port accepts, for `allDownTimeoutMs` (default 30 s; 0: never).
 * - The summary (./tracker.ts) counts "all nodes up" only over the time every node was up, and gives
 *   each node's downs, their total time, and whether it was up at the end and who served it.
 *
 * Nodes run in their own process groups, so a terminal's Ctrl-C reaches the devnet alone. Shutdown
 * (Ctrl-C, SIGTERM, or a rule above): the probes stop, the load generator stops, every live node the
 * devnet started gets SIGTERM by pid, and any still running after 10 s gets SIGKILL; a node started by
 * hand is left running (the devnet does not know its pid) and said so. A second Ctrl-C sends SIGKILL
 * at once; if the devnet process exits any other way, its nodes get SIGKILL.
 *
 * The load (--load) goes to every node's URL: the generator (src/load) sends to those that answer and
 * takes the others in again once they answer eth_chainId; it sends from the load accounts the lock's
 * alloc funds (./accounts.ts), when it funds them, so the transfers execute.
 *
 * Unless `execute` is off, one `dst execute` (./execution.ts) starts once every node has started or
 * failed, follows every node, and is stopped with them; the development account (./accounts.ts) is
 * printed with its TEST-ONLY key when the lock's alloc funds it.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { nodeDirName } from '../cluster/index.js';
import { formatProgress, formatSummary, startLoad, type LoadRun } from '../load/index.js';
import { DEFAULT_STOP_GRACE_MS, spawnNode, stopNodes, type ExitStatus, type SupervisedNode } from './supervisor.js';
import { probeRpc, tcpAccepts } from './probe.js';
import { planDevnet, type DevnetOptions } from './plan.js';
import { DEVNET_COMMANDS_HELP, parseDevnetCommand } from './commands.js';
import { ChainTracker, formatDevnetSummary } from './tracker.js';
import { DEV_ACCOUNT, devnetLoadKeys } from './accounts.js';
import { DevnetExecution, nodeExecutionArgs } from './execution.js';
import { prefixedHex } from '../bytes/index.js';
import { missingNodeFlags, nodeProcessEnvironment } from '../node/process-settings.js';


/** Lines of a node's stderr quoted when it exits unexpectedly. */
const STDERR_LINES_KEPT = 3;
/** The load generator reports every second; the devnet shows one progress line per this many. */
const LOAD_PROGRESS_EVERY = 5;
/** How often every node's RPC port is asked GET /livez. */
const PROBE_INTERVAL_MS = 1_000;
/**
 * Failed probes in a row before a node that was up counts as down (a refused connection counts at once
 * when the devnet's process for it is not running).
 */
const PROBE_FAILURES_FOR_DOWN = 2;
/** Probe rounds in a row with a down node's p2p port open and its RPC port not, before that is pointed out. */
const P2P_ONLY_ROUNDS_REPORTED = 5;
/** Environment variables of `dst run` that would make every node share one setting: the devnet sets these per node. */
const PER_NODE_ENVIRONMENT = ['DST_DIR', 'DST_DATA_DIR', 'DST_RPC_HOST', 'DST_RPC_PORT', 'DST_P2P_LISTEN', 'DST_LOG_LEVEL'];

/**
 * The command line that runs `dst run` for one node with the same Node.js and script as this process,
 * and the node process's memory flags (src/node/process-settings.ts) where this process's do not set them.
 */
export function nodeCommand(nodeDir: string, rpcPort: number, extraArgs: readonly string[] = []): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: [...process.execArgv, ...missingNodeFlags(), process.argv[1]!, 'run', '--dir', nodeDir, '--rpc-host', '127.0.0.1', '--rpc-port', String(rpcPort), '--log-level', 'info', ...extraArgs],
  };
}

interface DevnetNode {
  index: number;
  rpcPort: number;
  p2pPort: number;
  /** Its JSON-RPC URL, http://127.0.0.1:<rpcPort>/. */
  url: string;
  /** The devnet's own process for it (running or exited; started again only on `restart <i>`). */
  process: SupervisedNode;
  /** Its RPC port answers (GET /livez, 200): whoever runs it. */
  up: boolean;
  everUp: boolean;
  /** The devnet's process exited before the node ever answered. */
  failedAtStart: boolean;
  /** Probes in a row that got no 200. */
  probeFailures: number;
  /** Bumped when the devnet's process exits: a probe sent before then answers for the old process. */
  epoch: number;
  /** The devnet's process exited and `onExit` has run (its exit is reported before any probe's verdict). */
  exitHandled: boolean;
  /** While down with no process of the devnet's: its p2p port (from the lock) accepts connections… */
  p2pOpen: boolean;
  /** …in this many probe rounds in a row; */
  p2pOpenRounds: number;
  /** and that was said. */
  p2pHinted: boolean;
  lastError: string | undefined;
  /** The last few lines on stderr (a usage error is its message and a hint). */
  recentStderr: string[];
  /** Its process was stopped with `stop <i>`. */
  stopAsked: boolean;
  /** Resolves once its exit has been handled (reported, the quorum checked). */
  closed: Promise<void>;
}

/**
 * Runs the devnet until Ctrl-C/SIGTERM, a start that leaves fewer than the threshold of nodes, or no
 * node answering for `allDownTimeoutMs`; returns the exit code.
 */
export async function runDevnet(args: DevnetOptions, print: (line: string) => void, input?: NodeJS.ReadableStream): Promise<number> {
  const plan = await planDevnet(args);
  const { dir, lock } = plan;
  const n = lock.operators.length;
  const threshold = lock.threshold;
  print(`devnet: ${n} nodes, threshold ${threshold}, chain id ${lock.chainId}, block time ${lock.blockTimeMs} ms`);
  print(`${plan.reused ? 'reusing the cluster in' : 'created a cluster in'} ${dir}${args.dir === undefined ? ' (a temporary directory; pass it as --dir to restart this chain)' : ''}`);

  const tracker = new ChainTracker(n);
  const nodes: DevnetNode[] = [];
  const environment = nodeProcessEnvironment(process.env);
  for (const name of PER_NODE_ENVIRONMENT) delete environment[name];
  let stopping = false;
  const funded = new Set(Object.keys(lock.alloc ?? {}));
  if (funded.has(DEV_ACCOUNT.address)) {
    print(`dev account ${DEV_ACCOUNT.address}, ${DEV_ACCOUNT.balanceWei / 10n ** 18n} ETH in the genesis alloc; private key ${DEV_ACCOUNT.privateKey} ` +
      '(TEST ONLY: a publicly known key, anvil\'s first account; never use it on a real chain)');
  }
  const loadKeys = devnetLoadKeys().filter((key) => funded.has(prefixedHex(key.address)));
  const execution = plan.executionRpcPort === undefined ? undefined : new DevnetExecution({
    dir, rpcPort: plan.executionRpcPort, env: environment, print, stopping: () => stopping,
    followUrls: plan.rpcPorts.map((port) => `ws://127.0.0.1:${port}`),
  });
  // Every node is pointed at the execution node: its RPC forwards the execution methods there (./execution.ts).
  const executionArgs = nodeExecutionArgs(execution?.url);
  let load: LoadRun | undefined;
  let loadStarting: Promise<void> | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let probing: Promise<void> | undefined;
  let allDownSince: number | undefined;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((done) => (finish = done));

  const settled = new Set<number>();
  const nodeSettled = (node: DevnetNode) => {
    if (settled.has(node.index)) return;
    settled.add(node.index);
    // With fewer than the threshold started there is no chain to execute (and the devnet stops).
    if (settled.size === n && !stopping && nodes.filter((other) => !other.failedAtStart).length >= threshold) execution?.start();
    if (settled.size === n && args.loadTps > 0 && !stopping) loadStarting = beginLoad();
  };
  const upCount = () => nodes.filter((node) => node.up).length;
  const quorumText = () => {
    const up = upCount();
    return up >= threshold
      ? `${up} of ${n} nodes up (threshold ${threshold}): the devnet goes on`
      : `only ${up} of ${n} nodes up, fewer than the threshold ${threshold}: no block can be signed until enough are back; the devnet goes on (Ctrl-C stops it)`;
  };
  const handCommand = (node: DevnetNode) => `dst run --dir ${join(dir, nodeDirName(node.index))} --rpc-host 127.0.0.1 --rpc-port ${node.rpcPort}`;

  function markUp(node: DevnetNode): void {
    if (node.up || stopping) return;
    const byDevnet = node.process.running;
    node.up = true;
    node.probeFailures = 0;
    node.p2pOpen = false;
    node.p2pOpenRounds = 0;
    node.p2pHinted = false;
    tracker.nodeUp(node.index, performance.now(), byDevnet ? 'devnet' : 'other');
    const who = byDevnet ? `pid ${node.process.pid}` : 'not started by the devnet';
    if (!node.everUp) {
      node.everUp = true;
      const late = node.failedAtStart;
      node.failedAtStart = false;
      print(`node ${node.index} up: rpc ${node.url}, p2p port ${node.p2pPort}, ${who}`);
      if (node.index === 1) print(`dashboard: ${node.url}dashboard (node 1; every node serves its own at /dashboard)`);
      if (late) print(quorumText());
      nodeSettled(node);
    } else {
      print(`node ${node.index} up again: rpc ${node.url}, ${who}; ${quorumText()}`);
    }
  }

  function markDown(node: DevnetNode, reason: string): void {
    if (!node.up || stopping) return;
    node.up = false;
    tracker.nodeDown(node.index, performance.now());
    print(`node ${node.index} down: ${reason}; ${quorumText()}`);
  }

  async function probeNode(node: DevnetNode): Promise<void> {
    const epoch = node.epoch;
    const result = await probeRpc(node.rpcPort);
    // An exit not handled yet is reported by onExit first, with its exit status.
    if (stopping || epoch !== node.epoch || (!node.process.running && !node.exitHandled)) return;
    if (result.up) {
      node.probeFailures = 0;
      // The head from the node itself: the only one there is for a node the devnet does not log.
      if (result.head !== undefined) tracker.advanceHead(node.index, result.head);
      return markUp(node);
    }
    node.probeFailures++;
    // A refused connection is certain for a node the devnet's process does not serve. While that
    // process seems to run, every failure must repeat: a process just killed closes its port before
    // its exit is seen, and its exit, reported by onExit, says more. A slow or odd answer must repeat too.
    const certain = result.refused && !node.process.running;
    if (node.up && (certain || node.probeFailures >= PROBE_FAILURES_FOR_DOWN)) {
      markDown(node, `rpc ${node.url} ${result.reason}${node.process.running ? ` (its process, pid ${node.process.pid}, still runs)` : ''}`);
    }
    if (!node.up && !node.process.running) {
      // Not the devnet's to poke while its own process starts; only once that is gone.
      const p2pOpen = await tcpAccepts(node.p2pPort);
      if (stopping || node.up) return;
      node.p2pOpen = p2pOpen;
      node.p2pOpenRounds = p2pOpen ? node.p2pOpenRounds + 1 : 0;
      // A node binds its p2p port before its RPC port, and closes its RPC port first: only a p2p port
      // open for several rounds without RPC is worth a word.
      if (node.p2pOpenRounds === P2P_ONLY_ROUNDS_REPORTED) {
        node.p2pHinted = true;
        print(`node ${node.index}: its p2p port ${node.p2pPort} accepts connections but rpc ${node.url} does not answer (started by hand on another --rpc-port? the devnet expects: ${handCommand(node)})`);
      } else if (!p2pOpen && node.p2pHinted) {
        node.p2pHinted = false;
        print(`node ${node.index}: its p2p port ${node.p2pPort} no longer accepts connections`);
      }
    }
  }

  /** One round: every node's RPC port, then the all-down rule; the next round a second later. */
  async function probeRound(): Promise<void> {
    await Promise.all(nodes.map((node) => probeNode(node)));
    if (stopping) return;
    const alive = nodes.some((node) => node.up || node.process.running || node.p2pOpen);
    const now = performance.now();
    if (alive) {
      if (allDownSince !== undefined) print('a node answers again: the devnet goes on');
      allDownSince = undefined;
    } else if (allDownSince === undefined) {
      allDownSince = now;
      const when = args.allDownTimeoutMs > 0 ? `it stops in ${args.allDownTimeoutMs / 1000} s unless one comes back` : 'it goes on (Ctrl-C stops it)';
      print(`no node answers and none of the devnet's node processes runs: ${when}`);
    } else if (args.allDownTimeoutMs > 0 && now - allDownSince >= args.allDownTimeoutMs) {
      print(`no node has answered for ${args.allDownTimeoutMs / 1000} s: stopping the devnet`);
      void shutdown(1);
      return;
    }
    probeTimer = setTimeout(() => (probing = probeRound()), PROBE_INTERVAL_MS);
  }

  function startNode(index: number): DevnetNode {
    const rpcPort = plan.rpcPorts[index - 1]!;
    const node: DevnetNode = {
      index,
      rpcPort,
      p2pPort: plan.p2pPorts[index - 1]!,
      url: `http://127.0.0.1:${rpcPort}/`,
      up: false,
      everUp: false,
      failedAtStart: false,
      probeFailures: 0,
      epoch: 0,
      exitHandled: false,
      p2pOpen: false,
      p2pOpenRounds: 0,
      p2pHinted: false,
      lastError: undefined,
      recentStderr: [],
      stopAsked: false,
      closed: Promise.resolve(),
      process: undefined as unknown as SupervisedNode,
    };
    spawnFor(node);
    return node;
  }

  /** Starts the devnet's process for `node` (at start, and on `restart <i>`). */
  function spawnFor(node: DevnetNode): void {
    const { index } = node;
    const nodeDir = join(dir, nodeDirName(index));
    const { file, args: commandArgs } = nodeCommand(nodeDir, node.rpcPort, executionArgs);
    node.exitHandled = false;
    node.stopAsked = false;
    node.lastError = undefined;
    node.recentStderr = [];
    node.process = spawnNode({
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
              markUp(node);
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
      });
    node.closed = node.process.exited.then((exit) => onExit(node, exit));
  }

  /** Acts on a line typed into the devnet (./commands.ts). */
  function onCommand(line: string): void {
    if (stopping) return;
    const command = parseDevnetCommand(line, n);
    if (command.kind === 'none') return;
    if (command.kind === 'invalid') return print(command.message);
    if (command.kind === 'help') return print(DEVNET_COMMANDS_HELP);
    if (command.kind === 'status') {
      for (const node of nodes) {
        const who = node.process.running ? `pid ${node.process.pid}` : node.up ? 'not started by the devnet' : 'no process';
        print(`node ${node.index}: ${node.up ? 'up' : 'down'} (${who}), rpc ${node.url}`);
      }
      if (execution !== undefined) print(`execution: ${execution.running ? `pid ${execution.pid}` : 'no process'}, rpc ${execution.url}`);
      return print(quorumText());
    }
    if (command.kind === 'stop-execution' || command.kind === 'restart-execution') {
      if (execution === undefined) return print('no execution node in this devnet (--no-execute)');
      if (command.kind === 'stop-execution') return print(execution.stop() ? `execution: stopping (SIGTERM to pid ${execution.pid})` : 'execution: no process runs');
      if (execution.running) return print(`execution runs already (pid ${execution.pid}); "stop execution" first`);
      print('execution: starting again');
      return execution.start();
    }
    const node = nodes[command.node - 1]!;
    if (command.kind === 'stop') {
      if (!node.process.running) return print(`node ${node.index}: no process of the devnet's runs${node.up ? ' (it is up, started by hand: stop it yourself)' : ''}`);
      node.stopAsked = true;
      print(`node ${node.index}: stopping (SIGTERM to pid ${node.process.pid})`);
      node.process.signal('SIGTERM');
      return;
    }
    if (node.process.running) return print(`node ${node.index} runs already (pid ${node.process.pid}); "stop ${node.index}" first`);
    if (node.up) return print(`node ${node.index} is up, not started by the devnet (rpc ${node.url}): stop that process first`);
    print(`node ${node.index}: starting again`);
    spawnFor(node);
  }

  async function onExit(node: DevnetNode, exit: ExitStatus): Promise<void> {
    tracker.node(node.index).exit = exit;
    node.epoch++;
    node.exitHandled = true;
    const why = node.lastError ?? (node.recentStderr.length > 0 ? node.recentStderr.join(' ') : undefined);
    if (stopping) {
      print(`node ${node.index} stopped (exit ${exit})${exit !== 0 && why ? `: ${why}` : ''}`);
      return;
    }
    if (node.stopAsked) {
      print(`node ${node.index} stopped as asked (exit ${exit})`);
    } else {
      print(`node ${node.index} exited unexpectedly (exit ${exit})${why ? `: ${why}` : ''}; its log: ${join(dir, nodeDirName(node.index), 'node.log')}`);
    }
    if (node.up) {
      markDown(node, node.stopAsked ? 'stopped' : 'its process exited');
      print(`  type "restart ${node.index}" to start it again (or run it by hand: ${handCommand(node)})`);
      return;
    }
    if (node.stopAsked) return;
    if (node.everUp) return;
    // It never answered: the start failed. With too few nodes left to ever sign, the devnet gives up.
    node.failedAtStart = true;
    nodeSettled(node);
    const failed = nodes.filter((other) => other.failedAtStart).map((other) => other.index);
    const left = n - failed.length;
    if (left < threshold) {
      print(`node(s) ${failed.join(', ')} failed to start: only ${left} of ${n} nodes started, fewer than the threshold ${threshold}: no block can be signed; stopping the devnet`);
      void shutdown(1);
    } else {
      print(`node ${node.index} failed to start: ${left} of ${n} nodes started, the devnet goes on (threshold ${threshold}); fix it and type "restart ${node.index}" (or run it by hand: ${handCommand(node)})`);
    }
  }

  async function beginLoad(): Promise<void> {
    // Every node's URL: the generator sends to those that answer and takes the others in once they do.
    const urls = nodes.map((node) => node.url);
    let reports = 0;
    try {
      const started = await startLoad({
        urls,
        tps: args.loadTps,
        chainId: lock.chainId,
        ...(loadKeys.length > 0 && { keys: loadKeys }),
        startWaitMs: 0,
        onProgress: (progress) => {
          if (++reports % LOAD_PROGRESS_EVERY === 0) print(formatProgress(progress));
        },
      });
      if (stopping) {
        await started.stop();
        return;
      }
      load = started;
      print(`load: ${args.loadTps} tx/s over ${urls.length} nodes (${started.urls().filter((state) => state.up).length} up)`);
    } catch (error) {
      print(`load: could not start: ${(error as Error).message}`);
    }
  }

  async function shutdown(exitCode: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    const endedAt = performance.now();
    clearTimeout(probeTimer);
    await loadStarting;
    if (load !== undefined) print(formatSummary(await load.stop()));
    const running = nodes.filter((node) => node.process.running);
    if (running.length > 0) print(`stopping ${running.length} node(s)${execution?.running ? ' and the execution node' : ''}: SIGTERM`);
    const executionProcess = execution?.process;
    for (const node of nodes) {
      if (node.up && !node.process.running) print(`node ${node.index} was not started by the devnet: left running (rpc ${node.url}); stop it yourself`);
    }
    await stopNodes([...running.map((node) => node.process), ...(executionProcess ? [executionProcess] : [])], {
      graceMs: DEFAULT_STOP_GRACE_MS,
      onGraceExpired: (stuck) => {
        const indices = running.filter((node) => stuck.includes(node.process)).map((node) => node.index);
        const who = [...(indices.length > 0 ? [`node(s) ${indices.join(', ')}`] : []), ...(executionProcess && stuck.includes(executionProcess) ? ['the execution node'] : [])];
        print(`${who.join(' and ')} still running after ${DEFAULT_STOP_GRACE_MS / 1000} s: SIGKILL`);
      },
    });
    await Promise.all([...nodes.map((node) => node.closed), probing, execution?.closed()]);
    print(formatDevnetSummary(tracker.summary(endedAt)));
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
  const onExitProcess = () => {
    nodes.forEach((node) => node.process.signal('SIGKILL'));
    execution?.kill();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExitProcess);

  for (let index = 1; index <= n; index++) nodes.push(startNode(index));
  probeTimer = setTimeout(() => (probing = probeRound()), PROBE_INTERVAL_MS);
  const commands = input === undefined ? undefined : createInterface({ input, terminal: false });
  commands?.on('line', onCommand);
  if (commands !== undefined) print(DEVNET_COMMANDS_HELP);
  try {
    return await finished;
  } finally {
    commands?.close();
    clearTimeout(probeTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExitProcess);
  }
}
