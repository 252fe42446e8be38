/**
 * The node's public HTTP and WebSocket endpoint (node:http + ws), on one port:
 *
 * - `POST /` — JSON-RPC 2.0 (src/api/rpc.ts), single requests and batches; responses are HTTP 200 with
 *   the JSON-RPC body (errors included), or 204 when the body held only notifications. While the node
 *   is not ready (it cannot sign a block: no quorum, syncing, …) it still answers and still accepts
 *   transactions, and each response carries `X-DST-Not-Ready: <reasons>`.
 * - WebSocket upgrade on `/` — the same JSON-RPC, plus `eth_subscribe("newHeads")`: each newly stored
 *   signed block is pushed as `{"method":"eth_subscription","params":{"subscription","result"}}` with
 *   the block's header object (as geth's newHeads: no transaction list).
 * - `GET /metrics` — Prometheus text (src/api/metrics.ts).
 * - `GET /livez`, `GET /readyz` — 200 when `view.health()` says live/ready, else 503; the body is the
 *   health as JSON (the `reasons` say why not ready).
 * - `GET /dashboard` — the live dashboard page and its script and style (./dashboard.ts), which read
 *   `dst_dashboard` over the WebSocket.
 *
 * Size limits: an HTTP body larger than `maxBodyBytes` gets HTTP 413 with a JSON-RPC -32600 error body
 * and the connection is closed; the body is read and dropped first (up to 64 MiB) so the client can
 * read the answer; a WebSocket message larger than `maxBodyBytes` closes that connection with status
 * 1009 "message too big" (RFC 6455 §7.4.1).
 *
 * Endpoint limits (`options.limits`, merged over `DEFAULT_RPC_LIMITS`; src/api/limits.ts has the table
 * of what each refusal looks like, each counted in `dst_rpc_limited_total{limit}`):
 * - per client address (`clientAddress`: the socket's IP; loopback exempt by default): a token bucket
 *   on requests (each element of a batch counts) and one on `eth_sendRawTransaction`; a request over
 *   them gets -32005 "limit exceeded" with `data: {limit, retryAfterMs}`, and an HTTP body whose every
 *   request was refused gets HTTP 429 with `Retry-After` (seconds, rounded up);
 * - connections, counted per TCP socket (HTTP keep-alive and WebSocket alike) on the server's
 *   'connection' event, per address and in total: a socket over either limit is destroyed at once,
 *   before anything is read from it (the client sees the connection closed or reset);
 * - a batch longer than `maxBatch` is answered with one -32600 and not run; a response (or batch
 *   response) longer than `maxResponseBytes` is replaced by -32005 "response too large" (src/api/rpc.ts);
 * - per WebSocket: at most `maxSubscriptions` subscriptions, at most `maxInFlight` messages being handled
 *   at once (a message beyond it is answered with -32005 and not run), and one unread-data limit for
 *   every byte sent on it: every message, replies and newHeads notifications alike, goes through `sendOn`,
 *   which terminates the connection (warn log, once) instead of sending a message that would take its
 *   unsent data (`ws.bufferedAmount`) past `maxUnreadBytes`. Replies of synchronous methods are sent as
 *   their message is read, so a client that pipelines requests without reading is cut off after about
 *   `maxUnreadBytes` (plus what the kernel buffers) of replies, not after all of them are built.
 * HTTP needs no in-flight or unread limit of its own: node:http stops reading a connection while its
 * earlier response is unsent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { prefixedHex } from '../bytes/index.js';
import type { SequencerView, SignedBlock } from '../node/types.js';
import { INVALID_REQUEST, LIMIT_EXCEEDED, RpcError } from './errors.js';
import { formatHeader } from './format.js';
import { quantity } from './hex.js';
import { ConnectionLimiter, RateLimiter, isLoopback, resolveRpcLimits, type RpcLimits } from './limits.js';
import type { Logger } from './logger.js';
import { DASHBOARD_CSP, DashboardFeed, dashboardAsset } from './dashboard.js';
import { createMetrics, type DstMetrics } from './metrics.js';
import type { MethodContext, MethodTable, SubscriptionHost } from './methods.js';
import { handleRpcText, refuseRpcText, type RpcAnswer, type RpcGate } from './rpc.js';
import { FORWARDED_HEADER } from './execution-client.js';
import { forwardedMethods, type ExecutionForwarding } from './forward.js';
import { methods as nodeMethods } from './methods.js';

/** The response header of a JSON-RPC answer given while the node is not ready: its readiness reasons. */
export const NOT_READY_HEADER = 'X-DST-Not-Ready';
/** An HTTP header value: printable ASCII only (a reason may hold "…" or "→"), at most this long. */
const MAX_HEADER_CHARS = 1_024;
const headerText = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_HEADER_CHARS);

