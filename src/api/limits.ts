/**
 * The public endpoint's limits (what public Ethereum endpoints — geth, erigon, hosted RPC providers —
 * enforce, so that one anonymous client cannot exhaust the node): the values in one options type,
 * `RpcLimits`, with `DEFAULT_RPC_LIMITS`, and the small pieces of logic the server (./server.ts) and
 * the JSON-RPC handling (./rpc.ts) enforce them with: `TokenBuckets` (per-address rate limits, bounded
 * in memory), `ConnectionLimiter` (open sockets per address and in total) and `RateLimiter` (the two
 * buckets of a client address, requests and transactions).
 *
 * What each limit does on refusal, and its label in `dst_rpc_limited_total{limit}` (`RpcLimitName`):
 *
 * | limit | label | on refusal |
 * |---|---|---|
 * | `requestsPerSecond` / `requestBurst`, per address | `requests` | that request (each element of a batch counts as one) is answered with -32005 `limit exceeded`, `data: { limit: 'requests', retryAfterMs }`; over HTTP, when every request of the body was refused, HTTP 429 with `Retry-After` (seconds, rounded up) |
 * | `transactionsPerSecond` / `transactionBurst`, per address | `transactions` | the same for `eth_sendRawTransaction`, `limit: 'transactions'` |
 * | `maxBatch` | `batch-length` | the batch is answered with ONE -32600 naming the limit, `data: { limit: 'batch-length', max }`; no element runs |
 * | `maxConnectionsPerAddress` | `connections-per-address` | the new socket (HTTP or WebSocket, counted per TCP connection) is closed at once, before any byte is read |
 * | `maxConnections` | `connections-total` | the same, for the whole server |
 * | `maxSubscriptions`, per WebSocket | `subscriptions` | `eth_subscribe` is answered with -32005, `data: { limit: 'subscriptions', max }` |
 * | `maxInFlight`, per WebSocket | `in-flight` | a message arriving while that many are being handled is not run: each request in it is answered with -32005, `data: { limit: 'in-flight', max }` |
 * | `maxUnreadBytes`, per connection | `unread-bytes` | a WebSocket message (reply or notification) that would take the connection's unsent data past the limit is not sent and the connection is terminated (logged at warn, once); likewise an HTTP response queued behind unread ones (pipelining) |
 * | forwarded calls open or waiting (src/api/execution-client.ts) | `execution-in-flight` | with `--execution-rpc`, a forwarded call beyond the client's open and queued requests gets -32005 `limit exceeded`, `data: { limit: 'execution-in-flight', max }` |
 * | `maxResponseBytes` | `response-bytes` | a response whose JSON text is longer is replaced by -32005 `response too large`, `data: { limit: 'response-bytes', max }`; in a batch, the element that would take the batch's answer past the limit and every element after it get that error (elements not yet run are not run) |
 *
 * Per-address limits key on the client's IP (`clientAddress` in ./server.ts: no X-Forwarded-For, the
 * server is meant to face clients directly). Loopback clients (127.0.0.0/8, ::1) are exempt from the
 * per-address limits by default (`exemptLoopback`): on a node that faces clients directly, loopback is
 * the operator's own tooling (`dst load`, benchmarks, monitoring, the end-to-end tests), and behind a
 * local reverse proxy every client would share the proxy's address, so the proxy must do the
 * per-client limiting. The per-connection limits (batch, subscriptions, in-flight, unread bytes,
 * response size) and the total connection limit apply to every client.
 */

/** The label of a refusal in `dst_rpc_limited_total{limit}` and in the `data.limit` of its error. */
export type RpcLimitName =
  | 'requests'
  | 'transactions'
  | 'batch-length'
  | 'connections-per-address'
  | 'connections-total'
  | 'subscriptions'
  | 'in-flight'
  | 'unread-bytes'
  | 'response-bytes'
  | 'execution-in-flight';

export const RPC_LIMIT_NAMES: readonly RpcLimitName[] = [
  'requests',
  'transactions',
  'batch-length',
  'connections-per-address',
  'connections-total',
  'subscriptions',
  'in-flight',
  'unread-bytes',
  'response-bytes',
  'execution-in-flight',
];

export interface RpcLimits {
  /** JSON-RPC requests per second per client address (every request; each element of a batch counts). */
  requestsPerSecond: number;
  /** Requests an idle address may send at once; by default 2 × `requestsPerSecond`. */
  requestBurst: number;
  /** `eth_sendRawTransaction` calls per second per client address (they count as requests too). */
  transactionsPerSecond: number;
  /** Transactions an idle address may send at once; by default 2 × `transactionsPerSecond`. */
  transactionBurst: number;
  /** Most elements in one JSON-RPC batch. */
  maxBatch: number;
  /** Most open TCP connections (HTTP keep-alive and WebSocket alike) from one client address. */
  maxConnectionsPerAddress: number;
  /** Most open TCP connections in total. */
  maxConnections: number;
  /** Most `eth_subscribe` subscriptions alive on one WebSocket. */
  maxSubscriptions: number;
  /** Most messages of one WebSocket being handled at once (answers not yet sent). */
  maxInFlight: number;
  /**
   * Most bytes queued unsent on one connection: on a WebSocket, replies and notifications the client
   * has not read; over HTTP, responses to pipelined requests queued behind unread ones.
   */
  maxUnreadBytes: number;
  /** Longest JSON text of one response or batch response, in bytes. At most `maxUnreadBytes`. */
  maxResponseBytes: number;
  /** Most client addresses whose rate-limit buckets are remembered (per bucket kind); see `TokenBuckets`. */
  maxTrackedAddresses: number;
  /** Loopback clients (127.0.0.0/8, ::1) skip the per-address limits (rates, connections per address). */
  exemptLoopback: boolean;
}

