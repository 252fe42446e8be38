/**
 * The load generator: real signed Ethereum transfers (./transactions.ts) sent over JSON-RPC
 * (`eth_sendRawTransaction`) to one or more nodes at a steady rate.
 *
 * Pacing is a token bucket (the classic rate limiter: tokens accrue at `tps` per second up to a small
 * burst, one token per transaction sent). Senders are fresh random keys whose nonces start at 0; each
 * sender is bound to one URL and has at most one transaction in flight, so a node always sees a
 * sender's nonces in order (a JSON-RPC batch is answered in parallel by the node, so two nonces of one
 * sender never share a request). Senders are picked round-robin over the URLs, skipping a URL that has
 * no idle sender or is down (below). When every sender is waiting on a slow node
 * the bucket fills and the surplus is counted as `behind` instead of queueing: the backlog is bounded
 * by the burst.
 *
 * A rejected transaction (an error answer, or no answer at all) retires its sender: it is replaced by a
 * fresh key, so later transactions never depend on one whose fate is unknown. With `keys` (funded
 * accounts, ./funded.ts) senders — the first ones and replacements — are those keys first, each from its
 * pending nonce, and fresh random keys once every one of them has been used.
 *
 * URLs that are down: at start, every URL is asked `eth_chainId` once a second (each probe with a 2 s
 * timeout) until at least one answers, for at most `startWaitMs` (default 30 s; `onWaiting` reports each
 * round); then the run starts with the URLs that answered, and if none did `startLoad` rejects with a
 * `NoUrlAnswersError` naming each URL and its failure. The chain id is `options.chainId`, or else that
 * of the first URL in the list among those that answered, and then a URL answering another chain id
 * is down ("answers chain id X, not Y") and gets no transactions. During the run a URL whose request
 * gets no answer (a transport error, a timeout, an HTTP error status) goes down: the transactions of
 * that request are rejected, its senders wait (they are not moved: a sender keeps its URL), and it is
 * asked `eth_chainId` again after 0.5 s, doubling up to 5 s between tries; once it answers (with the
 * run's chain id, when that came from a URL) it is up and used again. `onUrlChange` reports each
 * change, and each progress report and the summary carry every URL's state.
 */
import http from 'node:http';
import https from 'node:https';
import { prefixedHex } from '../bytes/index.js';
import { keccak256 } from '../wasm/index.js';
import { formatSeconds } from './format.js';
import { fundedSenders } from './funded.js';
import { randomSenderKey, signTransfer, type SenderKey } from './transactions.js';

/** How often the bucket is refilled and spent. */
const TICK_MS = 10;
/** Largest burst the bucket holds, in seconds of `tps`: what is sent at once after a stall. */
const BURST_SECONDS = 0.1;
/** A request without an answer by then counts as failed. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Keep-alive sockets idle this long are closed. */
const IDLE_SOCKET_MS = 4_000;
/** A URL that is down is asked eth_chainId again after this long, doubling after each failure… */
const PROBE_BACKOFF_MIN_MS = 500;
/** …up to this long between tries. */
const PROBE_BACKOFF_MAX_MS = 5_000;
/** An eth_chainId probe without an answer by then failed. */
const PROBE_TIMEOUT_MS = 2_000;
/** While waiting at start, a round of probes (of every URL) starts this often. */
const START_ROUND_MS = 1_000;
/** How often `onProgress` is called. */
const PROGRESS_INTERVAL_MS = 1_000;

export const DEFAULT_SENDERS = 100;
export const DEFAULT_BATCH = 1;
/** How long `startLoad` waits by default for a first URL to answer eth_chainId. */
export const DEFAULT_START_WAIT_MS = 30_000;

/** Whether one URL is in use: up (it answered eth_chainId with the run's chain id), or down and why. */
export interface UrlState {
  url: string;
  up: boolean;
  /** Why it is down (its last failure); undefined while up. */
  error: string | undefined;
}

/** What `onWaiting` gets after each round of probes at start, while no URL has answered. */
export interface LoadWaiting {
  elapsedMs: number;
  /** The whole wait (`startWaitMs`). */
  waitMs: number;
  urls: UrlState[];
}