/** How much of an oversized HTTP body is read and dropped so its sender can read the 413. */
const MAX_DISCARDED_BODY_BYTES = 64 * 1024 * 1024;

/** What the server itself reads of what it serves: health for /livez and /readyz, blocks for newHeads. */
export type ServedView = Pick<SequencerView, 'health' | 'onBlock'>;

export interface ApiServerOptions<V extends ServedView = SequencerView> {
  host: string;
  /** 0 picks any free port (see `ApiServer.port`). */
  port: number;
  /** Largest HTTP request body and largest WebSocket message, in bytes. */
  maxBodyBytes: number;
  logger: Logger;
  /** The registry to serve and update; by default the server creates one (returned as `metrics`). */
  metrics?: DstMetrics;
  /** The endpoint's limits (src/api/limits.ts), merged over `DEFAULT_RPC_LIMITS`. */
  limits?: Partial<RpcLimits>;
  /** The rate limits' clock, in milliseconds; default `performance.now` (tests inject one). */
  now?: () => number;
  /**
   * Origins whose web pages may call the HTTP JSON-RPC (CORS): exact origins such as
   * `https://explorer.example`, or `*` for any. Default none: browsers block cross-origin calls.
   */
  corsOrigins?: readonly string[];
  /** The JSON-RPC methods; default a DST node's (`methods`, src/api/methods.ts). */
  methods?: MethodTable<V>;
  /**
   * A DST node's execution endpoint (`--execution-rpc`): the execution methods (./forward.ts) are
   * forwarded to it, and block objects carry its base fee. Only with the node's own method table.
   */
  execution?: ExecutionForwarding;
}

export interface ApiServer {
  /** http://host:port/ */
  url: string;
  /** ws://host:port/ */
  wsUrl: string;
  port: number;
  metrics: DstMetrics;
  /** The limits in force: `options.limits` over the defaults. */
  limits: Readonly<RpcLimits>;
  close(): Promise<void>;
}

/** The request's connection failed or was closed by the client while its body was being read. */
class ClientAborted extends Error {}

/** Per TCP connection: its client address and the bytes of HTTP responses queued on it, not yet written. */
interface Connection {
  client: string;
  queuedBytes: number;
}

