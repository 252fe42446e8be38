/**
 * An execution node: the executor following a block source, and the Ethereum JSON-RPC over it.
 *
 * `startExecutionNode` opens the LMDB store in `dataDir` (writing the genesis state from `alloc` on
 * first use; refusing a store started from another alloc), starts the JSON-RPC server (src/api's, with
 * `executionMethods`), and runs `follow(checkpoint)` — the source is given the last executed block, so a
 * restarted node resumes right after it — executing every block in order. If executing fails (a store
 * error, or a source that breaks its contract), following stops, the node stays up serving what it
 * has, /readyz turns 503 with the reason, and `done` resolves with the error.
 */
import { startApiServer, type ApiServer } from '../api/index.js';
import type { Logger } from '../api/logger.js';
import type { NodeHealth } from '../node/types.js';
import type { Alloc } from './genesis.js';
import { Executor } from './executor.js';
import { Filters } from './filters.js';
import { executionMethods, type ExecutionView } from './methods.js';
import { ExecutionStore } from './store.js';
import type { BlockSource } from './types.js';
import { Upstream } from './upstream.js';

export interface ExecutionNodeOptions {
  dataDir: string;
  chainId: bigint;
  alloc: Alloc;
  feeRecipient?: Uint8Array;
  /**
   * The verified blocks after `checkpoint` (the last executed block: number and DST hash), and how to
   * stop them (`DstFollower.close`): `close` must end the iteration.
   */
  follow: (checkpoint: { number: number; hash: Uint8Array }) => { blocks: BlockSource; close(): Promise<void> };
  /** DST node URLs to forward transactions and status questions to. */
  upstream?: readonly string[];
  rpcHost: string;
  rpcPort: number;
  logger: Logger;
  /** Largest JSON-RPC body, bytes (default 5 MiB, as a DST node's). */
  maxBodyBytes?: number;
}

export interface ExecutionNode {
  executor: Executor;
  server: ApiServer;
  /** Resolves when following ends: undefined when the source ended or the node was closed, else the error. */
  done: Promise<Error | undefined>;
  close(): Promise<void>;
}

export const EXECUTION_CLIENT_VERSION = 'dst-execute/0.1.0 (@ethereumjs/vm, Prague)';

export async function startExecutionNode(options: ExecutionNodeOptions): Promise<ExecutionNode> {
  const logger = options.logger.child({ module: 'execute' });
  const store = new ExecutionStore(options.dataDir);
  let executor: Executor;
  try {
    executor = await Executor.open({ store, chainId: options.chainId, alloc: options.alloc, feeRecipient: options.feeRecipient });
  } catch (error) {
    await store.close();
    throw error;
  }
  const head = store.head()!;
  logger.info({ head: head.number, stateRoot: Buffer.from(head.stateRoot).toString('hex') }, 'execution state opened');
  let failure: Error | undefined;
  const view: ExecutionView = {
    chainId: options.chainId,
    executor,
    ...(options.upstream && options.upstream.length > 0 && { upstream: new Upstream(options.upstream) }),
    filters: new Filters(),
    clientVersion: EXECUTION_CLIENT_VERSION,
    health: (): NodeHealth => ({
      live: true,
      ready: failure === undefined,
      head: executor.headNumber(),
      mempoolSize: 0,
      reasons: failure === undefined ? [] : [`execution stopped: ${failure.message}`],
    }),
    // No newHeads over WebSocket: the execution node serves polling filters instead.
    onBlock: () => () => {},
  };
  const server = await startApiServer(view, {
    host: options.rpcHost,
    port: options.rpcPort,
    maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
    logger,
    methods: executionMethods,
  });
  const abort = new AbortController();
  const source = options.follow({ number: head.number, hash: head.dstHash });
  executor.onExecuted((block) => {
    const skipped = block.outcomes.filter((o) => o.kind === 'skipped').length;
    logger.debug({ number: block.number, transactions: block.transactions.length, skipped, gasUsed: block.gasUsed.toString() }, 'executed');
  });
  const done = executor.follow(source.blocks, abort.signal).then(
    () => undefined,
    (error: unknown) => {
      failure = error as Error;
      logger.error({ err: error }, 'execution stopped');
      return failure;
    },
  );
  return {
    executor,
    server,
    done,
    async close() {
      abort.abort();
      await server.close();
      await source.close();
      // The block being executed, if any, is committed before the store closes.
      await done;
      await store.close();
    },
  };
}
