/**
 * The execution node's JSON-RPC: Ethereum's execution API (ethereum/execution-apis) over the executed
 * chain, served by src/api's server (same transport, limits, errors and metrics as a DST node).
 *
 * | method | answer |
 * |---|---|
 * | `eth_chainId`, `net_version`, `web3_clientVersion`, `eth_syncing` (false), `eth_accounts` ([]) | |
 * | `eth_blockNumber` | the last executed block |
 * | `eth_gasPrice` | base fee + suggested priority fee (0): exactly what a legacy transaction pays per gas |
 * | `eth_maxPriorityFeePerGas` | 0 (ordering ignores fees; src/execution/chain.ts) |
 * | `eth_feeHistory` | the fixed base fee for each block and the next, gas used / cap, the executed tips at the percentiles asked |
 * | `eth_getBalance`, `eth_getCode`, `eth_getStorageAt`, `eth_getTransactionCount`, `eth_call`, `eth_estimateGas` | at a block: a number, a tag, or EIP-1898 `{blockNumber}` / `{blockHash}`; `pending` nonces are the DST node's (it knows the admitted transactions) |
 * | `eth_getBlockByNumber`, `eth_getBlockByHash` | the executed block (src/execution/format.ts) |
 * | `eth_getTransactionByHash` | a transaction of an executed block, else the DST node's answer (pending) |
 * | `eth_getTransactionReceipt`, `eth_getBlockReceipts` | real receipts of executed transactions; null for a skipped one |
 * | `eth_getLogs`, `eth_newFilter`, `eth_newBlockFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter` | ./filters.ts |
 * | `eth_sendRawTransaction` | forwarded to the DST nodes (./upstream.ts) |
 * | `dst_getTransactionStatus` | `included-executed` / `included-skipped {reason, message}` with its place, else the DST node's (pending, expired, unknown) |
 * | `dst_executionOf(number)` | the executed block of DST block `number`: its DST hash, roots, gas, counts |
 */
import { METHOD_NOT_FOUND, RpcError, invalidParam } from '../api/errors.js';
import type { Json } from '../api/format.js';
import { data, parseBlockNumber, parseData, quantity } from '../api/hex.js';
import { arity, type MethodContext, type MethodTable } from '../api/methods.js';
import type { ServedView } from '../api/server.js';
import { Address } from '@ethereumjs/util';
import { BASE_FEE_PER_GAS, SUGGESTED_PRIORITY_FEE } from './chain.js';
import { call, estimateGas, parseCallRequest } from './call.js';
import type { Executor } from './executor.js';
import { Filters, getLogs, parseLogFilter } from './filters.js';
import { executedIndices, formatExecutedBlock, formatExecutedTransaction, formatReceipt } from './format.js';
import { openState } from './state.js';
import type { ExecutedBlock, ExecutedHeader } from './types.js';
import type { Upstream } from './upstream.js';

export interface ExecutionView extends ServedView {
  readonly chainId: bigint;
  readonly executor: Executor;
  /** The DST nodes to forward to; absent when the node only replays blocks (tests). */
  readonly upstream?: Upstream;
  readonly filters: Filters;
  readonly clientVersion: string;
}

const HEADER_NOT_FOUND = -32000;
/** Most blocks eth_feeHistory answers for (geth's default cap is 1024). */
const MAX_FEE_HISTORY = 1024;