/** No URL answered eth_chainId (with the chain id asked for) within the start wait. */
export class NoUrlAnswersError extends Error {
  constructor(
    readonly waitMs: number,
    readonly urls: UrlState[],
  ) {
    super(`no URL answered eth_chainId within ${formatSeconds(waitMs)}: ${urls.map((state) => `${state.url} (${state.error})`).join(', ')}`);
  }
}

export interface LoadOptions {
  /** JSON-RPC URLs; sender i sends to `urls[i mod urls.length]`. */
  urls: readonly string[];
  /** Transactions per second to send, > 0. */
  tps: number;
  /**
   * Chain id to sign for; default: `eth_chainId` of the first URL (in list order) that answers at start,
   * and then URLs answering another chain id are not used. Given, any answer to eth_chainId counts as
   * up: the transactions are signed for it whatever the node says (a node refuses them if it differs).
   */
  chainId?: bigint;
  /** How long to wait at start for at least one URL to answer eth_chainId, in ms; default 30 s; 0: one try. */
  startWaitMs?: number;
  /** Called after each round of probes at start while no URL has answered yet (about every second). */
  onWaiting?: (waiting: LoadWaiting) => void;
  /** Called when a URL goes down or comes (back) up, after the start. */
  onUrlChange?: (state: UrlState) => void;
  /** Keys to send from before random ones (accounts a genesis alloc funds), each used once, from its pending nonce. */
  keys?: readonly SenderKey[];
  /** Sender keys in use at once (each with at most one transaction in flight); default 100. */
  senders?: number;
  /** Most transactions in one JSON-RPC request (a batch when > 1); default 1. */
  batch?: number;
  /** Called every second. */
  onProgress?: (progress: LoadProgress) => void;
  /** Called for every transaction a node accepted, in each sender's nonce order. */
  onAccepted?: (transaction: AcceptedTransaction) => void;
}

export interface AcceptedTransaction {
  /** keccak-256 of the raw transaction, 0x hex. */
  hash: string;
  /** The sender's address, 0x hex. */
  sender: string;
  nonce: number;
  url: string;
}

export interface LoadCounts {
  /** Transactions sent (answered or not). */
  sent: number;
  accepted: number;
  /** Transactions answered with an error or not answered. */
  rejected: number;
  /** The first rejection's message. */
  firstError: string | undefined;
  /** Transactions the rate asked for but not sent because every sender was waiting on a node. */
  behind: number;
}

export interface LoadProgress extends LoadCounts {
  elapsedMs: number;
  inFlight: number;
  /** Transactions accepted per second over the last progress interval. */
  acceptedPerSecond: number;
  /** Every URL's state, in the order given. */
  urls: UrlState[];
}

export interface LoadSummary extends LoadCounts {
  chainId: bigint;
  elapsedMs: number;
  /** Transactions accepted per second over the whole run. */
  acceptedPerSecond: number;
  /** Every URL's state at the end. */
  urls: UrlState[];
}

export interface LoadRun {
  readonly chainId: bigint;
  /** Every URL's state now, in the order given. */
  urls(): UrlState[];
  /** Stops sending, waits for the requests in flight, and sums up. */
  stop(): Promise<LoadSummary>;
}

interface Sender extends SenderKey {
  nonce: number;
  /** Index into the URL list. */
  readonly url: number;
}

interface Outgoing {
  sender: Sender;
  raw: Uint8Array;
}

function assertPositiveInteger(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what}: expected a positive integer, got ${value}`);
}

function checkOptions(options: LoadOptions): { senders: number; batch: number; startWaitMs: number } {
  const { urls, tps } = options;
  if (!Array.isArray(urls) || urls.length === 0) throw new RangeError('urls: expected at least one JSON-RPC URL');
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RangeError(`urls: expected http(s) URLs, got ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`urls: expected http(s) URLs, got ${JSON.stringify(url)}`);
  }
  if (typeof tps !== 'number' || !Number.isFinite(tps) || tps <= 0) throw new RangeError(`tps: expected a positive number, got ${tps}`);
  const senders = options.senders ?? Math.max(DEFAULT_SENDERS, urls.length);
  assertPositiveInteger('senders', senders);
  if (senders < urls.length) throw new RangeError(`senders: expected at least one per URL (${urls.length}), got ${senders}`);
  const batch = options.batch ?? DEFAULT_BATCH;
  assertPositiveInteger('batch', batch);
  const startWaitMs = options.startWaitMs ?? DEFAULT_START_WAIT_MS;
  if (typeof startWaitMs !== 'number' || !Number.isFinite(startWaitMs) || startWaitMs < 0) throw new RangeError(`startWaitMs: expected a number ≥ 0, got ${startWaitMs}`);
  return { senders, batch, startWaitMs };
}

