/**
 * Logs and filters (ethereum/execution-apis src/eth/filter.yaml): `eth_getLogs` and the polling
 * filters `eth_newFilter`, `eth_newBlockFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
 * `eth_uninstallFilter`.
 *
 * A log filter is `{fromBlock, toBlock, address, topics}` or `{blockHash, address, topics}`: address one
 * or a list (any of them); topics positional, each null (any), one topic, or a list (any of them).
 * Logs are found by scanning the executed blocks of the range, skipping a block whose logs bloom
 * cannot contain the filter (Yellow Paper §4.3.1). Bounded: a range of at most `MAX_LOG_RANGE`
 * blocks and answers of at most `MAX_LOGS` logs (-32005 otherwise, saying so, as geth does).
 *
 * Filters live in memory: at most `MAX_FILTERS`, each forgotten after `FILTER_IDLE_MS` without a poll
 * (geth's 5 minutes). A block filter's changes are the hashes of the blocks executed since the last
 * poll; a log filter's, the matching logs of those blocks (bounded like eth_getLogs).
 */
import { randomBytes } from 'node:crypto';
import { LIMIT_EXCEEDED, RpcError, invalidParam } from '../api/errors.js';
import type { Json } from '../api/format.js';
import { data, parseBlockNumber, parseData } from '../api/hex.js';
import { keccak256 } from '../wasm/index.js';
import type { Executor } from './executor.js';
import { formatLog } from './format.js';
import type { ExecutionStore } from './store.js';
import type { ExecutedBlock } from './types.js';

export const MAX_LOG_RANGE = 10_000;
export const MAX_LOGS = 10_000;
export const MAX_FILTERS = 1_000;
export const FILTER_IDLE_MS = 5 * 60_000;

export interface LogFilter {
  from: number;
  to: number;
  addresses: Uint8Array[];
  /** Per position: undefined = any, else any of these. */
  topics: Array<Uint8Array[] | undefined>;
}

/** Parses a filter object; `head` resolves "latest" and friends, `numberOf` a blockHash. */
export function parseLogFilter(value: unknown, index: number, head: number, numberOf: (hash: Uint8Array) => number | undefined): LogFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParam(index, 'filter', 'a filter object', value);
  const fields = value as Record<string, unknown>;
  const bound = (name: string, fallback: number): number => {
    const tag = fields[name];
    if (tag === undefined || tag === null || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') return fallback;
    if (tag === 'earliest') return 0;
    return parseBlockNumber(tag, index, `filter.${name}`);
  };
  let from: number;
  let to: number;
  if (fields.blockHash !== undefined) {
    if (fields.fromBlock !== undefined || fields.toBlock !== undefined) throw invalidParam(index, 'filter', 'either blockHash or fromBlock/toBlock', 'both');
    const number = numberOf(parseData(fields.blockHash, index, 'filter.blockHash', 32));
    if (number === undefined) throw new RpcError(-32000, 'unknown block: no executed block has this hash');
    from = to = number;
  } else {
    from = bound('fromBlock', head);
    to = Math.min(bound('toBlock', head), head);
  }
  if (to - from + 1 > MAX_LOG_RANGE) throw new RpcError(LIMIT_EXCEEDED, `query exceeds the range limit: ${to - from + 1} blocks, at most ${MAX_LOG_RANGE}`);
  const address = fields.address;
  const addresses = address === undefined || address === null ? [] : (Array.isArray(address) ? address : [address]).map((a, i) => parseData(a, index, `filter.address[${i}]`, 20));
  const rawTopics = fields.topics ?? [];
  if (!Array.isArray(rawTopics) || rawTopics.length > 4) throw invalidParam(index, 'filter.topics', 'a list of at most 4 positions', rawTopics);
  const topics = rawTopics.map((t: unknown, i) =>
    t === null ? undefined : (Array.isArray(t) ? t : [t]).map((topic, k) => parseData(topic, index, `filter.topics[${i}][${k}]`, 32)),
  );
  return { from, to, addresses, topics };
}

export function getLogs(store: ExecutionStore, filter: LogFilter): Json[] {
  const out: Json[] = [];
  for (let n = filter.from; n <= filter.to; n++) {
    // the header's bloom first: a block that cannot hold a match is not decoded (src/execution/store.ts)
    const header = store.header(n);
    if (header === undefined) break;
    if (!mayContain(header.logsBloom, filter)) continue;
    collect(store.block(n)!, filter, out);
  }
  return out;
}

