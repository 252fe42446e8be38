/**
 * `dst-sequencer/api`: what serves a sequencer node to the outside — Ethereum-style JSON-RPC over HTTP and
 * WebSocket, Prometheus metrics, health endpoints — and the structured logger the node process uses.
 */
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export { createMetrics, type DstMetrics } from './metrics.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export {
  RpcError,
  PARSE_ERROR,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  INVALID_PARAMS,
  INTERNAL_ERROR,
  TRANSACTION_REJECTED,
  LIMIT_EXCEEDED,
  type RejectionData,
  type LimitData,
} from './errors.js';
export {
  DEFAULT_RPC_LIMITS,
  RPC_LIMIT_NAMES,
  resolveRpcLimits,
  isLoopback,
  TokenBuckets,
  RateLimiter,
  ConnectionLimiter,
  type RpcLimits,
  type RpcLimitName,
} from './limits.js';
export { formatBlock, formatHeader, formatTransaction } from './format.js';
export { DEFAULT_EXECUTION_TIMEOUT_MS, EXECUTION_UNAVAILABLE, ExecutionClient, FORWARDED_HEADER, executionState, type ExecutionClientOptions, type ForwardOutcome } from './execution-client.js';
export { ExecutionForwarding, FORWARDED_METHODS, forwardedMethods } from './forward.js';
