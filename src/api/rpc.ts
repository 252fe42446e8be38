/**
 * JSON-RPC 2.0 request handling, transport-independent (https://www.jsonrpc.org/specification):
 * parsing, request validation, batches and notifications, dispatch to `methods`, error objects, and
 * the limits that apply per request (./limits.ts), through the transport's `RpcGate`.
 *
 * - Unparseable JSON → one -32700 response with id null.
 * - A request that is not {jsonrpc: "2.0", method: string, params?: array, id?: string|number|null}
 *   → -32600 (with its id when that id is itself valid). Ethereum methods take positional params only.
 * - An empty batch → one -32600 response (not an array); a batch longer than `gate.maxBatch` → one
 *   -32600 naming the limit, and no element runs; otherwise every element is answered on its own,
 *   valid or not, in request order.
 * - A request without an `id` member is a notification: it runs, and gets no response; a body made
 *   only of notifications gets no body at all.
 * - A thrown `RpcError` becomes its error object; anything else is a bug: logged, answered with
 *   -32603 "internal error" without internal details.
 * - Rate limits: every request (each element of a batch; a body that does not parse, an empty batch or
 *   one over the length limit count as one) takes a token from `gate.request()`, and each
 *   `eth_sendRawTransaction` also one from `gate.transaction()`; a request without its token is not run
 *   and is answered with -32005 "limit exceeded", `data: {limit, retryAfterMs}`. When every request of
 *   a body was refused so, the answer says `retryAfterMs` (HTTP makes it a 429 with Retry-After).
 * - Response size: a response whose JSON text is longer than `gate.maxResponseBytes` is replaced by
 *   -32005 "response too large", `data: {limit: 'response-bytes', max}`. In a batch the budget is the
 *   whole answer: the element that takes it past the limit and every later one get that error instead
 *   (an element not yet run when the limit is reached is not run). Methods that answer synchronously
 *   (all but eth_sendRawTransaction) are run and serialized one element after the other, so at most one
 *   answer beyond the limit is ever built.
 */
import { INTERNAL_ERROR, INVALID_REQUEST, LIMIT_EXCEEDED, METHOD_NOT_FOUND, PARSE_ERROR, RpcError, describeValue, outcomeOf, type ErrorData } from './errors.js';
import type { Json } from './format.js';
import { methods, type MethodContext, type MethodTable } from './methods.js';
import { methodMetricLabel } from './method-names.js';

type RpcId = string | number | null;
type MaybePromise<T> = T | Promise<T>;

/** Methods that also take a token from the transaction bucket (`RpcGate.transaction`). */
const TRANSACTION_METHODS: ReadonlySet<string> = new Set(['eth_sendRawTransaction']);

export type RpcResponse =
  | { jsonrpc: '2.0'; id: RpcId; result: Json }
  | { jsonrpc: '2.0'; id: RpcId; error: { code: number; message: string; data?: ErrorData } };

/** What the transport lets one client's body do: caps, and its rate-limit tokens. */
export interface RpcGate {
  /** Most elements in a batch. */
  maxBatch: number;
  /** Longest JSON text of a response or batch response, in bytes. */
  maxResponseBytes: number;
  /** Takes a request token: 0 when taken, else milliseconds until the client may retry. */
  request(): number;
  /** Takes a transaction token (for eth_sendRawTransaction): 0 when taken, else milliseconds until retry. */
  transaction(): number;
}

/** No limits at all. */
export const UNLIMITED_GATE: RpcGate = {
  maxBatch: Number.POSITIVE_INFINITY,
  maxResponseBytes: Number.POSITIVE_INFINITY,
  request: () => 0,
  transaction: () => 0,
};

export interface RpcAnswer {
  /** The JSON text to send, or undefined when nothing is to be sent (notifications only). */
  body: string | undefined;
  /** Set when every request of the body was refused by a rate limit: the shortest wait, in ms. */
  retryAfterMs?: number;
}

/** Per body: requests that asked for a token, those refused by a rate limit, the shortest wait. */
interface Tally {
  requests: number;
  rateRefused: number;
  retryAfterMs: number;
}

/**
 * Answers one request body. Synchronous when nothing in it waits (every method but
 * eth_sendRawTransaction), so that the transport can send (and check) each answer before reading the
 * next message; a Promise otherwise.
 */
