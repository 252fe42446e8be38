/**
 * `dst run --execution-rpc URL` (issue 14): its flags (`--execution-rpc-timeout`,
 * `--execution-rpc-unavailable`, and their environment variables) and the parts it wires into the node —
 * the bounded client of the endpoint (src/api/execution-client.ts), the forwarding of the execution
 * methods (src/api/forward.ts) and admission's balance check (src/node/funds.ts).
 */
import { DEFAULT_EXECUTION_TIMEOUT_MS, ExecutionClient, ExecutionForwarding, executionState, resolveRpcLimits, type DstMetrics, type Logger, type RpcLimits } from '../api/index.js';
import { httpUrl } from '../api/execution-client.js';
import { FundsCheck, UNAVAILABLE_POLICIES, type UnavailablePolicy } from '../node/index.js';
import { integerFlag, UsageError } from './usage.js';

export interface ExecutionFlags {
  url: string;
  timeoutMs: number;
  unavailable: UnavailablePolicy;
}

/** --execution-rpc and the flags that go with it (which need it). */
export function executionFlags(url: string | undefined, timeout: string | undefined, unavailable: string | undefined): ExecutionFlags | undefined {
  if (url === undefined || url === '') {
    if (timeout !== undefined || unavailable !== undefined) throw new UsageError('--execution-rpc-timeout and --execution-rpc-unavailable need --execution-rpc');
    return undefined;
  }
  try {
    httpUrl(url);
  } catch (error) {
    throw new UsageError(`--execution-rpc: ${(error as Error).message}`);
  }
  const policy = (unavailable ?? 'admit') as UnavailablePolicy;
  if (!UNAVAILABLE_POLICIES.includes(policy)) throw new UsageError(`--execution-rpc-unavailable: expected admit or reject, got ${JSON.stringify(unavailable)}`);
  return { url, timeoutMs: integerFlag('--execution-rpc-timeout', timeout ?? String(DEFAULT_EXECUTION_TIMEOUT_MS), 1, 600_000), unavailable: policy };
}

/** The execution endpoint's client, forwarding and admission's balance check, reporting to `metrics`. */
export function executionLink(options: ExecutionFlags, rpcLimits: Partial<RpcLimits>, chainId: bigint, metrics: DstMetrics, logger: Logger) {
  const client = new ExecutionClient({
    url: options.url,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: resolveRpcLimits(rpcLimits).maxResponseBytes,
    observe: (methods, outcome, seconds) => {
      for (const method of methods) metrics.rpcForwarded.inc({ method, outcome });
      if (outcome !== 'busy') metrics.rpcForwardSeconds.observe(seconds);
    },
  });
  const funds = new FundsCheck({ state: executionState(client), unavailable: options.unavailable, chainId, logger: logger.child({ module: 'funds' }), metrics: metrics.fundsChecks });
  return { forwarding: new ExecutionForwarding(client), funds };
}