export const executionMethods: MethodTable<ExecutionView> = {
  eth_chainId: (params, { view }) => (arity(params, 0, 0), quantity(view.chainId)),
  net_version: (params, { view }) => (arity(params, 0, 0), view.chainId.toString()),
  web3_clientVersion: (params, { view }) => (arity(params, 0, 0), view.clientVersion),
  eth_syncing: (params) => (arity(params, 0, 0), false),
  eth_accounts: (params) => (arity(params, 0, 0), []),
  eth_blockNumber: (params, { view }) => (arity(params, 0, 0), quantity(view.executor.headNumber())),
  eth_gasPrice: (params) => (arity(params, 0, 0), quantity(BASE_FEE_PER_GAS + SUGGESTED_PRIORITY_FEE)),
  eth_maxPriorityFeePerGas: (params) => (arity(params, 0, 0), quantity(SUGGESTED_PRIORITY_FEE)),

  eth_feeHistory: (params, { view }) => {
    arity(params, 2, 3);
    const count = Math.min(parseCount(params[0]), MAX_FEE_HISTORY);
    const newest = headerAt(view, params[1], 1);
    const percentiles = parsePercentiles(params[2]);
    const oldest = Math.max(0, newest.number - count + 1);
    const numbers = count === 0 ? [] : range(oldest, newest.number);
    const blocks = numbers.map((n) => view.executor.store.header(n)!);
    return {
      oldestBlock: quantity(count === 0 ? newest.number : oldest),
      baseFeePerGas: [...blocks.map((b) => quantity(b.baseFeePerGas)), quantity(BASE_FEE_PER_GAS)],
      gasUsedRatio: blocks.map((b) => Math.min(1, Number(b.gasUsed) / Number(b.gasLimit))),
      ...(percentiles && { reward: numbers.map((n) => rewards(view.executor.store.block(n)!, percentiles)) }),
    };
  },

  eth_getBalance: async (params, { view }) => {
    arity(params, 1, 2);
    const account = await stateAt(view, params[1] ?? 'latest', 1).getAccount(new Address(parseData(params[0], 0, 'address', 20)));
    return quantity(account?.balance ?? 0n);
  },

  eth_getCode: async (params, { view }) => {
    arity(params, 1, 2);
    return data(await stateAt(view, params[1] ?? 'latest', 1).getCode(new Address(parseData(params[0], 0, 'address', 20))));
  },

  eth_getStorageAt: async (params, { view }) => {
    arity(params, 2, 3);
    const address = new Address(parseData(params[0], 0, 'address', 20));
    if (typeof params[1] !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(params[1])) throw invalidParam(1, 'storage slot', 'a hex quantity of at most 32 bytes', params[1]);
    const slot = Uint8Array.from(Buffer.from(params[1].slice(2).padStart(64, '0'), 'hex'));
    const value = await stateAt(view, params[2] ?? 'latest', 2).getStorage(address, slot);
    return data(Uint8Array.from(Buffer.from(Buffer.from(value).toString('hex').padStart(64, '0'), 'hex')));
  },

  eth_getTransactionCount: async (params, context) => {
    const { view } = context;
    arity(params, 1, 2);
    const address = parseData(params[0], 0, 'address', 20);
    const tag = params[1] ?? 'latest';
    const upstream = upstreamOf(context);
    if (tag === 'pending' && upstream !== undefined) {
      const [pending, executed] = await Promise.all([upstream.call('eth_getTransactionCount', [data(address), 'pending']), nonceAt(view, 'latest', address)]);
      return quantity(BigInt(pending as string) > executed ? BigInt(pending as string) : executed);
    }
    return quantity(await nonceAt(view, tag, address));
  },

  eth_call: async (params, { view }) => {
    arity(params, 1, 3);
    if (params[2] !== undefined) throw invalidParam(2, 'state overrides', 'nothing (state overrides are not supported)', params[2]);
    return data(await call(view.executor, headerAt(view, params[1] ?? 'latest', 1), parseCallRequest(params[0], 0)));
  },

  eth_estimateGas: async (params, { view }) => {
    arity(params, 1, 3);
    if (params[2] !== undefined) throw invalidParam(2, 'state overrides', 'nothing (state overrides are not supported)', params[2]);
    return quantity(await estimateGas(view.executor, headerAt(view, params[1] ?? 'latest', 1), parseCallRequest(params[0], 0)));
  },

  eth_getBlockByNumber: (params, { view }) => {
    arity(params, 2, 2);
    const block = blockByTag(view, params[0], 0);
    return block ? formatExecutedBlock(block, fullFlag(params[1]), view.chainId) : null;
  },

  eth_getBlockByHash: (params, { view }) => {
    arity(params, 2, 2);
    const number = view.executor.store.blockNumber(parseData(params[0], 0, 'block hash', 32));
    const block = number === undefined ? undefined : view.executor.store.block(number);
    return block ? formatExecutedBlock(block, fullFlag(params[1]), view.chainId) : null;
  },

  eth_getTransactionByHash: async (params, context) => {
    const { view } = context;
    arity(params, 1, 1);
    const hash = parseData(params[0], 0, 'transaction hash', 32);
    const found = locate(view, hash);
    if (found) return formatExecutedTransaction(found.block, found.index, view.chainId) ?? null;
    const upstream = upstreamOf(context);
    return upstream ? upstream.call('eth_getTransactionByHash', [data(hash)]) : null;
  },

  eth_getTransactionReceipt: (params, { view }) => {
    arity(params, 1, 1);
    const found = locate(view, parseData(params[0], 0, 'transaction hash', 32));
    const outcome = found?.block.outcomes[found.index];
    return found && outcome?.kind === 'executed' ? formatReceipt(found.block, found.index, outcome.receipt) : null;
  },

  eth_getBlockReceipts: (params, { view }) => {
    arity(params, 1, 1);
    const which = params[0];
    const block =
      typeof which === 'string' && which.length === 66
        ? (() => {
            const number = view.executor.store.blockNumber(parseData(which, 0, 'block hash', 32));
            return number === undefined ? undefined : view.executor.store.block(number);
          })()
        : blockByTag(view, which, 0);
    if (!block) return null;
    return executedIndices(block).map((i) => {
      const outcome = block.outcomes[i]!;
      return formatReceipt(block, i, (outcome as Extract<typeof outcome, { kind: 'executed' }>).receipt);
    });
  },

  eth_getLogs: (params, { view }) => {
    arity(params, 1, 1);
    return getLogs(view.executor.store, parseLogFilter(params[0], 0, view.executor.headNumber(), (hash) => view.executor.store.blockNumber(hash)));
  },

  eth_newFilter: (params, { view }) => {
    arity(params, 1, 1);
    const head = view.executor.headNumber();
    parseLogFilter(params[0], 0, head, (hash) => view.executor.store.blockNumber(hash));
    return view.filters.newLogFilter(params[0], head);
  },
  eth_newBlockFilter: (params, { view }) => (arity(params, 0, 0), view.filters.newBlockFilter(view.executor.headNumber())),
  eth_getFilterChanges: (params, { view }) => (arity(params, 1, 1), view.filters.changes(filterId(params[0]), view.executor)),
  eth_getFilterLogs: (params, { view }) => (arity(params, 1, 1), view.filters.allLogs(filterId(params[0]), view.executor)),
  eth_uninstallFilter: (params, { view }) => (arity(params, 1, 1), view.filters.uninstall(filterId(params[0]))),

  eth_sendRawTransaction: (params, context) => {
    arity(params, 1, 1);
    parseData(params[0], 0, 'raw transaction');
    if (context.forwarded) throw new RpcError(METHOD_NOT_FOUND, 'eth_sendRawTransaction is not forwarded again: this request was itself forwarded to this node (a forwarding loop)');
    const upstream = upstreamOf(context);
    if (!upstream) throw new RpcError(HEADER_NOT_FOUND, 'this execution node has no DST node to send transactions to');
    return upstream.call('eth_sendRawTransaction', params);
  },

  dst_getTransactionStatus: async (params, context) => {
    const { view } = context;
    arity(params, 1, 1);
    const hash = parseData(params[0], 0, 'transaction hash', 32);
    const found = locate(view, hash);
    if (found) {
      const outcome = found.block.outcomes[found.index]!;
      const place = { blockHash: data(found.block.dstHash), blockNumber: quantity(found.block.number), transactionIndex: quantity(found.index) };
      return outcome.kind === 'executed'
        ? { status: 'included-executed', ...place }
        : { status: 'included-skipped', reason: outcome.reason, message: outcome.message, ...place };
    }
    const upstream = upstreamOf(context);
    return upstream ? upstream.call('dst_getTransactionStatus', [data(hash)]) : { status: 'unknown' };
  },

  dst_executionOf: (params, { view }) => {
    arity(params, 1, 1);
    const block = blockByTag(view, params[0], 0);
    if (!block) return null;
    const executed = executedIndices(block).length;
    return {
      number: quantity(block.number),
      dstHash: data(block.dstHash),
      stateRoot: data(block.stateRoot),
      receiptsRoot: data(block.receiptsRoot),
      logsBloom: data(block.logsBloom),
      gasUsed: quantity(block.gasUsed),
      baseFeePerGas: quantity(block.baseFeePerGas),
      feeRecipient: data(block.feeRecipient),
      executed,
      skipped: block.outcomes.length - executed,
    };
  },
};