function collect(block: ExecutedBlock, filter: LogFilter, out: Json[]): void {
  if (!mayContain(block.logsBloom, filter)) return;
  block.outcomes.forEach((outcome, index) => {
    if (outcome.kind !== 'executed') return;
    outcome.receipt.logs.forEach((log, i) => {
      if (filter.addresses.length > 0 && !filter.addresses.some((a) => Buffer.compare(a, log.address) === 0)) return;
      const topicsMatch = filter.topics.every((wanted, position) => wanted === undefined || (log.topics[position] !== undefined && wanted.some((t) => Buffer.compare(t, log.topics[position]!) === 0)));
      if (!topicsMatch) return;
      if (out.length >= MAX_LOGS) throw new RpcError(LIMIT_EXCEEDED, `query returned more than ${MAX_LOGS} results; narrow the block range`);
      out.push(formatLog(block, index, outcome.receipt.firstLogIndex + i, log));
    });
  });
}

/** The Yellow Paper's bloom test: each of three 11-bit slices of keccak(value) is set. */
function inBloom(bloom: Uint8Array, value: Uint8Array): boolean {
  const hash = keccak256(value);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((hash[i]! << 8) | hash[i + 1]!) & 2047;
    if ((bloom[255 - (bit >> 3)]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

function mayContain(bloom: Uint8Array, filter: LogFilter): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.some((a) => inBloom(bloom, a))) return false;
  return filter.topics.every((wanted) => wanted === undefined || wanted.some((t) => inBloom(bloom, t)));
}

interface Installed {
  kind: 'blocks' | 'logs';
  /** The raw filter object (log filters): re-parsed at each poll against the then head. */
  filter?: unknown;
  /** Last block number whose changes were delivered. */
  seen: number;
  lastPoll: number;
}

export class Filters {
  private readonly installed = new Map<string, Installed>();

  constructor(private readonly now: () => number = Date.now) {}

  newBlockFilter(head: number): string {
    return this.install({ kind: 'blocks', seen: head, lastPoll: this.now() });
  }

  newLogFilter(filter: unknown, head: number): string {
    return this.install({ kind: 'logs', filter, seen: head, lastPoll: this.now() });
  }

  changes(id: string, executor: Executor): Json[] {
    const entry = this.get(id);
    const head = executor.headNumber();
    const from = entry.seen + 1;
    entry.seen = head;
    if (from > head) return [];
    if (entry.kind === 'blocks') {
      const to = Math.min(head, from + MAX_LOG_RANGE - 1);
      entry.seen = to;
      const hashes: Json[] = [];
      for (let n = from; n <= to; n++) hashes.push(data(executor.store.block(n)!.dstHash));
      return hashes;
    }
    const filter = parseLogFilter(entry.filter, 0, head, (hash) => executor.store.blockNumber(hash));
    return getLogs(executor.store, { ...filter, from: Math.max(filter.from, from), to: Math.min(filter.to, head) });
  }

  allLogs(id: string, executor: Executor): Json[] {
    const entry = this.get(id);
    if (entry.kind !== 'logs') throw invalidParam(0, 'filter id', 'the id of a log filter (eth_newFilter)', id);
    return getLogs(executor.store, parseLogFilter(entry.filter, 0, executor.headNumber(), (hash) => executor.store.blockNumber(hash)));
  }

  uninstall(id: string): boolean {
    return this.installed.delete(id);
  }

  private get(id: string): Installed {
    this.expire();
    const entry = this.installed.get(id);
    if (entry === undefined) throw new RpcError(-32000, 'filter not found');
    entry.lastPoll = this.now();
    return entry;
  }

  private install(entry: Installed): string {
    this.expire();
    if (this.installed.size >= MAX_FILTERS) throw new RpcError(LIMIT_EXCEEDED, `limit exceeded: at most ${MAX_FILTERS} filters are installed; uninstall one`);
    const id = `0x${randomBytes(16).toString('hex').replace(/^0+/, '') || '0'}`;
    this.installed.set(id, entry);
    return id;
  }

  private expire(): void {
    const cutoff = this.now() - FILTER_IDLE_MS;
    for (const [id, entry] of this.installed) if (entry.lastPoll < cutoff) this.installed.delete(id);
  }
}
