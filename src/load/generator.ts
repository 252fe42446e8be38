/**
 * The load generator: real signed Ethereum transfers (./transactions.ts) sent over JSON-RPC
 * (`eth_sendRawTransaction`) to one or more nodes at a steady rate.
 *
 * Pacing is a token bucket (the classic rate limiter: tokens accrue at `tps` per second up to a small
 * burst, one token per transaction sent). Senders are fresh random keys whose nonces start at 0; each
 * sender is bound to one URL and has at most one transaction in flight, so a node always sees a
 * sender's nonces in order (a JSON-RPC batch is answered in parallel by the node, so two nonces of one
 * sender never share a request). Senders are picked round-robin over the URLs, skipping a URL that has
 * no idle sender or is backing off after a failed request. When every sender is waiting on a slow node
 * the bucket fills and the surplus is counted as `behind` instead of queueing: the backlog is bounded
 * by the burst.
 *
 * A rejected transaction (an error answer, or no answer at all) retires its sender: it is replaced by a
 * fresh key, so later transactions never depend on one whose fate is unknown.
 */
import http from 'node:http';
import https from 'node:https';
import { prefixedHex } from '../bytes/index.js';
import { keccak256 } from '../wasm/index.js';
import { randomSenderKey, signTransfer, type SenderKey } from './transactions.js';

/** How often the bucket is refilled and spent. */
const TICK_MS = 10;
/** Largest burst the bucket holds, in seconds of `tps`: what is sent at once after a stall. */
const BURST_SECONDS = 0.1;
/** A request without an answer by then counts as failed. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Keep-alive sockets idle this long are closed. */
const IDLE_SOCKET_MS = 4_000;
/** A URL whose request failed (no answer) gets no transactions for this long. */
const URL_BACKOFF_MS = 1_000;
/** How often `onProgress` is called. */
const PROGRESS_INTERVAL_MS = 1_000;

export const DEFAULT_SENDERS = 100;
export const DEFAULT_BATCH = 1;

export interface LoadOptions {
  /** JSON-RPC URLs; sender i sends to `urls[i mod urls.length]`. */
  urls: readonly string[];
  /** Transactions per second to send, > 0. */
  tps: number;
  /** Chain id to sign for; default: `eth_chainId` of the first URL. */
  chainId?: bigint;
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
}

export interface LoadSummary extends LoadCounts {
  chainId: bigint;
  elapsedMs: number;
  /** Transactions accepted per second over the whole run. */
  acceptedPerSecond: number;
}

export interface LoadRun {
  readonly chainId: bigint;
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

function checkOptions(options: LoadOptions): { senders: number; batch: number } {
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
  return { senders, batch };
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
 */
function postJson(agents: Agents, url: string, body: unknown): Promise<unknown> {
  const target = new URL(url);
  const protocol = target.protocol as keyof Agents;
  const payload = Buffer.from(JSON.stringify(body));
  const request = protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', agent: agents[protocol], headers: { 'content-type': 'application/json', 'content-length': payload.length } },
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
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `eth_chainId` of `url`. */
export async function fetchChainId(url: string): Promise<bigint> {
  let answer: { result?: unknown; error?: { message?: string } };
  const agents = createAgents();
  try {
    answer = (await postJson(agents, url, { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] })) as typeof answer;
  } catch (error) {
    throw new Error(`eth_chainId from ${url} failed: ${(error as Error).message}`);
  } finally {
    agents['http:'].destroy();
    agents['https:'].destroy();
  }
  if (typeof answer?.result !== 'string' || !/^0x[0-9a-f]+$/i.test(answer.result)) {
    throw new Error(`eth_chainId from ${url}: expected a hex quantity, got ${JSON.stringify(answer?.error?.message ?? answer?.result)}`);
  }
  return BigInt(answer.result);
}

/** Starts sending; resolves once the chain id is known and the first tick is scheduled. */
export async function startLoad(options: LoadOptions): Promise<LoadRun> {
  const { senders: senderCount, batch } = checkOptions(options);
  const urls = [...options.urls];
  const chainId = options.chainId ?? (await fetchChainId(urls[0]!));
  const { tps } = options;
  const burst = Math.max(1, tps * BURST_SECONDS);

  const newSender = (url: number): Sender => ({ ...randomSenderKey(), nonce: 0, url });
  // Idle senders per URL; a sender leaves its queue while its transaction is in flight.
  const idle: Sender[][] = urls.map(() => []);
  for (let i = 0; i < senderCount; i++) idle[i % urls.length]!.push(newSender(i % urls.length));
  const backoffUntil = urls.map(() => 0);
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
      backoffUntil[url] = performance.now() + URL_BACKOFF_MS;
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

  /** The next idle sender, round-robin over the URLs that have one and are not backing off. */
  function nextSender(now: number): Sender | undefined {
    for (let tried = 0; tried < urls.length; tried++) {
      const url = urlCursor;
      urlCursor = (urlCursor + 1) % urls.length;
      if (backoffUntil[url]! <= now && idle[url]!.length > 0) return idle[url]!.shift();
    }
    return undefined;
  }

  function tick(): void {
    const now = performance.now();
    tokens += ((now - lastRefill) / 1000) * tps;
    lastRefill = now;
    const outgoing: Outgoing[][] = urls.map(() => []);
    while (tokens >= 1) {
      const sender = nextSender(now);
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
    options.onProgress?.({ ...counts, elapsedMs: now - startedAt, inFlight, acceptedPerSecond });
  }

  const ticker = setInterval(tick, TICK_MS);
  const reporter = setInterval(progress, PROGRESS_INTERVAL_MS);
  let stopped: Promise<LoadSummary> | undefined;
  return {
    chainId,
    stop() {
      stopped ??= (async () => {
        clearInterval(ticker);
        clearInterval(reporter);
        await Promise.all(requests);
        agents['http:'].destroy();
        agents['https:'].destroy();
        const elapsedMs = performance.now() - startedAt;
        return { ...counts, chainId, elapsedMs, acceptedPerSecond: (counts.accepted * 1000) / elapsedMs };
      })();
      return stopped;
    },
  };
}

/** One progress line: `12s sent 600 accepted 598 rejected 0 in flight 2 behind 0 | 50 tx/s`. */
export function formatProgress(progress: LoadProgress): string {
  const seconds = Math.round(progress.elapsedMs / 1000);
  const error = progress.firstError === undefined ? '' : ` (first error: ${progress.firstError})`;
  return `load ${seconds}s: sent ${progress.sent}, accepted ${progress.accepted}, rejected ${progress.rejected}${error}, in flight ${progress.inFlight}, behind ${progress.behind} | ${progress.acceptedPerSecond.toFixed(0)} tx/s`;
}

/** The closing lines of a run. */
export function formatSummary(summary: LoadSummary): string {
  const lines = [
    `load summary (chain id ${summary.chainId}): ${(summary.elapsedMs / 1000).toFixed(1)} s, sent ${summary.sent}, accepted ${summary.accepted}, rejected ${summary.rejected}, ${summary.acceptedPerSecond.toFixed(1)} tx/s accepted`,
  ];
  if (summary.firstError !== undefined) lines.push(`  first error: ${summary.firstError}`);
  if (summary.behind > 0) lines.push(`  behind: ${summary.behind} transactions not sent because every sender was waiting on a node (the nodes are slower than the rate asked for; try more --senders)`);
  return lines.join('\n');
}