/**
 * The DST nodes to ask, unless the request came forwarded by a DST node (`x-dst-forwarded`): then this
 * node answers from its own state only, so no request goes back where it came from.
 */
function upstreamOf(context: MethodContext<ExecutionView>): Upstream | undefined {
  return context.forwarded ? undefined : context.view.upstream;
}

function locate(view: ExecutionView, hash: Uint8Array): { block: ExecutedBlock; index: number } | undefined {
  const place = view.executor.store.locate(hash);
  if (place === undefined) return undefined;
  const block = view.executor.store.block(place[0]);
  return block && { block, index: place[1] };
}

/**
 * The number of the executed block a tag names, or undefined when it names none (above the head, an
 * unknown hash).
 */
function numberByTag(view: ExecutionView, tag: unknown, index: number): number | undefined {
  const store = view.executor.store;
  const head = view.executor.headNumber();
  switch (tag) {
    case 'latest':
    case 'pending':
    case 'safe':
    case 'finalized':
      return head;
    case 'earliest':
      return 0;
  }
  if (typeof tag === 'object' && tag !== null && !Array.isArray(tag)) {
    const fields = tag as Record<string, unknown>;
    if (fields.blockHash !== undefined) return store.blockNumber(parseData(fields.blockHash, index, 'block.blockHash', 32));
    if (fields.blockNumber !== undefined) return numberByTag(view, fields.blockNumber, index);
  }
  if (typeof tag !== 'string' || !tag.startsWith('0x')) {
    throw invalidParam(index, 'block', 'a block number, "latest", "earliest", "pending", "safe", "finalized", or {blockNumber} / {blockHash} (EIP-1898)', tag);
  }
  const number = parseBlockNumber(tag, index, 'block');
  return number <= head ? number : undefined;
}