/**
 * Defaults for a production sequencer endpoint that faces clients directly (no proxy):
 *
 * - 200 requests/s, burst 400, per address: well above what a wallet or dapp sends (a page load is a few
 *   dozen calls, polling a few per second), a fraction of what one node answers (thousands of simple
 *   calls per second); an indexer that needs more should run against its own limits.
 * - 100 transactions/s, burst 200, per address: a single node admits about 640–710 tx/s one per request
 *   and 2,200–3,300 tx/s in batches (README "Benchmarks"), so one address gets at most a few percent to
 *   a sixth of a node; every admitted transaction costs a sender recovery (≈ 80 µs) on every node.
 * - batches of at most 1,000: geth's default (`BatchRequestLimit`); per-address rates still apply to each
 *   element, so a remote client's 1,000-element batch of transactions runs at most `transactionBurst` of
 *   them. `dst load --batch` and the benchmarks send at most tens.
 * - 64 connections per address, 1,024 in total: a browser opens ≤ 6 HTTP/1.1 connections per host plus a
 *   WebSocket, so 64 leaves room for about ten users behind one NAT address; 1,024 sockets are cheap
 *   (tens of KB each when idle) and stay far below the file-descriptor limit Node raises to at start.
 * - 100 subscriptions per WebSocket: only newHeads is served, so each subscription is one more copy of
 *   the same header per block; libraries that subscribe once per watcher use a handful.
 * - 64 messages in flight per WebSocket: only `eth_sendRawTransaction` is answered asynchronously (after
 *   durable admission); every other method is answered, and its reply queued, as its message is read.
 * - 16 MiB unread per WebSocket (the earlier fixed newHeads limit), responses of at most 8 MiB: the
 *   largest single answer, a full 1 MiB block of 5,000 transactions, is about 3.5 MB of JSON, so 8 MiB
 *   leaves twice that and a connection can always hold two of them. Worst case, every connection full:
 *   `maxConnections × maxUnreadBytes` (16 GiB with these defaults; lower either on a small machine).
 * - 65,536 tracked addresses per bucket kind: about 7 MB each (measured); beyond it the least recently
 *   seen address is forgotten (and starts again with a full bucket).
 */
export const DEFAULT_RPC_LIMITS: Readonly<RpcLimits> = Object.freeze({
  requestsPerSecond: 200,
  requestBurst: 400,
  transactionsPerSecond: 100,
  transactionBurst: 200,
  maxBatch: 1000,
  maxConnectionsPerAddress: 64,
  maxConnections: 1024,
  maxSubscriptions: 100,
  maxInFlight: 64,
  maxUnreadBytes: 16 * 1024 * 1024,
  maxResponseBytes: 8 * 1024 * 1024,
  maxTrackedAddresses: 65_536,
  exemptLoopback: true,
});

const INTEGER_LIMITS = [
  'maxBatch',
  'maxConnectionsPerAddress',
  'maxConnections',
  'maxSubscriptions',
  'maxInFlight',
  'maxUnreadBytes',
  'maxResponseBytes',
  'maxTrackedAddresses',
] as const;

/**
 * `partial` over `DEFAULT_RPC_LIMITS`, checked. A burst not given is 2 × its rate (the given rate, or
 * the default one). Throws a RangeError for a rate that is not a positive finite number, a burst below
 * 1, a count that is not a positive safe integer, or `maxResponseBytes` above `maxUnreadBytes` (a
 * response the connection could never send).
 */
export function resolveRpcLimits(partial: Partial<RpcLimits> = {}): RpcLimits {
  const given = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<RpcLimits>;
  const limits: RpcLimits = { ...DEFAULT_RPC_LIMITS, ...given };
  if (given.requestBurst === undefined) limits.requestBurst = 2 * limits.requestsPerSecond;
  if (given.transactionBurst === undefined) limits.transactionBurst = 2 * limits.transactionsPerSecond;
  for (const key of ['requestsPerSecond', 'transactionsPerSecond'] as const) {
    const value = limits[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`RPC limits: ${key} must be a positive number, got ${value}`);
  }
  for (const key of ['requestBurst', 'transactionBurst'] as const) {
    const value = limits[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) throw new RangeError(`RPC limits: ${key} must be a number ≥ 1, got ${value}`);
  }
  for (const key of INTEGER_LIMITS) {
    const value = limits[key];
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`RPC limits: ${key} must be a positive integer, got ${value}`);
  }
  if (typeof limits.exemptLoopback !== 'boolean') throw new RangeError(`RPC limits: exemptLoopback must be true or false, got ${limits.exemptLoopback}`);
  if (limits.maxResponseBytes > limits.maxUnreadBytes) {
    throw new RangeError(`RPC limits: maxResponseBytes (${limits.maxResponseBytes}) must not exceed maxUnreadBytes (${limits.maxUnreadBytes})`);
  }
  return limits;
}