export function handleRpcText<V>(text: string, context: MethodContext<V>, gate: RpcGate = UNLIMITED_GATE, table: MethodTable<V> = methods as unknown as MethodTable<V>): MaybePromise<RpcAnswer> {
  const tally: Tally = { requests: 0, rateRefused: 0, retryAfterMs: Number.POSITIVE_INFINITY };
  const answer = (body: string | undefined): RpcAnswer =>
    tally.requests > 0 && tally.rateRefused === tally.requests ? { body, retryAfterMs: tally.retryAfterMs } : { body };
  const { metrics } = context;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return answer(
      wholeBody(context, gate, tally, () => {
        metrics.rpcRequests.inc({ method: 'invalid', outcome: outcomeOf(PARSE_ERROR) });
        return errorResponse(null, new RpcError(PARSE_ERROR, 'parse error: the request is not valid JSON'));
      }),
    );
  }
  if (!Array.isArray(body)) {
    return then(handleRequest(body, context, gate, tally, table), (response) => answer(response && capped(response, context, gate)));
  }
  if (body.length === 0) {
    return answer(
      wholeBody(context, gate, tally, () => {
        metrics.rpcRequests.inc({ method: 'invalid', outcome: outcomeOf(INVALID_REQUEST) });
        return errorResponse(null, new RpcError(INVALID_REQUEST, 'invalid request: empty batch'));
      }),
    );
  }
  if (body.length > gate.maxBatch) {
    const length = body.length;
    return answer(
      wholeBody(context, gate, tally, () => {
        metrics.rpcLimited.inc({ limit: 'batch-length' });
        metrics.rpcRequests.inc({ method: 'invalid', outcome: outcomeOf(INVALID_REQUEST) });
        const message = `invalid request: a batch of ${length} requests exceeds the limit of ${gate.maxBatch}`;
        return errorResponse(null, new RpcError(INVALID_REQUEST, message, { limit: 'batch-length', max: gate.maxBatch }));
      }),
    );
  }
  return then(handleBatch(body, context, gate, tally, table), answer);
}

/**
 * Answers every request of `text` with `error` without running any (a message refused as a whole, e.g.
 * over the in-flight limit): each request with its id, notifications not at all.
 */
export function refuseRpcText<V>(text: string, context: MethodContext<V>, error: RpcError, table: MethodTable<V> = methods as unknown as MethodTable<V>): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const requests = Array.isArray(body) && body.length > 0 ? body : [body];
  const answers: string[] = [];
  for (const request of requests) {
    context.metrics.rpcRequests.inc({ method: methodLabel(request), outcome: outcomeOf(error.code) });
    const { id, notification } = idOf(request);
    if (!notification) answers.push(JSON.stringify(errorResponse(id, error)));
  }
  if (answers.length === 0) return undefined;
  return Array.isArray(body) && body.length > 0 ? `[${answers.join(',')}]` : answers[0];
}

/** One answer for a whole body (parse error, empty or over-long batch): one request token, else a refusal. */
function wholeBody<V>(context: MethodContext<V>, gate: RpcGate, tally: Tally, respond: () => RpcResponse): string {
  tally.requests++;
  const wait = gate.request();
  return JSON.stringify(wait > 0 ? rateRefusal(context, tally, 'requests', wait, null, 'invalid') : respond());
}

function handleBatch<V>(requests: unknown[], context: MethodContext<V>, gate: RpcGate, tally: Tally, table: MethodTable<V>): MaybePromise<string | undefined> {
  const parts: Array<string | undefined> = new Array<string | undefined>(requests.length).fill(undefined);
  let used = 2; // the brackets
  let overflow = false;
  const place = (index: number, response: RpcResponse | undefined): void => {
    if (response === undefined) return;
    if (!overflow) {
      const text = JSON.stringify(response);
      used += Buffer.byteLength(text) + 1;
      if (used <= gate.maxResponseBytes) {
        parts[index] = text;
        return;
      }
      overflow = true;
    }
    parts[index] = JSON.stringify(tooLarge(response.id, context, gate));
  };
  const pending: Promise<void>[] = [];
  requests.forEach((request, index) => {
    if (overflow) {
      // The answer is already at its limit: not run, answered with the error.
      const { id, notification } = idOf(request);
      if (!notification) parts[index] = JSON.stringify(tooLarge(id, context, gate));
      return;
    }
    const response = handleRequest(request, context, gate, tally, table);
    if (response instanceof Promise) pending.push(response.then((r) => place(index, r)));
    else place(index, response);
  });
  const joined = (): string | undefined => {
    const answers = parts.filter((part) => part !== undefined);
    return answers.length > 0 ? `[${answers.join(',')}]` : undefined;
  };
  return pending.length > 0 ? Promise.all(pending).then(joined) : joined();
}

