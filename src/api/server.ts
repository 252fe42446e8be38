/**
 * The node's public HTTP and WebSocket endpoint (node:http + ws), on one port:
 *
 * - `POST /` — JSON-RPC 2.0 (src/api/rpc.ts), single requests and batches; responses are HTTP 200 with
 *   the JSON-RPC body (errors included), or 204 when the body held only notifications.
 * - WebSocket upgrade on `/` — the same JSON-RPC, plus `eth_subscribe("newHeads")`: each newly stored
 *   signed block is pushed as `{"method":"eth_subscription","params":{"subscription","result"}}` with
 *   the block's header object (as geth's newHeads: no transaction list).
 * - `GET /metrics` — Prometheus text (src/api/metrics.ts).
 * - `GET /livez`, `GET /readyz` — 200 when `view.health()` says live/ready, else 503; the body is the
 *   health as JSON (the `reasons` say why not ready).
 *
 * Size limits: an HTTP body larger than `maxBodyBytes` gets HTTP 413 with a JSON-RPC -32600 error body
 * and the connection is closed; the body is read and dropped first (up to 64 MiB) so the client can
 * read the answer; a WebSocket message larger than
 * `maxBodyBytes` closes that connection with status 1009 "message too big" (RFC 6455 §7.4.1). A
 * WebSocket client that stops reading its newHeads notifications is disconnected once
 * `MAX_BUFFERED_BYTES` of them queue up, rather than letting the queue grow without bound.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { prefixedHex } from '../bytes/index.js';
import type { SequencerView, SignedBlock } from '../node/types.js';
import { INVALID_REQUEST } from './errors.js';
import { formatHeader } from './format.js';
import { quantity } from './hex.js';
import type { Logger } from './logger.js';
import { createMetrics, type DstMetrics } from './metrics.js';
import type { MethodContext, SubscriptionHost } from './methods.js';
import { handleRpcText } from './rpc.js';

/** How much of an oversized HTTP body is read and dropped so its sender can read the 413. */
const MAX_DISCARDED_BODY_BYTES = 64 * 1024 * 1024;

export interface ApiServerOptions {
  host: string;
  /** 0 picks any free port (see `ApiServer.port`). */
  port: number;
  /** Largest HTTP request body and largest WebSocket message, in bytes. */
  maxBodyBytes: number;
  logger: Logger;
  /** The registry to serve and update; by default the server creates one (returned as `metrics`). */
  metrics?: DstMetrics;
}

export interface ApiServer {
  /** http://host:port/ */
  url: string;
  /** ws://host:port/ */
  wsUrl: string;
  port: number;
  metrics: DstMetrics;
  close(): Promise<void>;
}

const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** The request's connection failed or was closed by the client while its body was being read. */
class ClientAborted extends Error {}