/** 127.0.0.0/8 or ::1 (the address as `clientAddress` gives it: IPv4-mapped addresses already plain). */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

interface Bucket {
  tokens: number;
  /** `now()` when `tokens` was last brought up to date. */
  at: number;
}

/**
 * Token buckets keyed by client address (the classic rate limiter): each key's bucket holds up to
 * `burst` tokens, refills at `ratePerSecond`, and each admitted call takes one. A key never seen has a
 * full bucket.
 *
 * Bounded in memory: a bucket that has refilled to `burst` says nothing a missing entry would not, so
 * full buckets are forgotten (swept at most once per refill time, `burst / ratePerSecond`, which keeps
 * the cost amortised); and at most `maxKeys` buckets are kept — the map is in least-recently-used order,
 * and a new key beyond the cap evicts the least recently used one. An attacker with many addresses
 * (a /8) therefore cannot grow it past `maxKeys`; the price is that an evicted address starts again with
 * a full bucket, which takes more than `maxKeys` addresses active within one refill time.
 *
 * `now` is in milliseconds (performance.now by default; tests inject a clock).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillMs: number;
  private lastSweep: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    readonly maxKeys: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.refillMs = (burst / ratePerSecond) * 1000;
    this.lastSweep = now();
  }

  /** Buckets remembered now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `key`'s bucket: 0 when taken, else the milliseconds until one is available (≥ 1). */
  take(key: string): number {
    const now = this.now();
    if (now - this.lastSweep >= this.refillMs) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, at: now };
    } else {
      this.refill(bucket, now);
      this.buckets.delete(key); // re-inserted below: most recently used last
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / this.ratePerSecond));
  }

  private refill(bucket: Bucket, now: number): void {
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed * this.ratePerSecond) / 1000);
    bucket.at = now;
  }

  /** Forgets every bucket that has refilled to `burst`. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.burst) this.buckets.delete(key);
    }
  }
}

/**
 * The per-address rate limits of the server: a request bucket and a transaction bucket per client
 * address (`TokenBuckets`), loopback exempt when `exemptLoopback`. Each method answers 0 when the call
 * may go ahead, else the milliseconds until the address may retry.
 */
export class RateLimiter {
  private readonly requests: TokenBuckets;
  private readonly transactions: TokenBuckets;

  constructor(
    private readonly limits: RpcLimits,
    now: () => number = () => performance.now(),
  ) {
    this.requests = new TokenBuckets(limits.requestsPerSecond, limits.requestBurst, limits.maxTrackedAddresses, now);
    this.transactions = new TokenBuckets(limits.transactionsPerSecond, limits.transactionBurst, limits.maxTrackedAddresses, now);
  }

  /** Takes a request token for `address`. */
  request(address: string): number {
    return this.exempt(address) ? 0 : this.requests.take(address);
  }

  /** Takes a transaction token for `address`. */
  transaction(address: string): number {
    return this.exempt(address) ? 0 : this.transactions.take(address);
  }

  /** Addresses remembered by the request and transaction buckets (each bounded by `maxTrackedAddresses`). */
  get trackedAddresses(): { requests: number; transactions: number } {
    return { requests: this.requests.size, transactions: this.transactions.size };
  }

  private exempt(address: string): boolean {
    return this.limits.exemptLoopback && isLoopback(address);
  }
}

/**
 * Open connections per client address and in total. `open` either counts the connection and answers
 * undefined, or counts nothing and answers which limit refused it; every counted connection must be
 * `close`d exactly once. Addresses with no open connection are not kept, so the map holds at most
 * `maxTotal` entries. Addresses for which `exempt` holds skip the per-address limit (never the total).
 */
export class ConnectionLimiter {
  private readonly perAddress = new Map<string, number>();
  private openCount = 0;

  constructor(
    readonly maxPerAddress: number,
    readonly maxTotal: number,
    private readonly exempt: (address: string) => boolean = () => false,
  ) {}

  /** Connections open now. */
  get total(): number {
    return this.openCount;
  }

  /** Connections open now from `address`. */
  count(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  open(address: string): 'connections-total' | 'connections-per-address' | undefined {
    if (this.openCount >= this.maxTotal) return 'connections-total';
    const count = this.count(address);
    if (count >= this.maxPerAddress && !this.exempt(address)) return 'connections-per-address';
    this.perAddress.set(address, count + 1);
    this.openCount++;
    return undefined;
  }

  close(address: string): void {
    const count = this.count(address);
    if (count === 0) return;
    if (count === 1) this.perAddress.delete(address);
    else this.perAddress.set(address, count - 1);
    this.openCount--;
  }
}