/** Keep-alive HTTP(S) agents for one run. */
interface Agents {
  'http:': http.Agent;
  'https:': https.Agent;
}

function createAgents(): Agents {
  // Idle sockets close before Node's HTTP server drops them (its keepAliveTimeout is 5 s), so a
  // request never goes out on a socket the server is closing.
  const options = { keepAlive: true, timeout: IDLE_SOCKET_MS };
  return { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
}

/**
 * POSTs a JSON-RPC body and returns the parsed answer; throws on a transport or HTTP error. node:http
 * rather than fetch: it costs a quarter of the CPU per request, CPU the nodes on the same machine need.
 * Without `agents`, the request has a connection of its own, closed after the answer.
 */
function postJson(agents: Agents | undefined, url: string, body: unknown, timeoutMs = REQUEST_TIMEOUT_MS, signal?: AbortSignal): Promise<unknown> {
  const target = new URL(url);
  const protocol = target.protocol as keyof Agents;
  const payload = Buffer.from(JSON.stringify(body));
  const request = protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        agent: agents === undefined ? false : agents[protocol],
        signal,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new Error('the answer is not JSON'));
          }
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${formatSeconds(timeoutMs)}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `eth_chainId` of `url`, on a connection of its own; throws naming the URL. */
export async function fetchChainId(url: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<bigint> {
  try {
    return await chainIdOf(url, options.timeoutMs, options.signal);
  } catch (error) {
    throw new Error(`eth_chainId from ${url}: ${(error as Error).message}`);
  }
}

/** `eth_chainId` of `url`; throws with what went wrong (without the URL). */
async function chainIdOf(url: string, timeoutMs?: number, signal?: AbortSignal): Promise<bigint> {
  const answer = (await postJson(undefined, url, { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }, timeoutMs, signal)) as {
    result?: unknown;
    error?: { message?: string };
  };
  if (typeof answer?.result !== 'string' || !/^0x[0-9a-f]+$/i.test(answer.result)) {
    throw new Error(`expected a hex quantity, got ${JSON.stringify(answer?.error?.message ?? answer?.result)}`);
  }
  return BigInt(answer.result);
}

/** What one eth_chainId probe found: the chain id, or why the URL is down. */
type ProbeResult = { chainId: bigint } | { error: string };

async function probeChainId(url: string, signal?: AbortSignal): Promise<ProbeResult> {
  try {
    return { chainId: await chainIdOf(url, PROBE_TIMEOUT_MS, signal) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Per-URL health during a run. */
interface UrlHealth {
  up: boolean;
  error: string | undefined;
  /** When a URL that is down is probed next (performance.now() ms). */
  probeAt: number;
  backoffMs: number;
  probing: boolean;
}

/**
 * The start: rounds of eth_chainId probes of every URL, one a second, until one answers (with
 * `wanted` when given) or `waitMs` has passed. Resolves with the chain id and each URL's health.
 */
async function waitForFirstUrl(urls: string[], wanted: bigint | undefined, waitMs: number, onWaiting: LoadOptions['onWaiting']): Promise<{ chainId: bigint; health: UrlHealth[] }> {
  const startedAt = performance.now();
  const health: UrlHealth[] = urls.map(() => ({ up: false, error: 'not asked yet', probeAt: 0, backoffMs: PROBE_BACKOFF_MIN_MS, probing: false }));
  const states = () => urls.map((url, i) => ({ url, up: health[i]!.up, error: health[i]!.error }));
  for (;;) {
    const roundAt = performance.now();
    const results = await Promise.all(urls.map((url) => probeChainId(url)));
    const chainId = wanted ?? results.map((result) => ('chainId' in result ? result.chainId : undefined)).find((id) => id !== undefined);
    results.forEach((result, i) => {
      const state = health[i]!;
      if ('error' in result) state.error = result.error;
      else if (wanted === undefined && result.chainId !== chainId) state.error = `answers chain id ${result.chainId}, not ${chainId}`;
      else {
        state.up = true;
        state.error = undefined;
      }
      if (!state.up) state.probeAt = performance.now() + state.backoffMs;
    });
    if (chainId !== undefined && health.some((state) => state.up)) return { chainId, health };
    const now = performance.now();
    if (now - startedAt >= waitMs) throw new NoUrlAnswersError(waitMs, states());
    onWaiting?.({ elapsedMs: now - startedAt, waitMs, urls: states() });
    const pause = Math.min(START_ROUND_MS - (now - roundAt), startedAt + waitMs - now);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * Starts sending; resolves once at least one URL has answered eth_chainId (waiting up to
 * `startWaitMs`, else rejecting with a `NoUrlAnswersError`) and the first tick is scheduled.
 */
export async function startLoad(options: LoadOptions): Promise<LoadRun> {
  const { senders: senderCount, batch, startWaitMs } = checkOptions(options);
  const urls = [...options.urls];
  const { chainId, health } = await waitForFirstUrl(urls, options.chainId, startWaitMs, options.onWaiting);
  const { tps } = options;
  const burst = Math.max(1, tps * BURST_SECONDS);

  const funded = options.keys === undefined ? [] : await fundedSenders(urls[health.findIndex((state) => state.up)]!, options.keys);
  const newSender = (url: number): Sender => ({ ...(funded.shift() ?? { ...randomSenderKey(), nonce: 0 }), url });
  // Idle senders per URL; a sender leaves its queue while its transaction is in flight.
  const idle: Sender[][] = urls.map(() => []);
  for (let i = 0; i < senderCount; i++) idle[i % urls.length]!.push(newSender(i % urls.length));
  const urlStates = (): UrlState[] => urls.map((url, i) => ({ url, up: health[i]!.up, error: health[i]!.error }));
  const probes = new Set<Promise<void>>();
  const probesAborted = new AbortController();
  // Transfers go to a fixed address: where the wei go does not matter on a chain without balances.
  const recipient = randomSenderKey().address;
  const agents = createAgents();

  const counts: LoadCounts = { sent: 0, accepted: 0, rejected: 0, firstError: undefined, behind: 0 };
  let inFlight = 0;
  const requests = new Set<Promise<void>>();
  let tokens = 0;
  let urlCursor = 0;
  const startedAt = performance.now();
  let lastRefill = startedAt;

  const reject = (sender: Sender, message: string): void => {
    counts.rejected++;
    counts.firstError ??= message;
    idle[sender.url]!.push(newSender(sender.url));
  };

  const accept = (item: Outgoing): void => {
    counts.accepted++;
    options.onAccepted?.({ hash: prefixedHex(keccak256(item.raw)), sender: prefixedHex(item.sender.address), nonce: item.sender.nonce, url: urls[item.sender.url]! });
    item.sender.nonce++;
    idle[item.sender.url]!.push(item.sender);
  };

  async function send(url: number, items: Outgoing[]): Promise<void> {
    const calls = items.map((item, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [prefixedHex(item.raw)] }));
    let answers: Array<{ id?: unknown; result?: unknown; error?: { message?: string } }>;
    try {
      const answer = await postJson(agents, urls[url]!, calls.length === 1 ? calls[0] : calls);
      answers = (Array.isArray(answer) ? answer : [answer]) as typeof answers;
    } catch (error) {
      urlDown(url, (error as Error).message);
      for (const item of items) reject(item.sender, `${urls[url]}: ${(error as Error).message}`);
      return;
    } finally {
      inFlight -= items.length;
    }
    const byId = new Map(answers.map((answer) => [answer?.id, answer]));
    // A batch refused as a whole is answered with one error object (id null) instead of an array.
    const wholeError = answers.length === 1 && items.length > 1 ? answers[0]?.error?.message : undefined;
    items.forEach((item, i) => {
      const answer = byId.get(i);
      if (typeof answer?.result === 'string') accept(item);
      else reject(item.sender, answer?.error?.message ?? wholeError ?? `${urls[url]}: no answer for a transaction in the batch`);
    });
  }

  /** A request to `url` got no answer: it gets no transactions until a probe finds it up again. */
  function urlDown(url: number, error: string): void {
    const state = health[url]!;
    state.error = error;
    if (!state.up) return;
    state.up = false;
    state.backoffMs = PROBE_BACKOFF_MIN_MS;
    state.probeAt = performance.now() + state.backoffMs;
    options.onUrlChange?.({ url: urls[url]!, up: false, error });
  }

  /** Asks `url`, down, for its chain id; up again when it answers this run's, else the next try backs off. */
  function probe(url: number): void {
    const state = health[url]!;
    state.probing = true;
    const probed = probeChainId(urls[url]!, probesAborted.signal).then((result) => {
      state.probing = false;
      if (probesAborted.signal.aborted) return;
      if ('chainId' in result && (options.chainId !== undefined || result.chainId === chainId)) {
        state.up = true;
        state.error = undefined;
        state.backoffMs = PROBE_BACKOFF_MIN_MS;
        options.onUrlChange?.({ url: urls[url]!, up: true, error: undefined });
        return;
      }
      state.error = 'error' in result ? result.error : `answers chain id ${result.chainId}, not ${chainId}`;
      state.backoffMs = Math.min(state.backoffMs * 2, PROBE_BACKOFF_MAX_MS);
      state.probeAt = performance.now() + state.backoffMs;
    });
    probes.add(probed);
    void probed.finally(() => probes.delete(probed));
  }

  /** The next idle sender, round-robin over the URLs that are up and have one. */
  function nextSender(): Sender | undefined {
    for (let tried = 0; tried < urls.length; tried++) {
      const url = urlCursor;
      urlCursor = (urlCursor + 1) % urls.length;
      if (health[url]!.up && idle[url]!.length > 0) return idle[url]!.shift();
    }
    return undefined;
  }

  function tick(): void {
    const now = performance.now();
    health.forEach((state, url) => {
      if (!state.up && !state.probing && state.probeAt <= now) probe(url);
    });
    tokens += ((now - lastRefill) / 1000) * tps;
    lastRefill = now;
    const outgoing: Outgoing[][] = urls.map(() => []);
    while (tokens >= 1) {
      const sender = nextSender();
      if (sender === undefined) break;
      tokens--;
      outgoing[sender.url]!.push({ sender, raw: signTransfer(chainId, sender.privateKey, sender.nonce, recipient) });
    }
    if (tokens > burst) {
      counts.behind += Math.floor(tokens - burst);
      tokens -= Math.floor(tokens - burst);
    }
    outgoing.forEach((items, url) => {
      for (let i = 0; i < items.length; i += batch) {
        const chunk = items.slice(i, i + batch);
        counts.sent += chunk.length;
        inFlight += chunk.length;
        const request = send(url, chunk);
        requests.add(request);
        void request.finally(() => requests.delete(request));
      }
    });
  }

  let lastProgressAt = startedAt;
  let lastProgressAccepted = 0;
  function progress(): void {
    const now = performance.now();
    const acceptedPerSecond = ((counts.accepted - lastProgressAccepted) * 1000) / (now - lastProgressAt);
    lastProgressAt = now;
    lastProgressAccepted = counts.accepted;
    options.onProgress?.({ ...counts, elapsedMs: now - startedAt, inFlight, acceptedPerSecond, urls: urlStates() });
  }

  const ticker = setInterval(tick, TICK_MS);
  const reporter = setInterval(progress, PROGRESS_INTERVAL_MS);
  let stopped: Promise<LoadSummary> | undefined;
  return {
    chainId,
    urls: urlStates,
    stop() {
      stopped ??= (async () => {
        clearInterval(ticker);
        clearInterval(reporter);
        probesAborted.abort();
        await Promise.all([...requests, ...probes]);
        agents['http:'].destroy();
        agents['https:'].destroy();
        const elapsedMs = performance.now() - startedAt;
        return { ...counts, chainId, elapsedMs, acceptedPerSecond: (counts.accepted * 1000) / elapsedMs, urls: urlStates() };
      })();
      return stopped;
    },
  };
}
