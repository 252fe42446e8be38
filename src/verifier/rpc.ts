/**
 * Talking to a DST node from a verifier: a small JSON-RPC 2.0 client over HTTP (`fetch`) and over
 * WebSocket (the platform's `WebSocket`, or the `ws` package in Node 20, which has none), and the
 * decoding of `dst_getSignedBlock(s)` results into SignedBlockData. Nothing a node answers is
 * trusted here beyond its shape: ./verify.ts recomputes everything from the bytes.
 *
 * Works in browsers as in Node: no Node built-in is imported (the `ws` fallback is imported by a
 * computed specifier, only where no global WebSocket exists).
 */
import { tryParseHex } from '../bytes/index.js';
import type { SignedBlockData } from './block.js';

/** A node's answer that is not what the method promises, or a JSON-RPC error (with its `code` and `data`). */
export class NodeAnswerError extends Error {
  override name = 'NodeAnswerError';
  constructor(
    message: string,
    readonly code?: number,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** Decodes one `dst_getSignedBlock` result (hex fields) into bytes; throws NodeAnswerError on a malformed one. */
export function signedBlockFromJson(json: unknown): SignedBlockData {
  const value = json as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null) throw new NodeAnswerError('a signed block: expected an object');
  const bytes = (name: string, field: unknown): Uint8Array => {
    const parsed = tryParseHex(field, { prefix: true });
    if (parsed === undefined) throw new NodeAnswerError(`a signed block: ${name}: expected 0x-prefixed hex`);
    return parsed;
  };
  if (!Array.isArray(value.transactions)) throw new NodeAnswerError('a signed block: transactions: expected an array');
  if (!Number.isSafeInteger(value.round)) throw new NodeAnswerError('a signed block: round: expected an integer');
  return {
    header: bytes('header', value.header),
    transactions: value.transactions.map((tx, i) => bytes(`transaction ${i}`, tx)),
    round: value.round as number,
    signature: value.signature === null ? new Uint8Array(0) : bytes('signature', value.signature),
  };
}

/** `0x…` of a block number. */
export function quantity(number: number): string {
  return `0x${number.toString(16)}`;
}

/** One JSON-RPC call over HTTP. */
export async function httpCall(url: string, method: string, params: unknown[], timeoutMs = 30_000): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok && response.status !== 200) throw new NodeAnswerError(`${method}: HTTP ${response.status}`);
  return resultOf(method, await response.json());
}

function resultOf(method: string, reply: unknown): unknown {
  const r = reply as { result?: unknown; error?: { code?: number; message?: string; data?: unknown } } | null;
  if (typeof r !== 'object' || r === null) throw new NodeAnswerError(`${method}: the reply is not a JSON-RPC object`);
  if (r.error) throw new NodeAnswerError(`${method}: error ${r.error.code ?? '?'}: ${r.error.message ?? 'no message'}`, typeof r.error.code === 'number' ? r.error.code : undefined, r.error.data);
  if (!('result' in r)) throw new NodeAnswerError(`${method}: the reply has no result`);
  return r.result;
}

/** The parts of the WebSocket API (the WHATWG one, which `ws` also implements) used here. */
interface Socket {
  readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number; reason?: string; message?: string }) => void): void;
}
type SocketConstructor = new (url: string) => Socket;

const WS_MODULE = 'ws';
async function socketConstructor(): Promise<SocketConstructor> {
  const global = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (global) return global;
  const module = (await import(/* @vite-ignore */ WS_MODULE)) as { WebSocket: SocketConstructor };
  return module.WebSocket;
}

/**
 * A JSON-RPC connection over one WebSocket: calls with replies matched by id, `newHeads`
 * notifications to a callback, and one `onClose` when the socket ends for any reason (every pending
 * call is then rejected). Calls time out after `timeoutMs`.
 */
export class RpcSocket {
  #socket: Socket;
  #nextId = 1;
  #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; method: string; timer: ReturnType<typeof setTimeout> }>();
  #closed = false;
  #onNotification: (subscription: string, result: unknown) => void = () => {};
  #onClose: (why: string) => void = () => {};

  private constructor(socket: Socket, readonly url: string, private readonly timeoutMs: number) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => this.#receive(event.data));
    socket.addEventListener('close', (event) => this.#end(`the connection closed (code ${event.code ?? '?'}${event.reason ? `: ${event.reason}` : ''})`));
    socket.addEventListener('error', (event) => this.#end(`the connection failed${event.message ? `: ${event.message}` : ''}`));
  }

  /** Opens a connection to `url` (ws:// or wss://); rejects if it does not open within `timeoutMs`. */
  static async open(url: string, timeoutMs = 10_000): Promise<RpcSocket> {
    const WebSocketImpl = await socketConstructor();
    const socket = new WebSocketImpl(url);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.addEventListener('open', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.addEventListener('error', (event) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect${event.message ? `: ${event.message}` : ''}`));
      });
    });
    return new RpcSocket(socket, url, timeoutMs);
  }

  onNotification(listener: (subscription: string, result: unknown) => void): void {
    this.#onNotification = listener;
  }

  onClose(listener: (why: string) => void): void {
    this.#onClose = listener;
  }

  call(method: string, params: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error(`${method}: the connection to ${this.url} is closed`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no reply from ${this.url} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.#pending.set(id, { resolve, reject, method, timer });
      this.#socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  close(): void {
    this.#end('closed by the follower');
    this.#socket.close();
  }

  #receive(data: unknown): void {
    let message: { id?: number; method?: string; params?: { subscription?: string; result?: unknown } };
    try {
      message = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array));
    } catch {
      return;
    }
    if (message.method === 'eth_subscription' && message.params?.subscription) {
      this.#onNotification(message.params.subscription, message.params.result);
      return;
    }
    const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id!);
    clearTimeout(pending.timer);
    try {
      pending.resolve(resultOf(pending.method, message));
    } catch (error) {
      pending.reject(error as Error);
    }
  }

  #end(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { reject, timer, method } of this.#pending.values()) {
      clearTimeout(timer);
      reject(new Error(`${method}: ${why}`));
    }
    this.#pending.clear();
    this.#onClose(why);
  }
}