export async function startApiServer<V extends ServedView = SequencerView>(view: V, options: ApiServerOptions<V>): Promise<ApiServer> {
  if (!Number.isSafeInteger(options.maxBodyBytes) || options.maxBodyBytes <= 0) {
    throw new RangeError(`startApiServer: maxBodyBytes must be a positive integer, got ${options.maxBodyBytes}`);
  }
  const limits = resolveRpcLimits(options.limits);
  const logger = options.logger.child({ module: 'api' });
  const metrics = options.metrics ?? createMetrics();
  // A DST node's endpoint (its own method table, no `methods` given) also serves the dashboard and the
  // cluster gauges, which need the node's whole view; another endpoint (src/execution) serves neither.
  const nodeView = options.methods === undefined ? (view as unknown as SequencerView) : undefined;
  const dashboard = nodeView && new DashboardFeed(nodeView, metrics);
  if (options.execution !== undefined && options.methods !== undefined) throw new RangeError('startApiServer: execution forwarding is for a DST node\'s own method table, not with `methods`');
  const execution = options.execution;
  // A DST node with an execution endpoint: its own methods, and the execution methods forwarded (its own names win).
  const table = (execution === undefined ? options.methods : { ...forwardedMethods, ...nodeMethods }) as MethodTable<V> | undefined;
  const baseContext = { view, metrics, logger, dashboard, execution };
  const rates = new RateLimiter(limits, options.now ?? (() => performance.now()));
  const connectionCounts = new ConnectionLimiter(limits.maxConnectionsPerAddress, limits.maxConnections, (address) => limits.exemptLoopback && isLoopback(address));
  const connections = new WeakMap<Socket, Connection>();
  /** WebSockets with at least one subscription. */
  const subscribers = new Map<WebSocket, { client: string; ids: Set<string> }>();
  const gateFor = (client: string): RpcGate => ({
    maxBatch: limits.maxBatch,
    maxResponseBytes: limits.maxResponseBytes,
    request: () => rates.request(client),
    transaction: () => rates.transaction(client),
  });

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

  // Every TCP connection, HTTP or (later upgraded) WebSocket, is counted here; one over a limit is
  // destroyed before the HTTP parser reads anything from it.
  http.on('connection', (socket: Socket) => {
    const client = socketAddress(socket);
    const refused = connectionCounts.open(client);
    if (refused !== undefined) {
      metrics.rpcLimited.inc({ limit: refused });
      logger.debug({ client, limit: refused }, 'refused a connection over the limit');
      socket.destroy();
      return;
    }
    connections.set(socket, { client, queuedBytes: 0 });
    socket.once('close', () => connectionCounts.close(client));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (allowCors(req, res) && req.method === 'OPTIONS') return send(res, 204); // a CORS preflight
    if (path === '/') {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        return send(res, 405, 'application/json', JSON.stringify({ error: 'JSON-RPC requests are POSTed to /' }));
      }
      const body = await readBody(req, res);
      // Over its limit or cut off: a connection destroyed meanwhile (pipelined requests) gets nothing more.
      if (body === undefined || req.socket.destroyed) return;
      const client = clientAddress(req);
      // A request forwarded by another node (an execution node sending a transaction) is never forwarded again.
      const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
      const answer = await handleRpcText(body, { ...baseContext, client, forwarded }, gateFor(client), table);
      if (answer.retryAfterMs !== undefined) {
        res.setHeader('Retry-After', String(Math.ceil(answer.retryAfterMs / 1000)));
        return send(res, 429, answer.body === undefined ? undefined : 'application/json', answer.body);
      }
      // Accepted while this node cannot sign: the answer is the same, the header says why no block comes.
      const health = view.health();
      if (!health.ready) res.setHeader(NOT_READY_HEADER, headerText(health.reasons.join('; ')));
      if (answer.body === undefined) return send(res, 204);
      return send(res, 200, 'application/json', answer.body);
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
        metrics.ready.set(health.ready ? 1 : 0);
        if (nodeView) {
          const info = nodeView.clusterInfo();
          metrics.headTimestamp.set(health.head === 0 ? 0 : Number(nodeView.getBlockByNumber(health.head)?.block.header.timestampMs ?? 0n) / 1000);
          metrics.clusterNodes.set(info.nodes);
          metrics.clusterThreshold.set(info.threshold);
          metrics.blockTime.set(info.blockTimeMs / 1000);
        }
        metrics.mempoolOldestAge.set((health.oldestPendingAgeMs ?? 0) / 1000);
        return send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
      }
      case '/livez':
      case '/readyz': {
        const health = view.health();
        const up = path === '/livez' ? health.live : health.ready;
        const body = { live: health.live, ready: health.ready, head: quantity(health.head), mempoolSize: health.mempoolSize, reasons: health.reasons };
        return send(res, up ? 200 : 503, 'application/json', JSON.stringify(body));
      }
      default: {
        const asset = nodeView && path.startsWith('/dashboard') ? await dashboardAsset(path) : undefined;
        if (asset !== undefined) {
          res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
          res.setHeader('X-Content-Type-Options', 'nosniff');
          res.setHeader('Cache-Control', 'no-cache');
          return send(res, 200, asset.type, asset.body);
        }
        return send(res, 404, 'application/json', JSON.stringify({ error: `no such path ${path}` }));
      }
    }
  }

  /**
   * Adds the CORS headers when the request's Origin is one of `corsOrigins` (or they hold `*`); true
   * then. A preflight (OPTIONS) is answered with the methods and headers a JSON-RPC POST needs.
   */
  function allowCors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const allowed = options.corsOrigins ?? [];
    if (origin === undefined || !(allowed.includes('*') || allowed.includes(origin))) return false;
    res.setHeader('Access-Control-Allow-Origin', allowed.includes('*') ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    return true;
  }

  /**
   * Sends an HTTP response. The unread-data limit applies to HTTP too: node:http queues the responses
   * of pipelined requests until the client reads the earlier ones, so a response that would take what
   * is queued and unwritten on its connection past `maxUnreadBytes` is not sent, and the connection is
   * destroyed (logged at warn, counted as unread-bytes).
   */
  function send(res: ServerResponse, status: number, contentType?: string, body?: string): void {
    const socket = res.req.socket;
    if (socket.destroyed) return;
    const connection = connections.get(socket);
    if (connection !== undefined && body !== undefined) {
      const size = Buffer.byteLength(body);
      const unread = connection.queuedBytes + socket.writableLength;
      if (unread + size > limits.maxUnreadBytes) {
        metrics.rpcLimited.inc({ limit: 'unread-bytes' });
        logger.warn({ client: connection.client, unreadBytes: unread, messageBytes: size, limit: limits.maxUnreadBytes }, 'disconnecting an HTTP client that does not read its responses');
        socket.destroy();
        return;
      }
      connection.queuedBytes += size;
      res.once('finish', () => (connection.queuedBytes -= size));
    }
    res.statusCode = status;
    if (contentType !== undefined) res.setHeader('Content-Type', contentType);
    res.end(body);
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

  /**
   * The one way anything is sent on a WebSocket — replies and newHeads notifications alike: a message
   * that would take the connection's unsent data (`ws.bufferedAmount`) past `maxUnreadBytes` is not
   * sent, and the connection is terminated instead (logged at warn and counted once: after `terminate`
   * the socket is no longer open, so nothing more reaches this check). False when not sent.
   */
  function sendOn(ws: WebSocket, client: string, text: string): boolean {
    if (ws.readyState !== WebSocket.OPEN) return false;
    const data = Buffer.from(text, 'utf8');
    const unread = ws.bufferedAmount;
    if (unread + data.length > limits.maxUnreadBytes) {
      metrics.rpcLimited.inc({ limit: 'unread-bytes' });
      logger.warn({ client, unreadBytes: unread, messageBytes: data.length, limit: limits.maxUnreadBytes }, 'disconnecting a WebSocket client that does not read what it is sent');
      subscribers.delete(ws);
      ws.terminate();
      return false;
    }
    ws.send(data, { binary: false });
    return true;
  }

  function accept(ws: WebSocket, client: string): void {
    const ids = new Set<string>();
    const gate = gateFor(client);
    /** Messages whose (asynchronous) answer is not yet sent. */
    let inFlight = 0;
    const subscriptions: SubscriptionHost = {
      subscribeNewHeads() {
        if (ids.size >= limits.maxSubscriptions) {
          metrics.rpcLimited.inc({ limit: 'subscriptions' });
          const message = `limit exceeded: at most ${limits.maxSubscriptions} subscriptions per connection`;
          throw new RpcError(LIMIT_EXCEEDED, message, { limit: 'subscriptions', max: limits.maxSubscriptions });
        }
        const id = prefixedHex(randomBytes(16));
        ids.add(id);
        subscribers.set(ws, { client, ids });
        return id;
      },
      unsubscribe(id) {
        const removed = ids.delete(id);
        if (ids.size === 0) subscribers.delete(ws);
        return removed;
      },
    };
    const context: MethodContext<V> = { ...baseContext, client, subscriptions };
    const reply = (answer: RpcAnswer): void => {
      if (answer.body !== undefined) sendOn(ws, client, answer.body);
    };
    const failed = (error: unknown): void => logger.error({ err: error }, 'WebSocket handler failed');
    ws.on('message', (message: Buffer | ArrayBuffer | Buffer[]) => {
      // Terminated (unread data): the frames still buffered are not handled.
      if (ws.readyState !== WebSocket.OPEN) return;
      const text = (Array.isArray(message) ? Buffer.concat(message) : Buffer.from(message as ArrayBuffer)).toString('utf8');
      if (inFlight >= limits.maxInFlight) {
        metrics.rpcLimited.inc({ limit: 'in-flight' });
        const reason = `limit exceeded: ${limits.maxInFlight} messages of this connection are being handled; wait for their answers`;
        const refusal = refuseRpcText(text, context, new RpcError(LIMIT_EXCEEDED, reason, { limit: 'in-flight', max: limits.maxInFlight }), table);
        if (refusal !== undefined) sendOn(ws, client, refusal);
        return;
      }
      let answer: RpcAnswer | Promise<RpcAnswer>;
      try {
        answer = handleRpcText(text, context, gate, table);
      } catch (error) {
        return failed(error);
      }
      // Synchronous answers are sent (and checked against the unread limit) before the next message is read.
      if (!(answer instanceof Promise)) return reply(answer);
      inFlight++;
      answer
        .then(reply, failed)
        .finally(() => inFlight--)
        .catch(failed);
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
    // The header's JSON once per block, not once per subscription.
    const result = JSON.stringify(formatHeader(signed, execution?.baseFeePerGas));
    for (const [ws, { client, ids }] of subscribers) {
      for (const subscription of ids) {
        const text = `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":${JSON.stringify(subscription)},"result":${result}}}`;
        if (!sendOn(ws, client, text)) break;
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
    limits: Object.freeze({ ...limits }),
    async close() {
      unsubscribeBlocks();
      dashboard?.close();
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
  return socketAddress(req.socket);
}

/** What `clientAddress` gives, for a socket: what the per-address limits (src/api/limits.ts) key on. */
function socketAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
