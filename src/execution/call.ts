/**
 * `eth_call` and `eth_estimateGas` (ethereum/execution-apis, src/eth/execute.yaml): a transaction
 * request run on a copy of the state at a block, never committed.
 *
 * The request is made into an unsigned transaction of the chain's rules — EIP-1559 (type 2) unless it
 * names `gasPrice` (then legacy, or EIP-2930 with an `accessList`) — with the sender set to `from`
 * (the zero address when absent), and run by the same `runTx` as execution, with the balance and
 * nonce checks skipped, in the environment of the block it is run at (its number, timestamp, the
 * fixed base fee and the fee recipient). Without a fee in the request, the fee per gas is the base
 * fee. A reverted call is error 3 "execution reverted" with the revert data as `data` (what geth
 * answers, and what viem and ethers decode); any other failure is -32000 with the EVM's reason.
 *
 * `eth_estimateGas` is the smallest gas limit for which the request does not fail, found as geth does:
 * run it at the cap (the request's `gas`, else `TRANSACTION_GAS_CAP`); fail → the error above;
 * else binary search between the gas it used minus one and the cap, stopping within 1.5 % (geth's
 * `estimateGasErrorRatio`). So what it returns is enough for the transaction to execute here, and a
 * wallet that signs that limit pays `limit × fee`.
 */
import { createTx, type TypedTransaction } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import { runTx, type RunTxResult } from '@ethereumjs/vm';
import { RpcError, invalidParam } from '../api/errors.js';
import { parseData } from '../api/hex.js';
import { prefixedHex } from '../bytes/index.js';
import { BASE_FEE_PER_GAS, TRANSACTION_GAS_CAP } from './chain.js';
import { Executor } from './executor.js';
import { openState } from './state.js';
import type { ExecutedHeader } from './types.js';

/** execution-apis' code for a reverted call, with the revert data in `data`. */
export const EXECUTION_REVERTED = 3;
const SERVER_ERROR = -32000;

export interface CallRequest {
  from: Uint8Array;
  to?: Uint8Array;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value: bigint;
  data: Uint8Array;
  accessList?: Array<{ address: string; storageKeys: string[] }>;
}

/** Parses the transaction-request object of eth_call / eth_estimateGas (param `index`). */
export function parseCallRequest(value: unknown, index: number): CallRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParam(index, 'transaction', 'a transaction object', value);
  const fields = value as Record<string, unknown>;
  const qty = (name: string): bigint | undefined => {
    const v = fields[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw invalidParam(index, `transaction.${name}`, 'a hex quantity', v);
    return BigInt(v);
  };
  const bytesField = (name: string, length?: number): Uint8Array | undefined => {
    const v = fields[name];
    return v === undefined || v === null ? undefined : parseData(v, index, `transaction.${name}`, length);
  };
  const input = bytesField('input');
  const data = bytesField('data');
  if (input !== undefined && data !== undefined && prefixedHex(input) !== prefixedHex(data)) {
    throw invalidParam(index, 'transaction', '"input" and "data" equal when both are given', 'different values');
  }
  const accessList = fields.accessList;
  if (accessList !== undefined && accessList !== null && !Array.isArray(accessList)) throw invalidParam(index, 'transaction.accessList', 'an array', accessList);
  return {
    from: bytesField('from', 20) ?? new Uint8Array(20),
    to: bytesField('to', 20),
    gas: qty('gas'),
    gasPrice: qty('gasPrice'),
    maxFeePerGas: qty('maxFeePerGas'),
    maxPriorityFeePerGas: qty('maxPriorityFeePerGas'),
    value: qty('value') ?? 0n,
    data: input ?? data ?? new Uint8Array(0),
    ...(Array.isArray(accessList) && { accessList: accessList as CallRequest['accessList'] }),
  };
}

