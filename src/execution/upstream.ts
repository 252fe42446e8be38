/**
 * The DST nodes an execution node talks to for what only the sequencer knows: it forwards
 * `eth_sendRawTransaction` (the sequencer orders it; this node executes it once it is in a signed
 * block), and asks `dst_getTransactionStatus` and the pending nonce of transactions not yet executed.
 *
 * JSON-RPC over HTTP (the nodes' `ws://` follow URLs serve HTTP on the same port). The nodes are tried
 * in order; a node that cannot be reached (connection refused, reset, timeout) is skipped for the next,
 * and the first answer is returned — an error answer included: its code, message and data are passed
 * through unchanged (a rejected transaction stays -32000 with its typed reason). Requests carry the
 * `x-dst-forwarded` header, so a DST node that forwards execution methods here (`dst run
 * --execution-rpc`) never forwards them back.
 */
import { INTERNAL_ERROR, RpcError } from '../api/errors.js';
import type { Json } from '../api/format.js';
import { FORWARDED_HEADER } from '../api/execution-client.js';

/**
 * The only methods an execution node asks DST nodes. A DST node forwards none of them back
 * (src/api/forward.ts `FORWARDED_METHODS` is disjoint from this list; test/api/forward.test.ts).
 */
export const UPSTREAM_METHODS: readonly string[] = ['eth_sendRawTransaction', 'eth_getTransactionCount', 'eth_getTransactionByHash', 'dst_getTransactionStatus'];

/** How long one node may take to answer. */
const TIMEOUT_MS = 10_000;

export class Upstream {
  readonly urls: string[];

  constructor(urls: readonly string[]) {
    if (urls.length === 0) throw new RangeError('Upstream: expected at least one DST node URL');
    this.urls = urls.map(httpUrl);
  }

  async call(method: string, params: unknown[]): Promise<Json> {
    if (!UPSTREAM_METHODS.includes(method)) throw new RangeError(`Upstream: ${method} is not one of the methods an execution node asks DST nodes (${UPSTREAM_METHODS.join(', ')})`);
    const failures: string[] = [];
    for (const url of this.urls) {
      let body: { result?: Json; error?: { code: number; message: string; data?: never } };
      try {
        const response = await fetch(url, {
          method: 'POST',
          // Marked forwarded: the DST node never forwards it back (src/api/forward.ts).
          headers: { 'content-type': 'application/json', [FORWARDED_HEADER]: 'dst-execute' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        body = (await response.json()) as typeof body;
      } catch (error) {
        failures.push(`${url}: ${(error as Error).message}`);
        continue;
      }
      if (body.error !== undefined) throw new RpcError(body.error.code, body.error.message, body.error.data);
      return body.result ?? null;
    }
    throw new RpcError(INTERNAL_ERROR, `no DST node answered ${method} (${failures.join('; ')})`);
  }
}

/** ws://host:port/ → http://host:port/ (a DST node serves both on one port). */
export function httpUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws:') parsed.protocol = 'http:';
  else if (parsed.protocol === 'wss:') parsed.protocol = 'https:';
  else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`DST node URL ${url}: expected ws://, wss://, http:// or https://`);
  return parsed.toString();
}
