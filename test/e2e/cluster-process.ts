/**
 * Harness for multi-process cluster tests and the cluster benchmark (issue 7, "Tests"): a cluster made
 * by `createCluster` (src/cluster) in a temporary directory with free loopback p2p ports, each node run
 * as its own `dst run --dir <node dir> --rpc-port 0` process (./node-process.ts, on the node supervisor
 * of src/devnet/supervisor.ts), stopped (SIGTERM, SIGKILL after a grace period), killed and restarted by
 * pid. Every process the harness starts is remembered, so its logs stay readable after it died and
 * `shutdown()` (for afterAll/afterEach) stops whatever still runs.
 *
 * The checks are independent of src/: block hashes, signing roots and signatures with noble keccak-256
 * and blst (`verifySignedBlock`), headers decoded with @ethereumjs/rlp against the layout in the README
 * ("Block header": [chainId, number, parentHash, timestampMs, proposer, transactionsRoot,
 * transactionCount]), and transactionsRoot recomputed by @ethereumjs/block over the transactions parsed
 * by @ethereumjs/tx.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genTransactionsTrieRoot } from '@ethereumjs/block';
import { createCustomCommon, Mainnet } from '@ethereumjs/common';
import { RLP } from '@ethereumjs/rlp';
import { createTxFromRLP } from '@ethereumjs/tx';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createPublicClient, http, type PublicClient } from 'viem';
import { createCluster, nodeDirName, type ClusterLock } from '../../src/cluster/index.js';
import { stopNodes } from '../../src/devnet/index.js';
import { NodeStore } from '../../src/node/index.js';
import { freePort } from '../helpers/net.js';
import { signTransfers, testAccounts } from '../node/wallets.js';
import { bytes, rpc, spawnDst, verifySignedBlock, whenListening, type DstProcess, type NodeProcess } from './node-process.js';

/** What `dst_getSignedBlock` answers (src/api/methods.ts), as JSON. */
export interface SignedBlockJson {
  chainId: string;
  number: string;
  hash: string;
  header: string;
  round: number;
  signingRoot: string;
  signature: string;
  transactions: string[];
}

/** The fields of a "block signed and stored" log line the tests use. */
export interface StoredBlockLog {
  number: number;
  hash: string;
  round: number;
  transactions: number;
  proposer: number;
  /** Proposal seen → combined signature verified; null when the node never saw the proposal. */
  timeToSignatureMs: number | null;
}

export interface TestClusterOptions {
  nodes: number;
  /** Default: the quorum (createCluster's default). */
  threshold?: number;
  chainId: bigint;
  blockTimeMs: number;
}

/** The leader-reputation window of the nodes (src/consensus/qbft/reputation.ts `DEFAULT_REPUTATION_WINDOW`). */
export const REPUTATION_WINDOW = 64;

/**
 * Leader of (height, round) as a 1-based share index, by the rule of docs/qbft.md "Leader choice",
 * written out here (not imported) so the tests check the nodes against the documented rule: QBFT's
 * round-robin — operator (height + round) mod n, 0-based — with the operators that failed as round-1
 * leader earlier in the height's window of `REPUTATION_WINDOW` heights moved to the end of the order. A
 * round-1 leader failed when its height's block names another proposer; an operator that is a block's
 * proposer is no longer skipped. `proposerOf(k)` is block k's proposer (1-based), asked for the heights
 * of the window below `height`; without it, nobody failed (plain round-robin).
 */
export function leaderOf(height: number, round: number, nodes: number, proposerOf?: (height: number) => number): number {
  const order = (h: number, skipped: Set<number>): number[] => {
    const rotation = Array.from({ length: nodes }, (_, k) => ((h + 1 + k) % nodes) + 1);
    const kept = rotation.filter((i) => !skipped.has(i));
    return kept.length === 0 ? rotation : [...kept, ...rotation.filter((i) => skipped.has(i))];
  };
  const skipped = new Set<number>();
  if (proposerOf !== undefined) {
    for (let h = height - ((height - 1) % REPUTATION_WINDOW); h < height; h++) {
      const first = order(h, skipped)[0]!;
      const proposer = proposerOf(h);
      if (proposer !== first) skipped.add(first);
      skipped.delete(proposer);
    }
  }
  return order(height, skipped)[(round - 1) % nodes]!;
}