/** The executed block a tag names, or undefined when it names none. */
function blockByTag(view: ExecutionView, tag: unknown, index: number): ExecutedBlock | undefined {
  const number = numberByTag(view, tag, index);
  return number === undefined ? undefined : view.executor.store.block(number);
}

/**
 * The header of the block a state method runs at (only the header: module docblock of
 * src/execution/store.ts); one not executed (yet) is geth's -32000 "header not found".
 */
function headerAt(view: ExecutionView, tag: unknown, index: number): ExecutedHeader {
  const number = numberByTag(view, tag, index);
  const header = number === undefined ? undefined : view.executor.store.header(number);
  if (!header) throw new RpcError(HEADER_NOT_FOUND, `header not found: block ${typeof tag === 'string' ? tag : JSON.stringify(tag)} is not executed here (executed head ${view.executor.headNumber()})`);
  return header;
}

function stateAt(view: ExecutionView, tag: unknown, index: number) {
  const header = headerAt(view, tag, index);
  return openState(view.executor.store.trieDb(), view.executor.common, header.stateRoot);
}

async function nonceAt(view: ExecutionView, tag: unknown, address: Uint8Array): Promise<bigint> {
  return (await stateAt(view, tag, 1).getAccount(new Address(address)))?.nonce ?? 0n;
}

function fullFlag(value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidParam(1, 'full transactions', 'true or false', value);
  return value;
}

function filterId(value: unknown): string {
  if (typeof value !== 'string' || !/^0x[0-9a-f]{1,32}$/.test(value)) throw invalidParam(0, 'filter id', 'the id a filter method returned', value);
  return value;
}

function parseCount(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return parseBlockNumber(value, 0, 'block count');
}

function parsePercentiles(value: unknown): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 100 || value.some((p, i) => typeof p !== 'number' || p < 0 || p > 100 || (i > 0 && p < value[i - 1]))) {
    throw invalidParam(2, 'reward percentiles', 'at most 100 increasing numbers in 0..100', value);
  }
  return value as number[];
}

/** execution-apis eth_feeHistory: per percentile, the tip of the transaction covering that share of the block's gas. */
function rewards(block: ExecutedBlock, percentiles: number[]): Json[] {
  const tips = block.outcomes
    .flatMap((o) => (o.kind === 'executed' ? [{ tip: o.receipt.effectiveGasPrice - block.baseFeePerGas, gas: o.receipt.gasUsed }] : []))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  if (tips.length === 0) return percentiles.map(() => '0x0');
  const total = tips.reduce((sum, t) => sum + t.gas, 0n);
  return percentiles.map((p) => {
    const threshold = (Number(total) * p) / 100;
    let cumulative = 0;
    for (const t of tips) {
      cumulative += Number(t.gas);
      if (cumulative >= threshold) return quantity(t.tip);
    }
    return quantity(tips[tips.length - 1]!.tip);
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
