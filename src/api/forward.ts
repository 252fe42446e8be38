/**
 * The execution methods a DST node forwards to its execution endpoint (`dst run --execution-rpc URL`,
 * issue 14), so that a wallet can talk to the DST node alone: state, calls, gas and fees, receipts,
 * logs and filters are answered by the execution node (`dst execute`, src/execution/methods.ts), while
 * the node keeps serving what the sequencer knows first — `eth_sendRawTransaction` (admission), the
 * blocks and transactions of the signed chain, nonces, `dst_*` of the cluster.
 *
 * No loops: every forwarded method is one the execution node answers from its own state, never by
 * asking a DST node (`FORWARDED_METHODS` is disjoint from what src/execution/upstream.ts asks for —
 * `eth_sendRawTransaction`, `eth_getTransactionCount` "pending", `eth_getTransactionByHash`,
 * `dst_getTransactionStatus` — test/api/forward.test.ts checks it), and a request that arrives
 * forwarded (`x-dst-forwarded` header) is never forwarded again.
 *
 * Bounds: the endpoint's limits (rates, batch length, response size) apply to forwarded calls as to
 * local ones — they pass the same src/api/rpc.ts gate first — and ./execution-client.ts bounds the
 * upstream side (timeout, answer size, open requests). Metrics: `dst_rpc_requests_total{method}` as
 * for any method, plus `dst_rpc_forwarded_total{method,outcome}` and `dst_rpc_forward_seconds`.
 *
 * Blocks: with an execution endpoint the node's block objects carry the execution chain's base fee
 * (`baseFeePerGas`, asked with eth_feeHistory every `BASE_FEE_REFRESH_MS`, each second until the
 * endpoint first answers) instead of 0, so a wallet
 * that prices EIP-1559 transactions from the latest block (viem, ethers) offers enough to execute.
 */
import { METHOD_NOT_FOUND, RpcError } from './errors.js';
import type { Json } from './format.js';
import type { Method, MethodTable } from './methods.js';
import type { ExecutionClient } from './execution-client.js';

/** Forwarded by name, params as given (the execution node checks them). */
export const FORWARDED_METHODS: readonly string[] = [
  'eth_getBalance',
  'eth_getCode',
  'eth_getStorageAt',
  'eth_call',
  'eth_estimateGas',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_feeHistory',
  'eth_getTransactionReceipt',
  'eth_getBlockReceipts',
  'eth_getLogs',
  'eth_newFilter',
  'eth_newBlockFilter',
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_uninstallFilter',
  'net_version',
  'dst_executionOf',
];

/** How often the execution chain's base fee is asked again; every `BASE_FEE_RETRY_MS` until it first answers. */
export const BASE_FEE_REFRESH_MS = 10_000;
const BASE_FEE_RETRY_MS = 1_000;

/** What the API server holds of an execution endpoint: the client, and the base fee it last reported. */
export class ExecutionForwarding {
  private baseFee: bigint | undefined;
  private askedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly client: ExecutionClient) {}

  /** The execution chain's next base fee as last asked; undefined until the endpoint answered once. */
  get baseFeePerGas(): bigint | undefined {
    return this.baseFee;
  }

  /** Asks the base fee now and then every `BASE_FEE_REFRESH_MS` (failures keep the last value). */
  start(): Promise<void> {
    this.timer ??= setInterval(() => {
      if (this.baseFee === undefined || performance.now() - this.askedAt >= BASE_FEE_REFRESH_MS) void this.refresh();
    }, BASE_FEE_RETRY_MS).unref();
    return this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async refresh(): Promise<void> {
    try {
      const history = (await this.client.call('eth_feeHistory', ['0x1', 'latest', []], { timeoutMs: 2_000 })) as { baseFeePerGas?: unknown } | null;
      const fees = history?.baseFeePerGas;
      const next = Array.isArray(fees) ? fees[fees.length - 1] : undefined;
      if (typeof next === 'string' && /^0x[0-9a-f]+$/i.test(next)) this.baseFee = BigInt(next);
      this.askedAt = performance.now();
    } catch {
      // unreachable for now: the blocks keep the last base fee (0 before the first answer)
    }
  }
}

/** What a forwarded method needs of its context (the API's `MethodContext`). */
interface ForwardContext {
  execution?: ExecutionForwarding;
  forwarded?: boolean;
}

function forwarder(name: string): Method<unknown> {
  return (params, context) => {
    const { execution, forwarded } = context as unknown as ForwardContext;
    if (execution === undefined) throw new RpcError(METHOD_NOT_FOUND, `the method ${name} is served only with an execution endpoint (dst run --execution-rpc)`);
    if (forwarded) throw new RpcError(METHOD_NOT_FOUND, `the method ${name} is not forwarded again: this request was itself forwarded to this node (a forwarding loop)`);
    // The request body's context groups a batch's forwarded calls into one upstream batch.
    return execution.client.call(name, params, { group: context }) as Promise<Json>;
  };
}

/** The forwarded methods as a method table, to merge under a DST node's own (its own names win). */
export const forwardedMethods: MethodTable<unknown> = Object.fromEntries(FORWARDED_METHODS.map((name) => [name, forwarder(name)]));
