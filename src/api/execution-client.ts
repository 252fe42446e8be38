/**
 * The DST node's bounded JSON-RPC client of its execution endpoint (`dst run --execution-rpc URL`,
 * issue 14): what forwards the execution methods (./forward.ts) and asks balances for admission
 * (src/node/funds.ts). Any Ethereum JSON-RPC endpoint over HTTP works; `dst execute` is the one meant.
 *
 * Bounds — a slow, huge or dead endpoint costs the node a bounded amount of time, memory and sockets:
 * - every HTTP request is aborted after `timeoutMs` (default 10 s; a caller may ask for less);
 * - an answer is read as a stream and dropped once it passes `maxResponseBytes` (the API's own
 *   `maxResponseBytes`, src/api/limits.ts): the calls get -32005 "response too large", as a local
 *   answer over the limit does;
 * - at most `maxConcurrent` HTTP requests are open at once and `maxQueued` wait; beyond that a call is
 *   refused at once with -32005 `limit exceeded`, `data: {limit: 'execution-in-flight', max}`.
 *   Memory held by answers is therefore at most `maxConcurrent × maxResponseBytes`.
 *
 * Calls made with the same `group` (the API passes the request body's context) in one synchronous run
 * go out as ONE JSON-RPC batch: a client's batch mixing local and forwarded methods costs one upstream
 * round trip, and the forwarded part of it shares one response budget.
 *
 * Errors: an error object from the endpoint is passed through unchanged (code, message, data); an
 * endpoint that cannot be reached, times out, or answers with something that is not JSON-RPC gives
 * -32002 (EIP-1474 "resource unavailable") with a message naming the endpoint and `data: {endpoint}`.
 *
 * Loops: every request carries the `x-dst-forwarded` header. A node receiving a request with it never
 * forwards that request again (./server.ts sets `MethodContext.forwarded`; src/execution does the same
 * for its own forwarding to DST nodes), so no method can bounce between a DST node and an execution node.
 */
import { LIMIT_EXCEEDED, RpcError } from './errors.js';
import type { Json } from './format.js';
import type { ExecutionState } from '../node/funds.js';

/** Request header marking a request one node forwarded to another: it is never forwarded again. */
export const FORWARDED_HEADER = 'x-dst-forwarded';
/** EIP-1474 "resource unavailable": the execution endpoint could not answer. */
export const EXECUTION_UNAVAILABLE = -32002;

export const DEFAULT_EXECUTION_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONCURRENT = 32;
const DEFAULT_MAX_QUEUED = 1_024;

export interface ExecutionClientOptions {
  /** http(s):// (ws(s):// is taken as the same host's HTTP). */
  url: string;
  /** Longest answer read, bytes (the API's maxResponseBytes). */
  maxResponseBytes: number;
  timeoutMs?: number;
  maxConcurrent?: number;
  maxQueued?: number;
  /** Who is forwarding: the value of the `x-dst-forwarded` header (default `dst-node`). */
  forwardedBy?: string;
  /** Hears of every HTTP request: the methods in it, how it ended, how long it took (seconds). */
  observe?: (methods: readonly string[], outcome: ForwardOutcome, seconds: number) => void;
}

/** How one forwarded HTTP request ended: an answer (each call's own result or error), or why none. */
export type ForwardOutcome = 'answered' | 'unreachable' | 'timeout' | 'too-large' | 'invalid' | 'busy';

interface Pending {
  method: string;
  params: unknown[];
  resolve: (value: Json) => void;
  reject: (error: unknown) => void;
}

interface RpcReply {
  id?: unknown;
  result?: Json;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

export class ExecutionClient {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly forwardedBy: string;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Calls of one group not yet sent (flushed in a microtask). */
  private readonly groups = new Map<object, Pending[]>();

  constructor(private readonly options: ExecutionClientOptions) {
    this.url = httpUrl(options.url);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? DEFAULT_EXECUTION_TIMEOUT_MS);
    this.maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes);
    this.maxConcurrent = positive('maxConcurrent', options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.forwardedBy = options.forwardedBy ?? 'dst-node';
  }