/** Runs `request` with `gasLimit` on a fresh copy of the state after `block`; nothing is kept. */
export async function simulate(executor: Executor, block: ExecutedHeader, request: CallRequest, gasLimit: bigint): Promise<RunTxResult> {
  const state = openState(executor.store.trieDb(), executor.common, block.stateRoot);
  const vm = await Executor.vmFor(executor.common, state, executor.store);
  const tx = unsignedTransaction(executor, request, gasLimit);
  const environment = executor.environment(block.number, block.timestampMs, block.dstParentHash);
  try {
    return await runTx(vm, { tx, block: environment, skipBalance: true, skipNonce: true, skipBlockGasLimitValidation: true, skipHardForkValidation: true });
  } catch (error) {
    throw new RpcError(SERVER_ERROR, (error as Error).message.replace(/ -> .*$/s, ''));
  }
}

/** eth_call: the return data, or the revert as error 3. */
export async function call(executor: Executor, block: ExecutedHeader, request: CallRequest): Promise<Uint8Array> {
  const result = await simulate(executor, block, request, request.gas ?? TRANSACTION_GAS_CAP);
  failed(result);
  return result.execResult.returnValue;
}

/** eth_estimateGas: the smallest gas limit (within 1.5 %) with which the request succeeds. */
export async function estimateGas(executor: Executor, block: ExecutedHeader, request: CallRequest): Promise<bigint> {
  let hi = request.gas ?? TRANSACTION_GAS_CAP;
  const first = await simulate(executor, block, request, hi);
  failed(first);
  let lo = first.totalGasSpent - 1n;
  // Most transactions need what they used plus their refund (the refund is paid back at the end).
  const guess = first.totalGasSpent + first.gasRefund;
  if (guess < hi && (await succeeds(executor, block, request, guess))) hi = guess;
  while (lo + 1n < hi && (hi - lo) * 1000n > hi * 15n) {
    const mid = (lo + hi) / 2n;
    if (await succeeds(executor, block, request, mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

async function succeeds(executor: Executor, block: ExecutedHeader, request: CallRequest, gas: bigint): Promise<boolean> {
  try {
    return (await simulate(executor, block, request, gas)).execResult.exceptionError === undefined;
  } catch {
    return false;
  }
}

function failed(result: RunTxResult): void {
  const error = result.execResult.exceptionError;
  if (error === undefined) return;
  const revert = result.execResult.returnValue;
  if (error.error === 'revert') {
    throw new RpcError(EXECUTION_REVERTED, `execution reverted${revertReason(revert)}`, prefixedHex(revert));
  }
  throw new RpcError(SERVER_ERROR, `execution failed: ${error.error}`);
}

/** ": <reason>" for a revert carrying Error(string) (selector 0x08c379a0), else "". */
function revertReason(data: Uint8Array): string {
  if (data.length < 68 || prefixedHex(data.subarray(0, 4)) !== '0x08c379a0') return '';
  const length = Number(BigInt(prefixedHex(data.subarray(36, 68))));
  return `: ${new TextDecoder().decode(data.subarray(68, 68 + length))}`;
}

function unsignedTransaction(executor: Executor, request: CallRequest, gasLimit: bigint): TypedTransaction {
  const legacy = request.gasPrice !== undefined;
  const base = { nonce: 0n, to: request.to, value: request.value, data: request.data, gasLimit, chainId: executor.chainId };
  const txData = legacy
    ? { ...base, type: request.accessList ? 1 : 0, gasPrice: request.gasPrice, ...(request.accessList && { accessList: request.accessList }) }
    : {
        ...base,
        type: 2,
        maxFeePerGas: request.maxFeePerGas ?? BASE_FEE_PER_GAS,
        maxPriorityFeePerGas: request.maxPriorityFeePerGas ?? 0n,
        accessList: request.accessList ?? [],
      };
  let tx: TypedTransaction;
  try {
    tx = createTx(txData as never, { common: executor.common, freeze: false });
  } catch (error) {
    throw new RpcError(SERVER_ERROR, (error as Error).message.replace(/ -> .*$/s, ''));
  }
  // As @ethereumjs/client does for eth_call: an unsigned transaction whose sender is the request's `from`.
  const from = new Address(request.from);
  tx.getSenderAddress = () => from;
  return tx;
}
