/**
 * JSON-RPC 2.0 error objects (https://www.jsonrpc.org/specification §5.1) with the codes Ethereum
 * clients use: -32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid
 * params, -32603 internal error, -32000 for a transaction the node rejected (EIP-1474's "invalid
 * input"/server-error range, what geth returns for a refused transaction), and -32005 for a request
 * refused by one of the endpoint's limits (EIP-1474's "limit exceeded"; ./limits.ts).
 */
import type { TransactionRejectionReason } from '../chain/index.js';
import type { Json } from './format.js';
import type { RpcLimitName } from './limits.js';

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
export const TRANSACTION_REJECTED = -32000;
export const LIMIT_EXCEEDED = -32005;

/** `data` of a -32000 error: the typed reason, so clients can branch without parsing the message. */
export interface RejectionData {
  reason: TransactionRejectionReason;
}

/**
 * `data` of an error refusing a request by a limit (-32005, or -32600 for a batch over the length
 * limit): which limit (`RpcLimitName`), and either when to retry (rate limits) or the limit's value.
 */
export interface LimitData {
  limit: RpcLimitName;
  /** Rate limits: milliseconds until the client address may send the next request (or transaction). */
  retryAfterMs?: number;
  /** The limit's value (elements, subscriptions, messages in flight, bytes). */
  max?: number;
}

/** `data` of a -32002 error: the execution endpoint that could not answer (src/api/execution-client.ts). */
export interface UpstreamData {
  endpoint: string;
}

/** What an error's `data` may hold: ours, or whatever an endpoint we forwarded to sent (passed through). */
export type ErrorData = RejectionData | LimitData | UpstreamData | Json;

export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    /**
     * The typed reason, the limit, the unreachable endpoint, (eth_call's reverts, src/execution/call.ts)
     * the revert data as hex, or a forwarded error's data as the endpoint sent it.
     */
    readonly data?: ErrorData,
  ) {
    super(message);
  }
}

/** An invalid parameter: says which one (position and name) and what was expected. */
export function invalidParam(index: number, name: string, expected: string, got: unknown): RpcError {
  return new RpcError(INVALID_PARAMS, `invalid params: param ${index} (${name}): expected ${expected}, got ${describeValue(got)}`);
}

/** A short, bounded rendering of a JSON value for error messages (never echoes a whole large input). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 80 ? `"${value.slice(0, 77)}..." (${value.length} chars)` : JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/** Label for the `outcome` of the RPC request metric. */
export function outcomeOf(code: number): string {
  switch (code) {
    case PARSE_ERROR:
      return 'parse-error';
    case INVALID_REQUEST:
      return 'invalid-request';
    case METHOD_NOT_FOUND:
      return 'method-not-found';
    case INVALID_PARAMS:
      return 'invalid-params';
    case TRANSACTION_REJECTED:
      return 'rejected';
    case LIMIT_EXCEEDED:
      return 'limited';
    default:
      return 'internal-error';
  }
}
