/**
 * The devnet's execution node (issue 14): one `dst execute` process (src/cli/execute.ts) beside the
 * cluster, started by default (`--no-execute` skips it), following every node's WebSocket and taking
 * the genesis alloc from the cluster lock — a new devnet's lock funds the development account and the
 * load accounts (./accounts.ts). Its JSON-RPC is http://127.0.0.1:<executionRpcPort>/, its database
 * DIR/execution/db (a reused devnet directory resumes its executed chain), and its stdout and stderr go
 * to DIR/execution/execute.log, as a node's go to its node.log.
 *
 * It is supervised like a node (./supervisor.ts: spawned with this process's Node.js and script, in its
 * own process group, stopped by pid with SIGTERM and SIGKILL after the grace period): its start and
 * exit are devnet lines, the devnet goes on without it when it exits (`restart execution` starts it
 * again), and the shutdown stops it with the nodes.
 *
 * Each node is pointed at it (`dst run --execution-rpc URL`, `nodeExecutionArgs`): a wallet can use any
 * node's RPC alone, and admission refuses senders that cannot pay at the executed state.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_LOCK_FILE } from '../cluster/index.js';
import { spawnNode, type ExitStatus, type SupervisedNode } from './supervisor.js';

/** The devnet's execution directory inside the cluster directory. */
export const EXECUTION_DIR = 'execution';
/** The `dst run` flag that points a node at an execution node. */
export const EXECUTION_RPC_FLAG = '--execution-rpc';
const STDERR_LINES_KEPT = 3;

/** The `dst execute` command line for the devnet in `dir`, following `followUrls` (ws://). */
export function executionCommand(dir: string, followUrls: readonly string[], rpcPort: number): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: [
      ...process.execArgv, process.argv[1]!, 'execute',
      '--follow', followUrls.join(','),
      '--lock', join(dir, CLUSTER_LOCK_FILE),
      '--data-dir', join(dir, EXECUTION_DIR, 'db'),
      '--rpc-host', '127.0.0.1', '--rpc-port', String(rpcPort),
      '--log-level', 'info',
    ],
  };
}

/** The arguments that point one `dst run` node at the execution node `url` (none when it is not run). */
export function nodeExecutionArgs(url: string | undefined): string[] {
  return url !== undefined ? [EXECUTION_RPC_FLAG, url] : [];
}

export interface DevnetExecutionOptions {
  dir: string;
  followUrls: readonly string[];
  rpcPort: number;
  env: NodeJS.ProcessEnv;
  print: (line: string) => void;
  /** Whether the shutdown has begun (an exit then is reported as a stop). */
  stopping: () => boolean;
}

/** The devnet's supervised `dst execute` (module docblock). */
export class DevnetExecution {
  readonly url: string;
  readonly logFile: string;
  #process: SupervisedNode | undefined;
  #closed: Promise<void> = Promise.resolve();
  #lastError: string | undefined;
  #stderr: string[] = [];

  constructor(private readonly options: DevnetExecutionOptions) {
    this.url = `http://127.0.0.1:${options.rpcPort}/`;
    this.logFile = join(options.dir, EXECUTION_DIR, 'execute.log');
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** The command that runs it by hand, as the devnet does. */
  handCommand(): string {
    const { args } = executionCommand(this.options.dir, this.options.followUrls, this.options.rpcPort);
    return `dst ${args.slice(args.indexOf('execute')).join(' ')}`;
  }

  /** Starts the process (at start, and on `restart execution`); a no-op while it runs. */
  start(): void {
    if (this.running) return;
    const { print } = this.options;
    mkdirSync(join(this.options.dir, EXECUTION_DIR), { recursive: true, mode: 0o700 });
    const { file, args } = executionCommand(this.options.dir, this.options.followUrls, this.options.rpcPort);
    this.#lastError = undefined;
    this.#stderr = [];
    const child = spawnNode({
      file,
      args,
      env: this.options.env,
      detached: true,
      logFile: this.logFile,
      onEvent: (event) => {
        if (event.kind === 'listening') print(`execution up: rpc ${event.url} (dst execute, pid ${child.pid}; eth_getBalance, eth_call, receipts; transactions sent to it go to the cluster)`);
        else if (event.kind === 'error') this.#lastError = event.message;
      },
      onStderrLine: (line) => {
        if (line.trim() === '' || /^\s+at |^Node\.js v/.test(line)) return;
        this.#stderr.push(line.trim());
        if (this.#stderr.length > STDERR_LINES_KEPT) this.#stderr.shift();
      },
      onError: (error) => {
        this.#lastError = error.message;
      },
    });
    this.#process = child;
    this.#closed = child.exited.then((exit) => this.#onExit(exit));
  }

  #onExit(exit: ExitStatus): void {
    const why = this.#lastError ?? (this.#stderr.length > 0 ? this.#stderr.join(' ') : undefined);
    if (this.options.stopping()) {
      this.options.print(`execution stopped (exit ${exit})${exit !== 0 && why ? `: ${why}` : ''}`);
      return;
    }
    this.options.print(`execution exited (exit ${exit})${why ? `: ${why}` : ''}; its log: ${this.logFile}; the cluster goes on. ` +
      `Type "restart execution" to start it again (or run it by hand: ${this.handCommand()})`);
  }

  /** SIGTERM to the running process (`stop execution`); false when none runs. */
  stop(): boolean {
    if (!this.running) return false;
    this.#process!.signal('SIGTERM');
    return true;
  }

  /** The running process, for the shutdown's `stopNodes`. */
  get process(): SupervisedNode | undefined {
    return this.running ? this.#process : undefined;
  }

  /** SIGKILL (the devnet process ends without a shutdown). */
  kill(): void {
    this.#process?.signal('SIGKILL');
  }

  /** Resolves once the last process's exit has been reported. */
  closed(): Promise<void> {
    return this.#closed;
  }
}
