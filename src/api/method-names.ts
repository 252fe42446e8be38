/**
 * The `method` label of `dst_rpc_requests_total` (issue 17): a request for a method this node does not
 * serve is counted under its name when that name is a well-known one — Ethereum's JSON-RPC
 * (ethereum/execution-apis: `eth_`, plus the `net_`, `web3_`, `txpool_`, `debug_` methods clients
 * commonly send) or one of DST's own — so an operator sees what clients ask for; any other name is
 * `other`. The list is fixed, so the label's cardinality stays bounded whatever clients send.
 */
import { methods } from './methods.js';

/** Method names a client may well ask for that this node does not serve (or not yet). */
export const KNOWN_METHOD_NAMES: ReadonlySet<string> = new Set([
  // eth_ (execution-apis)
  'eth_accounts', 'eth_blobBaseFee', 'eth_blockNumber', 'eth_call', 'eth_chainId', 'eth_coinbase',
  'eth_createAccessList', 'eth_estimateGas', 'eth_feeHistory', 'eth_gasPrice', 'eth_getBalance',
  'eth_getBlockByHash', 'eth_getBlockByNumber', 'eth_getBlockReceipts', 'eth_getBlockTransactionCountByHash',
  'eth_getBlockTransactionCountByNumber', 'eth_getCode', 'eth_getFilterChanges', 'eth_getFilterLogs',
  'eth_getLogs', 'eth_getProof', 'eth_getStorageAt', 'eth_getTransactionByBlockHashAndIndex',
  'eth_getTransactionByBlockNumberAndIndex', 'eth_getTransactionByHash', 'eth_getTransactionCount',
  'eth_getTransactionReceipt', 'eth_getUncleByBlockHashAndIndex', 'eth_getUncleByBlockNumberAndIndex',
  'eth_getUncleCountByBlockHash', 'eth_getUncleCountByBlockNumber', 'eth_hashrate', 'eth_maxPriorityFeePerGas',
  'eth_mining', 'eth_newBlockFilter', 'eth_newFilter', 'eth_newPendingTransactionFilter', 'eth_protocolVersion',
  'eth_requestAccounts', 'eth_sendRawTransaction', 'eth_sendTransaction', 'eth_sign', 'eth_signTransaction',
  'eth_signTypedData_v4', 'eth_simulateV1', 'eth_subscribe', 'eth_syncing', 'eth_uninstallFilter', 'eth_unsubscribe',
  // net_, web3_
  'net_listening', 'net_peerCount', 'net_version', 'web3_clientVersion', 'web3_sha3',
  // txpool_ and debug_ (geth, reth, erigon, anvil)
  'txpool_content', 'txpool_contentFrom', 'txpool_inspect', 'txpool_status',
  'debug_getRawBlock', 'debug_getRawHeader', 'debug_getRawReceipts', 'debug_getRawTransaction',
  'debug_traceBlockByHash', 'debug_traceBlockByNumber', 'debug_traceCall', 'debug_traceTransaction',
  // DST's execution node (dst execute; forwarded by a DST node with --execution-rpc)
  'dst_executionOf',
  // OP Stack rollup node
  'optimism_outputAtBlock', 'optimism_rollupConfig', 'optimism_syncStatus', 'optimism_version',
]);

/** The label for a request for `name`: the name when this node serves it or it is well known, else `other`. */
export function methodMetricLabel(name: string): string {
  return Object.hasOwn(methods, name) || KNOWN_METHOD_NAMES.has(name) ? name : 'other';
}
