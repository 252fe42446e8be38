/**
 * The one supervisor of `dst run` node processes, used by the devnet (./devnet.ts) and by the
 * multi-process tests and benchmarks (test/e2e/node-process.ts, test/e2e/cluster-process.ts).
 *
 * `spawnNode` starts one process (any command line: the devnet's `nodeCommand`, or node with tsx on
 * src/cli/main.ts in the tests), reads its standard output as the node's pino JSON log lines
 * (./logs.ts), reports when it listens (the "rpc listening" line with its RPC url), optionally appends
 * every stdout and stderr line to a log file and keeps the parsed lines in memory, and resolves
 * `exited` with its exit code, or the name of the signal that ended it, once the process and its
 * output are closed (and the log file flushed). Signals go to the process by pid: `stop` sends SIGTERM
 * and SIGKILL after a grace period, `kill` sends SIGKILL; `stopNodes` stops several at once with one
 * grace period.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { nodeEvent, type NodeEvent } from './logs.js';

/** How long a stopped node gets to exit cleanly (the block in progress stored, the store closed) before SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/** How a process ended: its exit code, or the name of the signal that killed it. */
export type ExitStatus = number | string;

export interface SpawnNodeOptions {
  /** The program to run (e.g. `process.execPath`) and its arguments, a `dst run` command line. */
  file: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Runs the process in its own process group, so that a terminal's Ctrl-C reaches only the supervisor. */
  detached?: boolean;
  /** Appends every line of the process's stdout and stderr to this file. */
  logFile?: string;
  /** Keeps every JSON log line in `logs` and all of stderr for `stderr()` (tests); off, nothing is kept. */
  keepLogs?: boolean;
  /** Names the process in the error `listening` rejects with (default: the command line). */
  name?: string;
  /** Called for each stdout line that is one of the node's events (./logs.ts), in order. */
  onEvent?: (event: NodeEvent) => void;
  /** Called for each line the process writes on stderr. */
  onStderrLine?: (line: string) => void;
  /** Called when the process could not be spawned (child_process's 'error' event). */
  onError?: (error: Error) => void;
}

/** The node's "rpc listening" log line. */
export interface NodeListening {
  /** Its JSON-RPC URL (HTTP). */
  url: string;
  /** The whole line: wsUrl, port, chainId, groupPublicKey, … */
  line: Record<string, unknown>;
}

export interface SupervisedNode {
  /** Undefined only when the process could not be spawned. */
  readonly pid: number | undefined;
  /** True until the process has exited (false at once; `exited` resolves once the log file is flushed). */
  readonly running: boolean;
  /** Every JSON log line, parsed, in order (with `keepLogs`; otherwise empty). */
  readonly logs: Array<Record<string, unknown>>;
  /** Everything the process wrote on stderr so far (with `keepLogs`; otherwise empty). */
  stderr(): string;
  /** Resolves with the "rpc listening" line; rejects if the process exits before it. */
  readonly listening: Promise<NodeListening>;
  /** Resolves with how the process ended, once it has exited and its output is closed. */
  readonly exited: Promise<ExitStatus>;
  /** Sends `signal` to the process by pid; nothing once it has exited. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM (a clean stop), then SIGKILL if it still runs after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** SIGKILL: a crash, nothing flushed or closed; resolves with how it ended. */
  kill(): Promise<ExitStatus>;
}

/** Starts a node process; never throws for the process's behaviour: callers wait on `listening` or `exited`. */
export function spawnNode(options: SpawnNodeOptions): SupervisedNode {
  const child = spawn(options.file, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    detached: options.detached,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let running = true;

  let listened: (listening: NodeListening) => void = () => {};
  let failedToListen: (error: Error) => void = () => {};
  const listening = new Promise<NodeListening>((resolve, reject) => {
    listened = resolve;
    failedToListen = reject;
  });
  // A caller that only waits for the exit (a node expected to fail) must not leave this unhandled.
  listening.catch(() => {});

  createInterface({ input: child.stdout! }).on('line', (line) => {
    log?.write(`${line}\n`);
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return;
    if (options.keepLogs) logs.push(entry as Record<string, unknown>);
    const event = nodeEvent(entry);
    if (event === undefined) return;
    if (event.kind === 'listening') listened({ url: event.url, line: entry as Record<string, unknown> });
    options.onEvent?.(event);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    log?.write(`${line}\n`);
    if (options.keepLogs) stderr += `${line}\n`;
    options.onStderrLine?.(line);
  });

  const exited = new Promise<ExitStatus>((resolve) => {
    const finish = (status: ExitStatus) => {
      if (!running) return;
      running = false;
      const name = options.name ?? [options.file, ...options.args].join(' ');
      failedToListen(new Error(`${name}: exited (${status}) before listening; stderr: ${stderr}; last log: ${JSON.stringify(logs.at(-1))}`));
      if (log === undefined) resolve(status);
      else log.end(() => resolve(status));
    };
    child.on('error', (error) => {
      options.onError?.(error);
      // A process that could not be spawned never emits 'close'.
      if (child.pid === undefined) finish(1);
    });
    child.once('close', (code, signal) => finish(code ?? signal ?? 'unknown'));
  });

  const node: SupervisedNode = {
    pid: child.pid,
    get running() {
      return running;
    },
    logs,
    stderr: () => stderr,
    listening,
    exited,
    signal(signal) {
      if (!running || child.pid === undefined) return;
      try {
        process.kill(child.pid, signal);
      } catch {
        // Already gone: 'close' reports it.
      }
    },
    stop: async (graceMs = DEFAULT_STOP_GRACE_MS) => (await stopNodes([node], { graceMs }))[0]!,
    kill() {
      node.signal('SIGKILL');
      return exited;
    },
  };
  return node;
}

/**
 * Stops `nodes` together: SIGTERM to each, then, after one grace period, `onGraceExpired` with those
 * still running and SIGKILL to them. Resolves with how each ended, in order.
 */
export async function stopNodes(
  nodes: readonly SupervisedNode[],
  options: { graceMs?: number; onGraceExpired?: (stuck: SupervisedNode[]) => void } = {},
): Promise<ExitStatus[]> {
  for (const node of nodes) node.signal('SIGTERM');
  const grace = setTimeout(() => {
    const stuck = nodes.filter((node) => node.running);
    if (stuck.length === 0) return;
    options.onGraceExpired?.(stuck);
    for (const node of stuck) node.signal('SIGKILL');
  }, options.graceMs ?? DEFAULT_STOP_GRACE_MS);
  try {
    return await Promise.all(nodes.map((node) => node.exited));
  } finally {
    clearTimeout(grace);
  }
}