  /** HTTP requests open now (for tests and metrics). */
  get inFlight(): number {
    return this.active;
  }

  /**
   * One JSON-RPC call: resolves with its result, rejects with an `RpcError` (the endpoint's own, or
   * -32002/-32005 as the module docblock says). Calls with the same `group` in one synchronous run are
   * sent as one batch; `timeoutMs` shortens the request's timeout (a batch takes its calls' shortest).
   */
  call(method: string, params: unknown[], options: { group?: object; timeoutMs?: number } = {}): Promise<Json> {
    return new Promise<Json>((resolve, reject) => {
      const pending: Pending = { method, params, resolve, reject };
      const group = options.group;
      if (group === undefined) {
        void this.send([pending], options.timeoutMs ?? this.timeoutMs);
        return;
      }
      const queued = this.groups.get(group);
      if (queued !== undefined) {
        queued.push(pending);
        return;
      }
      this.groups.set(group, [pending]);
      queueMicrotask(() => {
        const calls = this.groups.get(group)!;
        this.groups.delete(group);
        void this.send(calls, options.timeoutMs ?? this.timeoutMs);
      });
    });
  }

  private unavailable(what: string): RpcError {
    return new RpcError(EXECUTION_UNAVAILABLE, `execution endpoint ${this.url} ${what}`, { endpoint: this.url });
  }

  /** Sends `calls` (one request, or a batch) and settles each; never rejects itself. */
  private async send(calls: Pending[], timeoutMs: number): Promise<void> {
    const methods = calls.map((c) => c.method);
    if (!(await this.slot())) {
      this.options.observe?.(methods, 'busy', 0);
      const error = new RpcError(LIMIT_EXCEEDED, `limit exceeded: ${this.maxConcurrent + this.maxQueued} calls to the execution endpoint are already open or waiting; retry later`, {
        limit: 'execution-in-flight',
        max: this.maxConcurrent + this.maxQueued,
      });
      for (const call of calls) call.reject(error);
      return;
    }
    const started = performance.now();
    let outcome: ForwardOutcome = 'answered';
    try {
      const body = calls.length === 1 ? request(calls[0]!, 0) : calls.map(request);
      let replies: RpcReply[];
      try {
        const text = await this.post(JSON.stringify(body), timeoutMs, methods);
        replies = parseReplies(text);
      } catch (error) {
        const rpcError = this.failure(error, timeoutMs, methods);
        outcome = error instanceof TooLarge ? 'too-large' : error instanceof InvalidAnswer ? 'invalid' : isTimeout(error) ? 'timeout' : 'unreachable';
        for (const call of calls) call.reject(rpcError);
        return;
      }
      // One reply for several calls: the batch was refused as a whole (an error with id null): it answers each.
      const whole = calls.length > 1 && replies.length === 1 && replies[0]!.error !== undefined && (replies[0]!.id ?? null) === null ? replies[0] : undefined;
      const byId = new Map<unknown, RpcReply>(replies.map((r) => [r.id, r]));
      calls.forEach((call, index) => {
        const reply = whole ?? (calls.length === 1 ? replies[0] : byId.get(index));
        if (reply === undefined) return call.reject(this.unavailable(`gave no answer to ${call.method} in its batch answer`));
        if (reply.error !== undefined) return call.reject(passThrough(reply.error));
        call.resolve(reply.result ?? null);
      });
    } finally {
      this.release();
      this.options.observe?.(methods, outcome, (performance.now() - started) / 1000);
    }
  }