const toHex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;
/** An RLP integer (big-endian, no leading zeros; empty = 0). */
const rlpInteger = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(toHex(b)));
/** Transaction hash: keccak-256 of the raw signed transaction. */
const transactionHash = (raw: string): string => toHex(keccak_256(bytes(raw)));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class TestCluster {
  /** Every process started for node i (1-based), oldest first. */
  private readonly started = new Map<number, DstProcess[]>();
  private readonly running = new Map<number, NodeProcess>();
  /** More `dst run` flags for node i (e.g. `--p2p-dial` through a relay: src/devnet/relay.ts). */
  nodeArgs: (i: number) => string[] = () => [];
  /** Node.js flags for node i's process (e.g. `--cpu-prof --cpu-prof-dir DIR` in the benchmarks). */
  nodeFlags: (i: number) => string[] = () => [];
  /** What the node processes run: the TypeScript sources through tsx (default) or the built dist/cli/main.js. */
  entry: 'sources' | 'dist' = 'sources';

  private constructor(
    readonly dir: string,
    readonly lock: ClusterLock,
    readonly p2pPorts: readonly number[],
  ) {}

  /** Creates the cluster's directories (free p2p ports on 127.0.0.1); starts nothing. */
  static async create(options: TestClusterOptions): Promise<TestCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'dst-cluster-e2e-'));
    const ports: number[] = [];
    while (ports.length < options.nodes) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const lock = await createCluster({
      nodes: options.nodes,
      threshold: options.threshold,
      chainId: options.chainId,
      blockTimeMs: options.blockTimeMs,
      outDir: join(dir, 'cluster'),
      addresses: ports.map((port) => `/ip4/127.0.0.1/tcp/${port}`),
    });
    return new TestCluster(dir, lock, ports);
  }

  get size(): number {
    return this.lock.operators.length;
  }

  get groupPublicKey(): string {
    return toHex(this.lock.groupPublicKey);
  }

  /** Node i's directory (1-based, as `dst create cluster` names them). */
  nodeDir(i: number): string {
    return join(this.dir, 'cluster', nodeDirName(i));
  }

  /** Spawns `dst run --dir` for node i without waiting for it (for nodes expected to fail). */
  spawn(i: number): DstProcess {
    if (this.running.has(i)) throw new Error(`node ${i} is already running (pid ${this.running.get(i)!.pid})`);
    const started = spawnDst(['run', '--dir', this.nodeDir(i), '--rpc-port', '0', '--log-level', process.env.DST_TEST_LOG_LEVEL ?? 'info', ...this.nodeArgs(i)], this.nodeFlags(i), this.entry);
    this.started.set(i, [...(this.started.get(i) ?? []), started]);
    return started;
  }

  /** Starts node i and waits for its "rpc listening" line. */
  async start(i: number): Promise<NodeProcess> {
    const node = await whenListening(this.spawn(i));
    this.running.set(i, node);
    void node.exited.then(() => {
      if (this.running.get(i) === node) this.running.delete(i);
    });
    return node;
  }

  /** Starts every node at once; resolves when every one listens. */
  async startAll(): Promise<NodeProcess[]> {
    return Promise.all(this.indices().map((i) => this.start(i)));
  }

  /**
   * Stops node i and waits for its exit: SIGTERM, a clean stop (SIGKILL should it still run after the
   * supervisor's grace period), or SIGKILL, a crash.
   */
  async stop(i: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | string> {
    const node = this.running.get(i);
    if (!node) throw new Error(`node ${i} is not running`);
    const code = signal === 'SIGKILL' ? await node.kill() : await node.stop();
    this.running.delete(i);
    return code;
  }

  /** SIGKILL: a crash, nothing flushed or closed. */
  kill(i: number): Promise<number | string> {
    return this.stop(i, 'SIGKILL');
  }

  /** The listening process of node i, if it runs. */
  node(i: number): NodeProcess | undefined {
    return this.running.get(i);
  }

  indices(): number[] {
    return Array.from({ length: this.size }, (_, i) => i + 1);
  }

  /** Every process ever started for node i (or for all nodes), oldest first: killed ones included. */
  processes(i?: number): DstProcess[] {
    return i === undefined ? this.indices().flatMap((n) => this.started.get(n) ?? []) : [...(this.started.get(i) ?? [])];
  }

  /** Every "block signed and stored" line of node i's processes (or of all nodes'), in log order. */
  storedBlocks(i?: number): StoredBlockLog[] {
    return this.processes(i).flatMap((p) => p.logs.filter((l) => l.msg === 'block signed and stored').map(storedBlock));
  }

  /**
   * Node i's signing guard: every (height, round) → block hash it recorded before sending a partial
   * signature (src/node/store.ts). The node must be stopped: its LMDB environment is opened here.
   */
  async guardEntries(i: number): Promise<Array<{ height: number; round: number; blockHash: string }>> {
    if (this.running.has(i)) throw new Error(`node ${i} is running: stop it before reading its store`);
    const store = new NodeStore(join(this.nodeDir(i), 'db'));
    try {
      return store.guardEntries().map((entry) => ({ ...entry, blockHash: toHex(entry.blockHash) }));
    } finally {
      await store.close();
    }
  }

  /** Stops every process still running by pid: SIGTERM, then SIGKILL after a grace period; removes the directory. */
  async shutdown(): Promise<void> {
    await stopNodes(this.processes());
    this.running.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * The chain as the cluster's log lines tell it, heights 1.. up to the first one no node has logged
 * (element h − 1 is height h). One node's lines can have holes — a node that synced a height logs no
 * line for it — but some node decided every height. The proposer is inside the block hash, the same
 * on every node; the round is the lowest any node logged (a block one node saw decided in round 1 may
 * be signed by a round-2 COMMIT quorum at another, and a round-1 decision anywhere means round 1 had a
 * live leader).
 */
export function loggedChain(cluster: TestCluster): StoredBlockLog[] {
  const byHeight = new Map<number, StoredBlockLog>();
  for (const block of cluster.storedBlocks()) {
    const known = byHeight.get(block.number);
    if (known === undefined || block.round < known.round) byHeight.set(block.number, block);
  }
  const chain: StoredBlockLog[] = [];
  for (let height = 1; byHeight.has(height); height++) chain.push(byHeight.get(height)!);
  return chain;
}

export function storedBlock(line: Record<string, any>): StoredBlockLog {
  return {
    number: Number(line.number),
    hash: line.hash,
    round: line.round,
    transactions: line.transactions,
    proposer: line.proposer,
    timeToSignatureMs: line.timeToSignatureMs,
  };
}

/** The node's head (eth_blockNumber). */
export async function blockNumber(url: string): Promise<number> {
  const response = await rpc(url, 'eth_blockNumber');
  if (response.error) throw new Error(`eth_blockNumber at ${url}: ${response.error.message}`);
  return Number(response.result);
}

/** Polls eth_blockNumber until the node's head is at least `height`; fails naming the head it saw. */
export async function waitForHeight(node: { url: string }, height: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let head = -1;
  for (;;) {
    head = await blockNumber(node.url);
    if (head >= height) return head;
    if (Date.now() > deadline) throw new Error(`timed out waiting for height ${height} at ${node.url}: head is ${head}`);
    await sleep(50);
  }
}

/**
 * Waits until every node's head stays put for `quietMs` and returns the heads; with `agree`, also
 * until they are all equal. Fails naming the heads if they keep moving (or disagree).
 */
export async function quietHeads(
  nodes: ReadonlyArray<{ url: string }>,
  options: { quietMs?: number; timeoutMs?: number; agree?: boolean } = {},
): Promise<number[]> {
  const quietMs = options.quietMs ?? 1_000;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let heads = await Promise.all(nodes.map((node) => blockNumber(node.url)));
  for (;;) {
    await sleep(quietMs);
    const now = await Promise.all(nodes.map((node) => blockNumber(node.url)));
    if (now.every((head, k) => head === heads[k]) && (!options.agree || now.every((head) => head === now[0]))) return now;
    if (Date.now() > deadline) throw new Error(`the heads did not settle: ${heads.join(', ')} then ${now.join(', ')} ${quietMs} ms later`);
    heads = now;
  }
}

/**
 * Waits until the nodes agree on one head that then stays put for `quietMs`: with no transaction
 * pending a cluster makes no block (README), so after a load has been included the heads settle.
 */
export async function settledHead(nodes: ReadonlyArray<{ url: string }>, options: { quietMs?: number; timeoutMs?: number } = {}): Promise<number> {
  return (await quietHeads(nodes, { ...options, agree: true }))[0]!;
}

/** Waits until a log line of `process` from index `from` on satisfies `match`; returns it. */
export async function waitForLog(
  process: DstProcess,
  what: string,
  match: (line: Record<string, any>) => boolean,
  options: { from?: number; timeoutMs?: number } = {},
): Promise<Record<string, any>> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let next = options.from ?? 0;
  for (;;) {
    for (; next < process.logs.length; next++) if (match(process.logs[next]!)) return process.logs[next]!;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last log line: ${JSON.stringify(process.logs.at(-1))}`);
    await sleep(20);
  }
}

/** Blocks 1..head of a node (dst_getSignedBlock), index k holding block k + 1. */
export async function readChain(url: string, head?: number): Promise<SignedBlockJson[]> {
  const last = head ?? (await blockNumber(url));
  const blocks: SignedBlockJson[] = [];
  for (let n = 1; n <= last; n++) {
    const response = await rpc(url, 'dst_getSignedBlock', [`0x${n.toString(16)}`]);
    if (response.error || !response.result) throw new Error(`dst_getSignedBlock(${n}) at ${url}: ${response.error?.message ?? 'no block'}`);
    blocks.push(response.result as SignedBlockJson);
  }
  return blocks;
}

/**
 * Checks one node's chain independently of src/: block k has number k and links to block k − 1 (by the
 * header's parentHash; block 1's parent is not checked, genesis is not signed), the signature verifies
 * against the group key over the recomputed signing root, the header's transactionCount and
 * transactionsRoot match the transactions served. Throws at the first fault, naming the block.
 */
export async function verifyChain(blocks: readonly SignedBlockJson[], groupPublicKey: string, chainId: bigint): Promise<void> {
  const common = createCustomCommon({ chainId: Number(chainId) }, Mainnet);
  let parentHash: string | undefined;
  for (const [k, block] of blocks.entries()) {
    const where = `block ${k + 1} (${block.hash})`;
    const [headerChainId, number, parent, , , transactionsRoot, transactionCount] = RLP.decode(bytes(block.header)) as Uint8Array[];
    if (rlpInteger(headerChainId!) !== chainId) throw new Error(`${where}: header chain id is ${rlpInteger(headerChainId!)}, expected ${chainId}`);
    if (rlpInteger(number!) !== BigInt(k + 1)) throw new Error(`${where}: header number is ${rlpInteger(number!)}`);
    if (parentHash !== undefined && toHex(parent!) !== parentHash) throw new Error(`${where}: parent ${toHex(parent!)} is not block ${k}'s hash ${parentHash}`);
    parentHash = block.hash;
    if (!verifySignedBlock(block, groupPublicKey)) throw new Error(`${where}: the signature does not verify against the group key ${groupPublicKey}`);
    if (rlpInteger(transactionCount!) !== BigInt(block.transactions.length)) {
      throw new Error(`${where}: header says ${rlpInteger(transactionCount!)} transactions, ${block.transactions.length} served`);
    }
    const parsed = block.transactions.map((raw) => createTxFromRLP(bytes(raw), { common }));
    if (toHex(await genTransactionsTrieRoot(parsed)) !== toHex(transactionsRoot!)) throw new Error(`${where}: transactionsRoot does not match its transactions`);
  }
}

/**
 * Every block hash any node ever had at each height: the "block signed and stored" lines of every
 * process of the cluster (killed ones included) and the chains given (read over RPC).
 */
export function hashesByHeight(cluster: TestCluster, chains: readonly (readonly SignedBlockJson[])[] = []): Map<number, Set<string>> {
  const byHeight = new Map<number, Set<string>>();
  const add = (height: number, hash: string): void => {
    byHeight.set(height, (byHeight.get(height) ?? new Set()).add(hash));
  };
  for (const block of cluster.storedBlocks()) add(block.number, block.hash);
  for (const chain of chains) for (const block of chain) add(Number(block.number), block.hash);
  return byHeight;
}

/** Heights at which two different blocks were signed, with their hashes (empty: none). */
export function conflictingHeights(byHeight: Map<number, Set<string>>): Array<[number, string[]]> {
  return [...byHeight].filter(([, hashes]) => hashes.size > 1).map(([height, hashes]) => [height, [...hashes]]);
}

/**
 * What the threshold scheme could have signed, from every node's signing guard: per height, the hashes
 * that t or more nodes partially signed in one round (a group signature on them could exist). Safety
 * means at most one such hash per height, and it is the chain's block (which t nodes must have signed).
 * Returns the heights that break it.
 */
export function unsafeHeights(
  guards: ReadonlyArray<ReadonlyArray<{ height: number; round: number; blockHash: string }>>,
  threshold: number,
  chain: readonly SignedBlockJson[],
): Array<{ height: number; signable: string[]; block: string | undefined }> {
  const signers = new Map<string, number>(); // `${height}/${round}/${hash}` → nodes that signed it
  for (const entries of guards) for (const { height, round, blockHash } of entries) signers.set(`${height}/${round}/${blockHash}`, (signers.get(`${height}/${round}/${blockHash}`) ?? 0) + 1);
  const signable = new Map<number, Set<string>>();
  for (const [key, count] of signers) {
    if (count < threshold) continue;
    const [height, , hash] = key.split('/');
    signable.set(Number(height), (signable.get(Number(height)) ?? new Set()).add(hash!));
  }
  const problems = [];
  const heights = new Set([...signable.keys(), ...chain.map((_, k) => k + 1)]);
  for (const height of [...heights].sort((a, b) => a - b)) {
    const hashes = signable.get(height) ?? new Set<string>();
    const block = chain[height - 1]?.hash;
    // Each chain block was signed by t nodes in its round; nothing else may have been.
    if (hashes.size > 1 || (block !== undefined && !hashes.has(block))) problems.push({ height, signable: [...hashes], block });
  }
  return problems;
}

/** Throws unless the chains hold the same blocks (by hash) at every height and have the same length. */
export function assertIdenticalChains(chains: ReadonlyMap<number, readonly SignedBlockJson[]>): void {
  const entries = [...chains];
  const [firstNode, reference] = entries[0]!;
  for (const [node, chain] of entries.slice(1)) {
    if (chain.length !== reference.length) throw new Error(`node ${node} has ${chain.length} blocks, node ${firstNode} has ${reference.length}`);
    for (const [k, block] of chain.entries()) {
      if (block.hash !== reference[k]!.hash) throw new Error(`block ${k + 1}: node ${node} has ${block.hash}, node ${firstNode} has ${reference[k]!.hash}`);
    }
  }
}

/** Hashes of every transaction in `chain`, with how many times each appears. */
export function includedTransactions(chain: readonly SignedBlockJson[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const block of chain) {
    for (const raw of block.transactions) {
      const hash = transactionHash(raw);
      counts.set(hash, (counts.get(hash) ?? 0) + 1);
    }
  }
  return counts;
}

export interface AcknowledgedTransaction {
  /** The node that acknowledged it (1-based). */
  node: number;
  sender: number;
  nonce: number;
}

export interface TransactionLoad {
  /** Transactions a node acknowledged (eth_sendRawTransaction returned their hash), by hash. */
  readonly acknowledged: Map<string, AcknowledgedTransaction>;
  /** Rejections and failed requests, with the node and the message. */
  readonly failures: string[];
  /** Resolves when every sender has sent all its transactions (or stopped). */
  readonly finished: Promise<void>;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
  /** Hash of each sender's highest acknowledged nonce: once these are included, all acknowledged ones are. */
  lastAcknowledged(): string[];
}

/**
 * Sends transactions signed by viem (test/node/wallets.ts) through viem's JSON-RPC client: `senders`
 * accounts, each sending its transfers in nonce order (from 0), one request at a time, `intervalMs`
 * apart, to the node `target(sender)` names (undefined: hold back for now), until `perSender` are
 * acknowledged or `stop()`. A sender whose request fails stops (its later nonces could not be included).
 */
export function startTransactionLoad(options: {
  chainId: number;
  senders: number;
  seed: string;
  target: (sender: number) => { index: number; url: string } | undefined;
  intervalMs: number;
  perSender?: number;
}): TransactionLoad {
  const acknowledged = new Map<string, AcknowledgedTransaction>();
  const failures: string[] = [];
  const clients = new Map<string, PublicClient>();
  const clientFor = (url: string): PublicClient => {
    let client = clients.get(url);
    if (!client) {
      client = createPublicClient({ transport: http(url, { batch: false, retryCount: 0 }) });
      clients.set(url, client);
    }
    return client;
  };
  let stopped = false;
  const accounts = testAccounts(options.senders, options.seed);
  const perSender = options.perSender ?? Number.POSITIVE_INFINITY;
  const senders = accounts.map(async (account, s) => {
    for (let nonce = 0; nonce < perSender && !stopped; ) {
      const node = options.target(s);
      if (node === undefined) {
        await sleep(options.intervalMs);
        continue;
      }
      const [raw] = await signTransfers(account, options.chainId, nonce, 1);
      try {
        const hash = await clientFor(node.url).sendRawTransaction({ serializedTransaction: raw! });
        if (hash !== transactionHash(raw!)) throw new Error(`answered ${hash}, expected ${transactionHash(raw!)}`);
        acknowledged.set(hash, { node: node.index, sender: s, nonce });
      } catch (error) {
        failures.push(`sender ${s} nonce ${nonce} to node ${node.index}: ${(error as Error).message.split('\n')[0]}`);
        return;
      }
      nonce++;
      await sleep(options.intervalMs);
    }
  });
  const finished = Promise.all(senders).then(() => undefined);
  return {
    acknowledged,
    failures,
    finished,
    async stop() {
      stopped = true;
      await finished;
    },
    lastAcknowledged() {
      const last = new Map<number, { nonce: number; hash: string }>();
      for (const [hash, { sender, nonce }] of acknowledged) if ((last.get(sender)?.nonce ?? -1) < nonce) last.set(sender, { nonce, hash });
      return [...last.values()].map((entry) => entry.hash);
    },
  };
}

/** Polls until each of `hashes` is in a block on each node (eth_getTransactionByHash has a blockNumber). */
export async function waitForInclusion(hashes: readonly string[], urls: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const url of urls) {
    for (const hash of hashes) {
      for (;;) {
        const response = await rpc(url, 'eth_getTransactionByHash', [hash]);
        if (response.result?.blockNumber != null) break;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${hash} to be included at ${url}: ${JSON.stringify(response.result ?? response.error)}`);
        await sleep(50);
      }
    }
  }
}

/** Polls GET /readyz until it answers 200 (a quorum of peers connected and the node at the head). */
export async function waitForReady(node: { url: string }, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(new URL('/readyz', node.url));
    const body = await response.text();
    if (response.status === 200) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${node.url}readyz: ${response.status} ${body}`);
    await sleep(100);
  }
}
