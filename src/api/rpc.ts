/**
 * JSON-RPC 2.0 request handling, transport-independent (https://www.jsonrpc.org/specification):
 * parsing, request validation, batches and notifications, dispatch to `methods`, error objects.
 *
 * - Unparseable JSON → one -32700 response with id null.
 * - A request that is not {jsonrpc: "2.0", method: string, params?: array, id?: string|number|null}
 *   → -32600 (with its id when that id is itself valid). Ethereum methods take positional params only.
 * - An empty batch → one -32600 response (not an array); otherwise every element is answered on its
 *   own, valid or not, in request order.
 * - A request without an `id` member is a notification: it runs, and gets no response; a body made
 *   only of notifications gets no body at all.
 * - A thrown `RpcError` becomes its error object; anything else is a bug: logged, answered with
 *   -32603 "internal error" without internal details.
 */
import { INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError, describeValue, outcomeOf, type RejectionData } from './errors.js';
import type { Json } from './format.js';
import { methods, type MethodContext } from './methods.js';

type RpcId = string | number | null;

export type RpcResponse =
  | { jsonrpc: '2.0'; id: RpcId; result: Json }
  | { jsonrpc: '2.0'; id: RpcId; error: { code: number; message: string; data?: RejectionData } };

/** Answers one request body: the JSON text of the response, or undefined when nothing is to be sent. */
export async function handleRpcText(text: string, context: MethodContext): Promise<string | undefined> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    context.metrics.rpcRequests.inc({ method: 'invalid', outcome: outcomeOf(PARSE_ERROR) });
    return JSON.stringify(errorResponse(null, new RpcError(PARSE_ERROR, 'parse error: the request is not valid JSON')));
  }
  if (!Array.isArray(body)) {
    const response = await handleRequest(body, context);
    return response && JSON.stringify(response);
  }
  if (body.length === 0) {
    context.metrics.rpcRequests.inc({ method: 'invalid', outcome: outcomeOf(INVALID_REQUEST) });
    return JSON.stringify(errorResponse(null, new RpcError(INVALID_REQUEST, 'invalid request: empty batch')));
  }
  const responses = (await Promise.all(body.map((request) => handleRequest(request, context)))).filter((r) => r !== undefined);
  return responses.length > 0 ? JSON.stringify(responses) : undefined;
}

async function handleRequest(request: unknown, context: MethodContext): Promise<RpcResponse | undefined> {
  const { metrics, logger } = context;
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
  const name = fields.method as string;
  const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
  let response: RpcResponse;
  if (!method) {
    metrics.rpcRequests.inc({ method: 'unknown', outcome: outcomeOf(METHOD_NOT_FOUND) });
    response = errorResponse(responseId, new RpcError(METHOD_NOT_FOUND, `the method ${describeValue(name)} does not exist or is not available`));
  } else {
    try {
      const result = await method((fields.params as unknown[] | undefined) ?? [], context);
      metrics.rpcRequests.inc({ method: name, outcome: 'ok' });
      response = { jsonrpc: '2.0', id: responseId, result };
    } catch (error) {
      const rpcError = error instanceof RpcError ? error : new RpcError(INTERNAL_ERROR, 'internal error');
      if (!(error instanceof RpcError)) logger.error({ err: error, method: name }, 'RPC method failed');
      metrics.rpcRequests.inc({ method: name, outcome: outcomeOf(rpcError.code) });
      response = errorResponse(responseId, rpcError);
    }
  }
  return isNotification ? undefined : response;
}

function errorResponse(id: RpcId, error: RpcError): RpcResponse {
  const body = { code: error.code, message: error.message, ...(error.data !== undefined && { data: error.data }) };
  return { jsonrpc: '2.0', id, error: body };
}