function handleRequest<V>(request: unknown, context: MethodContext<V>, gate: RpcGate, tally: Tally, table: MethodTable<V>): MaybePromise<RpcResponse | undefined> {
  const { metrics, logger } = context;
  tally.requests++;
  const wait = gate.request();
  if (wait > 0) {
    const { id, notification } = idOf(request);
    const refusal = rateRefusal(context, tally, 'requests', wait, id, methodLabel(request));
    return notification ? undefined : refusal;
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    metrics.rpcRequests.inc({ method: 'invalid', outcome: outcomeOf(INVALID_REQUEST) });
    return errorResponse(null, new RpcError(INVALID_REQUEST, `invalid request: expected a JSON-RPC request object, got ${describeValue(request)}`));
  }
  const fields = request as Record<string, unknown>;
  const isNotification = !('id' in fields);
  const id = fields.id;
  const validId = isNotification || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  const problem = !validId
    ? `"id" must be a string, number or null, got ${describeValue(id)}`
    : fields.jsonrpc !== '2.0'
      ? `"jsonrpc" must be "2.0", got ${describeValue(fields.jsonrpc)}`
      : typeof fields.method !== 'string'
        ? `"method" must be a string, got ${describeValue(fields.method)}`
        : fields.params !== undefined && !Array.isArray(fields.params)
          ? `"params" must be an array (positional parameters), got ${describeValue(fields.params)}`
          : undefined;
  const responseId = validId && !isNotification ? (id as RpcId) : null;
  if (problem !== undefined) {
    metrics.rpcRequests.inc({ method: 'invalid', outcome: outcomeOf(INVALID_REQUEST) });
    return errorResponse(responseId, new RpcError(INVALID_REQUEST, `invalid request: ${problem}`));
  }
  const done = (response: RpcResponse): RpcResponse | undefined => (isNotification ? undefined : response);
  const name = fields.method as string;
  const method = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!method) {
    metrics.rpcRequests.inc({ method: methodMetricLabel(name), outcome: outcomeOf(METHOD_NOT_FOUND) });
    return done(errorResponse(responseId, new RpcError(METHOD_NOT_FOUND, `the method ${describeValue(name)} does not exist or is not available`)));
  }
  if (TRANSACTION_METHODS.has(name)) {
    const transactionWait = gate.transaction();
    if (transactionWait > 0) return done(rateRefusal(context, tally, 'transactions', transactionWait, responseId, name));
  }
  const succeed = (result: Json): RpcResponse | undefined => {
    metrics.rpcRequests.inc({ method: name, outcome: 'ok' });
    return done({ jsonrpc: '2.0', id: responseId, result });
  };
  const fail = (error: unknown): RpcResponse | undefined => {
    const rpcError = error instanceof RpcError ? error : new RpcError(INTERNAL_ERROR, 'internal error');
    if (!(error instanceof RpcError)) logger.error({ err: error, method: name }, 'RPC method failed');
    metrics.rpcRequests.inc({ method: name, outcome: outcomeOf(rpcError.code) });
    return done(errorResponse(responseId, rpcError));
  };
  let value: Json | Promise<Json>;
  try {
    value = method((fields.params as unknown[] | undefined) ?? [], context);
  } catch (error) {
    return fail(error);
  }
  return value instanceof Promise ? value.then(succeed, fail) : succeed(value);
}

function rateRefusal<V>(context: MethodContext<V>, tally: Tally, limit: 'requests' | 'transactions', retryAfterMs: number, id: RpcId, method: string): RpcResponse {
  tally.rateRefused++;
  tally.retryAfterMs = Math.min(tally.retryAfterMs, retryAfterMs);
  context.metrics.rpcLimited.inc({ limit });
  context.metrics.rpcRequests.inc({ method, outcome: outcomeOf(LIMIT_EXCEEDED) });
  const message = `limit exceeded: too many ${limit} from this address; retry in ${retryAfterMs} ms`;
  return errorResponse(id, new RpcError(LIMIT_EXCEEDED, message, { limit, retryAfterMs }));
}

/** The JSON text of `response`, or of a "response too large" error when it is over the limit. */
function capped<V>(response: RpcResponse, context: MethodContext<V>, gate: RpcGate): string {
  const text = JSON.stringify(response);
  return Buffer.byteLength(text) <= gate.maxResponseBytes ? text : JSON.stringify(tooLarge(response.id, context, gate));
}

function tooLarge<V>(id: RpcId, context: MethodContext<V>, gate: RpcGate): RpcResponse {
  context.metrics.rpcLimited.inc({ limit: 'response-bytes' });
  const message = `response too large: the answer exceeds the limit of ${gate.maxResponseBytes} bytes`;
  return errorResponse(id, new RpcError(LIMIT_EXCEEDED, message, { limit: 'response-bytes', max: gate.maxResponseBytes }));
}

/** The id to answer a request with (null when it has none that is valid), and whether it is a notification. */
function idOf(request: unknown): { id: RpcId; notification: boolean } {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return { id: null, notification: false };
  if (!('id' in request)) return { id: null, notification: true };
  const id = (request as { id: unknown }).id;
  const valid = id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  return { id: valid ? (id as RpcId) : null, notification: false };
}

/** The `method` label of a request not validated: "invalid" for no request object, else as `methodMetricLabel` (a name that is not a string: "other"). */
function methodLabel(request: unknown): string {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'invalid';
  const name = (request as { method?: unknown }).method;
  return typeof name === 'string' ? methodMetricLabel(name) : 'other';
}

function then<T, U>(value: MaybePromise<T>, next: (value: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

function errorResponse(id: RpcId, error: RpcError): RpcResponse {
  const body = { code: error.code, message: error.message, ...(error.data !== undefined && { data: error.data }) };
  return { jsonrpc: '2.0', id, error: body };
}