export async function startApiServer(view: SequencerView, options: ApiServerOptions): Promise<ApiServer> {
  if (!Number.isSafeInteger(options.maxBodyBytes) || options.maxBodyBytes <= 0) {
    throw new RangeError(`startApiServer: maxBodyBytes must be a positive integer, got ${options.maxBodyBytes}`);
  }
  const logger = options.logger.child({ module: 'api' });
  const metrics = options.metrics ?? createMetrics();
  const baseContext = { view, metrics, logger };
  const subscribers = new Map<WebSocket, Set<string>>();

  const http = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      // A client that hangs up mid-request is the client's business: no error-level line per abort.
      if (error instanceof ClientAborted) {
        logger.debug({ err: error.message, url: req.url }, 'client aborted the request');
        res.destroy();
        return;
      }
      logger.error({ err: error, url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/') {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        return send(res, 405, 'application/json', JSON.stringify({ error: 'JSON-RPC requests are POSTed to /' }));
      }
      const body = await readBody(req, res);
      if (body === undefined) return;
      const response = await handleRpcText(body, { ...baseContext, client: clientAddress(req) });
      if (response === undefined) return send(res, 204);
      return send(res, 200, 'application/json', response);
    }
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return send(res, 405, 'application/json', JSON.stringify({ error: `${path} answers GET only` }));
    }
    switch (path) {
      case '/metrics': {
        const health = view.health();
        metrics.headBlock.set(health.head);
        metrics.mempoolSize.set(health.mempoolSize);
        return send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
      }
      case '/livez':
      case '/readyz': {
        const health = view.health();
        const up = path === '/livez' ? health.live : health.ready;
        const body = { live: health.live, ready: health.ready, head: quantity(health.head), mempoolSize: health.mempoolSize, reasons: health.reasons };
        return send(res, up ? 200 : 503, 'application/json', JSON.stringify(body));
      }
      default:
        return send(res, 404, 'application/json', JSON.stringify({ error: `no such path ${path}` }));
    }
  }

  /**
   * The body as text, or undefined after answering 413 because it is over the limit. An oversized body
   * is still read (and dropped) up to MAX_DISCARDED_BODY_BYTES before the 413 goes out, so that the
   * client finishes sending and reads the answer instead of seeing its upload reset; a client that
   * keeps sending beyond that is cut off.
   */
  function readBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const limit = options.maxBodyBytes;
    const tooLarge = (): undefined => {
      res.setHeader('Connection', 'close');
      const error = { code: INVALID_REQUEST, message: `invalid request: the body exceeds the limit of ${limit} bytes` };
      send(res, 413, 'application/json', JSON.stringify({ jsonrpc: '2.0', id: null, error }));
      metrics.rpcRequests.inc({ method: 'invalid', outcome: 'oversized' });
      return undefined;
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_DISCARDED_BODY_BYTES) return Promise.resolve(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let answered = false;
      const answer = (body: () => string | undefined) => {
        if (answered) return;
        answered = true;
        resolve(body());
      };
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received <= limit) chunks.push(chunk);
        else if (received > MAX_DISCARDED_BODY_BYTES) answer(tooLarge);
        else chunks.length = 0;
      });
      req.on('end', () => answer(() => (received > limit ? tooLarge() : Buffer.concat(chunks).toString('utf8'))));
      req.on('error', (error) => reject(new ClientAborted(error.message)));
      req.on('aborted', () => reject(new ClientAborted('the client closed the connection before the body ended')));
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  http.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '/').split('?', 1)[0] !== '/') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, clientAddress(req)));
  });

  function accept(ws: WebSocket, client: string): void {
    const ids = new Set<string>();
    const subscriptions: SubscriptionHost = {
      subscribeNewHeads() {
        const id = prefixedHex(randomBytes(16));
        ids.add(id);
        subscribers.set(ws, ids);
        return id;
      },
      unsubscribe(id) {
        const removed = ids.delete(id);
        if (ids.size === 0) subscribers.delete(ws);
        return removed;
      },
    };
    const context: MethodContext = { ...baseContext, client, subscriptions };
    ws.on('message', (message: Buffer | ArrayBuffer | Buffer[]) => {
      const text = (Array.isArray(message) ? Buffer.concat(message) : Buffer.from(message as ArrayBuffer)).toString('utf8');
      handleRpcText(text, context)
        .then((response) => {
          if (response !== undefined && ws.readyState === WebSocket.OPEN) ws.send(response);
        })
        .catch((error: unknown) => logger.error({ err: error }, 'WebSocket handler failed'));
    });
    // ws reports protocol violations and oversized messages here, then closes the connection itself.
    ws.on('error', (error) => logger.debug({ err: error.message }, 'WebSocket connection error'));
    ws.on('close', () => subscribers.delete(ws));
  }

  // Runs inside the node's block pipeline: a failure here is logged, never thrown into the node.
  const unsubscribeBlocks = view.onBlock((signed: SignedBlock) => {
    try {
      publishHead(signed);
    } catch (error) {
      logger.error({ err: error, number: signed.block.header.number }, 'publishing newHeads failed');
    }
  });

  function publishHead(signed: SignedBlock): void {
    if (subscribers.size === 0) return;
    const result = formatHeader(signed);
    for (const [ws, ids] of subscribers) {
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        logger.warn({ bufferedBytes: ws.bufferedAmount }, 'disconnecting a WebSocket subscriber that does not read');
        subscribers.delete(ws);
        ws.terminate();
        continue;
      }
      for (const subscription of ids) {
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } }));
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const server: ApiServer = {
    url: `http://${host}:${port}/`,
    wsUrl: `ws://${host}:${port}/`,
    port,
    metrics,
    async close() {
      unsubscribeBlocks();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  logger.info({ url: server.url, wsUrl: server.wsUrl }, 'API server listening');
  return server;
}

/** The client's IP address (IPv4-mapped IPv6 addresses as plain IPv4), or "unknown" for a closed socket. */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function send(res: ServerResponse, status: number, contentType?: string, body?: string): void {
  res.statusCode = status;
  if (contentType !== undefined) res.setHeader('Content-Type', contentType);
  res.end(body);
}