  private failure(error: unknown, timeoutMs: number, methods: readonly string[]): RpcError {
    if (error instanceof TooLarge) {
      return new RpcError(LIMIT_EXCEEDED, `response too large: the execution endpoint's answer exceeds the limit of ${this.maxResponseBytes} bytes`, {
        limit: 'response-bytes',
        max: this.maxResponseBytes,
      });
    }
    if (error instanceof InvalidAnswer) return this.unavailable(`answered ${methods.join(', ')} with ${error.message}`);
    if (isTimeout(error)) return this.unavailable(`did not answer ${methods.join(', ')} within ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return this.unavailable(`is unreachable (${cause?.code ?? cause?.message ?? (error as Error).message})`);
  }

  /** POSTs `body` and reads the answer up to the size cap. */
  private async post(body: string, timeoutMs: number, methods: readonly string[]): Promise<string> {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [FORWARDED_HEADER]: this.forwardedBy },
      body,
      signal,
    });
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      await response.body?.cancel().catch(() => {});
      throw new TooLarge();
    }
    if (response.body === null) throw new InvalidAnswer(`HTTP ${response.status} and no body`);
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > this.maxResponseBytes) {
        await reader.cancel().catch(() => {});
        throw new TooLarge();
      }
      chunks.push(value);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (response.status !== 200 && !text.trimStart().startsWith('{') && !text.trimStart().startsWith('[')) {
      throw new InvalidAnswer(`HTTP ${response.status} (${methods.length} call${methods.length === 1 ? '' : 's'})`);
    }
    return text;
  }

  /** Waits for an HTTP request slot; false when too many wait already. */
  private async slot(): Promise<boolean> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return true;
    }
    if (this.waiting.length >= this.maxQueued) return false;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    return true;
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

class TooLarge extends Error {}
class InvalidAnswer extends Error {}

const isTimeout = (error: unknown): boolean => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

function request(call: Pending, index: number): Json {
  return { jsonrpc: '2.0', id: index, method: call.method, params: call.params as Json[] };
}

function parseReplies(text: string): RpcReply[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidAnswer('a body that is not JSON');
  }
  const replies = Array.isArray(parsed) ? parsed : [parsed];
  if (replies.some((r) => typeof r !== 'object' || r === null || (!('result' in r) && !('error' in r)))) throw new InvalidAnswer('something that is not a JSON-RPC response');
  return replies as RpcReply[];
}

/** The endpoint's error object as an RpcError with its code, message and data unchanged. */
function passThrough(error: RpcReply['error'] & object): RpcError {
  const code = typeof error.code === 'number' && Number.isSafeInteger(error.code) ? error.code : EXECUTION_UNAVAILABLE;
  const message = typeof error.message === 'string' ? error.message.slice(0, 4_096) : 'the execution endpoint answered an error without a message';
  return new RpcError(code, message, error.data as never);
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`ExecutionClient: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** http(s)://host:port/ for an http(s) or ws(s) URL; a RangeError naming the URL otherwise. */
export function httpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`execution endpoint ${JSON.stringify(url)}: not a URL (expected e.g. http://127.0.0.1:8645)`);
  }
  if (parsed.protocol === 'ws:') parsed.protocol = 'http:';
  else if (parsed.protocol === 'wss:') parsed.protocol = 'https:';
  else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`execution endpoint ${url}: expected http://, https://, ws:// or wss://`);
  return parsed.toString();
}

/**
 * Admission's view of the endpoint (src/node/funds.ts): the executed head (`eth_blockNumber`) and a
 * balance at a block number (`eth_getBalance`), each answer checked to be a hex quantity.
 */
export function executionState(client: ExecutionClient): ExecutionState {
  const quantityOf = (value: Json, what: string): bigint => {
    if (typeof value !== 'string' || !/^0x[0-9a-f]{1,64}$/i.test(value)) throw new Error(`the execution endpoint answered ${what} with ${JSON.stringify(value)?.slice(0, 80)}, not a hex quantity`);
    return BigInt(value);
  };
  return {
    head: async (timeoutMs) => Number(quantityOf(await client.call('eth_blockNumber', [], { timeoutMs }), 'eth_blockNumber')),
    balance: async (address, block, timeoutMs) => quantityOf(await client.call('eth_getBalance', [`0x${address}`, `0x${block.toString(16)}`], { timeoutMs }), 'eth_getBalance'),
  };
}
