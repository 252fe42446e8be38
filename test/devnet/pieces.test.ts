/**
 * `dst devnet` piece by piece, without starting nodes: the flags (src/cli/devnet.ts), the node log
 * lines (written by the node's own pino logger, src/api createLogger), the live block lines and the
 * summary (all-up time, each node's downs and who ran it), the plan (new cluster, reused cluster, flags
 * that contradict it, ports in use: a DevnetSetupError), the child command line, and the port probes
 * (GET /livez and a TCP connect) against real HTTP servers on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/api/index.js';
import { CLUSTER_LOCK_FILE, loadNodeDir, nodeDirName } from '../../src/cluster/index.js';
import { parseDevnetArgs } from '../../src/cli/devnet.js';
import { UsageError } from '../../src/cli/usage.js';
import { missingNodeFlags, NODE_PROCESS_ENVIRONMENT, NODE_PROCESS_FLAGS, nodeProcessEnvironment, untunedRuntime } from '../../src/node/process-settings.js';
import {
  ChainTracker,
  DevnetSetupError,
  formatDevnetSummary,
  nodeCommand,
  parseNodeLine,
  planDevnet,
  portInUse,
  probeRpc,
  tcpAccepts,
  DEV_ACCOUNT,
  DEVNET_LOAD_ACCOUNTS,
  DEVNET_LOAD_BALANCE_WEI,
  devnetLoadKeys,
  executionCommand,
  nodeExecutionArgs,
  type DevnetOptions,
  type StoredBlock,
} from '../../src/devnet/index.js';
import { parseHex, prefixedHex } from '../../src/bytes/index.js';
import { addressOf } from '../../src/load/index.js';
import { freeRange } from '../helpers/devnet-process.js';
import { freePort } from '../helpers/net.js';

describe('parseDevnetArgs', () => {
  it('leaves the cluster-shaping flags undefined when not given', () => {
    expect(parseDevnetArgs([])).toEqual({
      nodes: undefined,
      threshold: undefined,
      dir: undefined,
      blockTimeMs: undefined,
      chainId: undefined,
      p2pBasePort: undefined,
      rpcBasePort: 8545,
      loadTps: 0,
      allDownTimeoutMs: 30_000,
      execute: true,
      executionRpcPort: 8645,
    });
  });

  it('reads every flag', () => {
    const args = ['--nodes', '7', '--threshold', '6', '--dir', 'x', '--block-time', '0', '--chain-id', '18446744073709551615', '--p2p-base-port', '9100',
      '--rpc-base-port', '18545', '--load', '12.5', '--all-down-timeout', '2.5', '--execution-rpc-port', '18645'];
    expect(parseDevnetArgs(args)).toEqual({
      nodes: 7, threshold: 6, dir: 'x', blockTimeMs: 0, chainId: 2n ** 64n - 1n, p2pBasePort: 9100, rpcBasePort: 18545, loadTps: 12.5, allDownTimeoutMs: 2_500,
      execute: true, executionRpcPort: 18645,
    });
    expect(parseDevnetArgs(['--no-execute'])).toMatchObject({ execute: false });
    expect(parseDevnetArgs(['--all-down-timeout', '0'])).toMatchObject({ allDownTimeoutMs: 0 });
    expect(parseDevnetArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--nodes', '0'], '--nodes: expected an integer in 1..64, got "0"'],
    [['--threshold', '2'], '--threshold: threshold 2 is below the quorum 3 of 4 nodes'],
    [['--nodes', '7', '--threshold', '8'], '--threshold: threshold 8 is above the number of nodes 7'],
    [['--chain-id', '0x10'], '--chain-id: expected a decimal integer in 1..2^64-1, got "0x10"'],
    [['--chain-id', '18446744073709551616'], '--chain-id: expected a decimal integer in 1..2^64-1'],
    [['--block-time', '-1'], "Option '--block-time' argument is ambiguous"],
    [['--block-time', '3600001'], '--block-time: expected an integer in 0..3600000, got "3600001"'],
    [['--rpc-base-port', '65533'], '--rpc-base-port: expected an integer in 1..65532, got "65533"'],
    [['--p2p-base-port', 'x'], '--p2p-base-port: expected an integer in 1..65531, got "x"'],
    [['--load', 'lots'], '--load: expected a number of transactions per second ≥ 0, got "lots"'],
    [['--all-down-timeout', 'soon'], '--all-down-timeout: expected a number of seconds ≥ 0, got "soon"'],
    [['--execution-rpc-port', '0'], '--execution-rpc-port: expected an integer in 1..65535, got "0"'],
    [['--no-execute', '--execution-rpc-port', '9'], '--no-execute and --execution-rpc-port exclude each other'],
    [['--dir='], '--dir: expected a directory, got ""'],
    [['--verbose'], "Unknown option '--verbose'"],
    [['now'], 'unexpected argument "now"'],
  ])('%j → %s', (args, message) => {
    expect(() => parseDevnetArgs(args)).toThrow(UsageError);
    expect(() => parseDevnetArgs(args)).toThrow(message);
  });
});

/** The lines a node's logger writes, as the node writes them. */
function nodeLogLines(write: (logger: ReturnType<typeof createLogger>) => void): string[] {
  let text = '';
  const logger = createLogger({ name: 'dst', destination: { write: (chunk: string) => void (text += chunk) } });
  write(logger);
  return text.trim().split('\n');
}

describe('parseNodeLine', () => {
  it('reads the contract lines a node writes', () => {
    const [listening, block, synced, failed, stopped, other] = nodeLogLines((logger) => {
      logger.info({ url: 'http://127.0.0.1:8545/', wsUrl: 'ws://127.0.0.1:8545/', port: 8545, chainId: '901', node: 2, peerId: '12D3KooWabc' }, 'rpc listening');
      logger.child({ module: 'node' }).info(
        { number: 12, hash: '0xabcdef0123', round: 2, transactions: 50, proposer: 3, timeToSignatureMs: 4.25, pending: 7 },
        'block signed and stored',
      );
      logger.info({ head: 11, stored: 11, dropped: 0 }, 'sync: done');
      logger.fatal({ err: new Error('keys/keystore-share-2.json: wrong password') }, 'the node failed');
      logger.info({ exitCode: 0 }, 'stopped');
      logger.info({ peers: 3 }, 'connected');
    });
    expect(parseNodeLine(listening!)).toEqual({ kind: 'listening', url: 'http://127.0.0.1:8545/', chainId: '901', peerId: '12D3KooWabc' });
    expect(parseNodeLine(block!)).toEqual({
      kind: 'block',
      block: { number: 12, hash: '0xabcdef0123', round: 2, transactions: 50, proposer: 3, timeToSignatureMs: 4.25 },
    });
    expect(parseNodeLine(synced!)).toEqual({ kind: 'synced', head: 11 });
    expect(parseNodeLine(failed!)).toEqual({ kind: 'error', message: 'the node failed: keys/keystore-share-2.json: wrong password' });
    expect(parseNodeLine(stopped!)).toEqual({ kind: 'stopped', exitCode: 0 });
    expect(parseNodeLine(other!)).toBeUndefined();
  });

  it('an error line without an err field gives its msg', () => {
    const [line] = nodeLogLines((logger) => logger.error({ peer: 'x' }, 'peer sent garbage'));
    expect(parseNodeLine(line!)).toEqual({ kind: 'error', message: 'peer sent garbage' });
  });

  it.each([
    'not json',
    '',
    'null',
    '[1,2]',
    '{"msg":"rpc listening","url":8545}',
    '{"msg":"block signed and stored","number":"x1","hash":"0x","round":1,"transactions":1,"proposer":1,"timeToSignatureMs":1}',
    '{"msg":"block signed and stored","number":"1","hash":"0x","round":1,"transactions":1,"proposer":1,"timeToSignatureMs":1}',
    '{"msg":"block signed and stored","number":1.5,"hash":"0x","round":1,"transactions":1,"proposer":1,"timeToSignatureMs":1}',
    '{"msg":"block signed and stored","number":9007199254740992,"hash":"0x","round":1,"transactions":1,"proposer":1,"timeToSignatureMs":1}',
    '{"msg":"block signed and stored","number":1,"hash":"0x","round":-1,"transactions":1,"proposer":1,"timeToSignatureMs":1}',
    '{"msg":"block signed and stored","number":1,"hash":"0x","round":1,"transactions":1,"proposer":1}',
    '{"msg":"sync: done","head":null}',
    '{"msg":"sync: done","head":"11"}',
    '{"msg":"stopped","exitCode":"0"}',
    '{"level":40,"msg":"a warning"}',
  ])('ignores %s', (line) => {
    expect(parseNodeLine(line)).toBeUndefined();
  });
});

const block = (number: number, fields: Partial<StoredBlock> = {}): StoredBlock => ({
  number, hash: `0x${number.toString(16).padStart(64, '0')}`, round: 1, transactions: 10, proposer: (number % 4) + 1, timeToSignatureMs: 3.14159, ...fields,
});

describe('ChainTracker', () => {
  /** Every node up at `at` (the devnet's own processes). */
  const allUp = (tracker: ChainTracker, nodes: number, at: number) => {
    for (let i = 1; i <= nodes; i++) tracker.nodeUp(i, at, 'devnet');
  };

  it('gives a line the first time any node stores a height, and sums each height once', () => {
    const tracker = new ChainTracker(4, 0);
    allUp(tracker, 4, 1_000);
    const line = tracker.blockStored(2, block(5, { transactions: 7, round: 2, proposer: 3 }));
    expect(line).toBe(`block 5  hash 0x00000000…  txs 7  proposer 3  round 2  signed in 3.1 ms  (first on node 2)`);
    for (const node of [1, 3, 4]) expect(tracker.blockStored(node, block(5, { transactions: 7, round: 2 }))).toBeUndefined();
    expect(tracker.blockStored(1, block(6))).toContain('block 6');
    expect(tracker.blockStored(3, block(6))).toBeUndefined();
    tracker.advanceHead(4, 3);
    tracker.node(2).exit = 0;
    const summary = tracker.summary(3_000);
    const upNode = { up: true, everUp: true, startedBy: 'devnet', downs: 0, downMs: 0, downSince: undefined };
    expect(summary).toEqual({
      elapsedMs: 3_000,
      allUpMs: 2_000,
      sinceAllUpMs: 2_000,
      everAllUp: true,
      blocks: 2,
      firstHeight: 5,
      lastHeight: 6,
      transactions: 17,
      blocksAfterRoundOne: 1,
      nodes: [
        { index: 1, head: 6, exit: undefined, ...upNode },
        { index: 2, head: 5, exit: 0, ...upNode },
        { index: 3, head: 6, exit: undefined, ...upNode },
        { index: 4, head: 5, exit: undefined, ...upNode },
      ],
    });
    expect(formatDevnetSummary(summary).split('\n')).toEqual([
      'devnet summary: 3.0 s (all nodes up for 2.0 s), 2 blocks (heights 5..6), 17 transactions, 8.5 tx/s since all nodes were first up, 1 blocks needed more than one round',
      '  node 1: head 6, exit still running',
      '  node 2: head 5, exit 0',
      '  node 3: head 6, exit still running',
      '  node 4: head 5, exit still running',
    ]);
  });

  it('counts "all nodes up" only while every node was up, and reports each node\'s downs and who ran it', () => {
    const tracker = new ChainTracker(4, 0);
    allUp(tracker, 4, 1_000);
    // Node 2: its process killed at 3 s, started by hand and up again at 5 s.
    tracker.nodeDown(2, 3_000);
    tracker.node(2).exit = 'SIGKILL';
    expect(tracker.upCount).toBe(3);
    tracker.nodeUp(2, 5_000, 'other');
    // Node 3: killed at 8 s, never back. Node 4: down twice (hung), back each time by itself.
    tracker.nodeDown(3, 8_000);
    tracker.node(3).exit = 'SIGKILL';
    tracker.nodeDown(4, 8_500);
    tracker.nodeUp(4, 9_000, 'devnet');
    tracker.nodeDown(4, 9_500);
    tracker.nodeUp(4, 9_700, 'devnet');
    tracker.nodeDown(1, 9_800);
    tracker.nodeDown(1, 9_900); // already down: nothing
    tracker.nodeUp(1, 9_900, 'devnet');
    tracker.nodeUp(1, 9_950, 'devnet'); // already up: nothing
    const summary = tracker.summary(10_000);
    // All up 1..3 s and 5..8 s: 5 s of the 9 s since all were first up.
    expect(summary).toMatchObject({ elapsedMs: 10_000, allUpMs: 5_000, sinceAllUpMs: 9_000, everAllUp: true });
    expect(summary.nodes.map(({ index, up, startedBy, downs, downMs }) => ({ index, up, startedBy, downs, downMs }))).toEqual([
      { index: 1, up: true, startedBy: 'devnet', downs: 1, downMs: 100 },
      { index: 2, up: true, startedBy: 'other', downs: 1, downMs: 2_000 },
      { index: 3, up: false, startedBy: 'devnet', downs: 1, downMs: 2_000 },
      { index: 4, up: true, startedBy: 'devnet', downs: 2, downMs: 700 },
    ]);
    expect(formatDevnetSummary(summary).split('\n')).toEqual([
      'devnet summary: 10.0 s (all nodes up for 5.0 s, not all up for 4.0 s), 0 blocks, 0 transactions, 0.0 tx/s since all nodes were first up, 0 blocks needed more than one round',
      '  node 1: head none, exit still running; down once for 0.1 s',
      '  node 2: head none, exit SIGKILL; down once for 2.0 s; up at the end, not started by the devnet (left running)',
      '  node 3: head none, exit SIGKILL; down once for 2.0 s; down at the end',
      '  node 4: head none, exit still running; down 2 times for 0.7 s in all',
    ]);
  });

  it('a node that never came up: never were all nodes up', () => {
    const tracker = new ChainTracker(2, 0);
    tracker.nodeUp(1, 500, 'devnet');
    tracker.node(2).exit = 1;
    const summary = tracker.summary(2_000);
    expect(summary).toMatchObject({ allUpMs: 0, sinceAllUpMs: 0, everAllUp: false });
    expect(formatDevnetSummary(summary).split('\n')).toEqual([
      'devnet summary: 2.0 s (never were all nodes up), 0 blocks, 0 transactions, 0.0 tx/s since all nodes were first up, 0 blocks needed more than one round',
      '  node 1: head none, exit still running',
      '  node 2: head none, exit 1',
    ]);
  });

  it('a head never goes back', () => {
    const tracker = new ChainTracker(1, 0);
    tracker.advanceHead(1, 9);
    tracker.blockStored(1, block(4));
    expect(tracker.node(1).head).toBe(9);
    expect(formatDevnetSummary(tracker.summary(0))).toContain('1 blocks (heights 4..4), 10 transactions, 0.0 tx/s');
  });
});

describe('planDevnet', () => {
  let root: string;
  const servers: Server[] = [];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dst-devnet-plan-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
    await rm(root, { recursive: true, force: true });
  });

  /** A base port whose next `count` ports (itself included) are free now. */
  const freePorts = async (count: number): Promise<number> => (await freeRange(count)) + 1;

  // No execution node unless a test asks: its default port 8645 may be taken on a shared machine.
  const args = (fields: Partial<DevnetOptions>): DevnetOptions => ({ ...parseDevnetArgs([]) as DevnetOptions, execute: false, ...fields });

  it('creates a cluster in a new directory, then reuses it; flags that contradict it are refused', async () => {
    const dir = join(root, 'reuse');
    const base = await freePorts(6);
    const created = await planDevnet(args({ dir, nodes: 2, chainId: 77n, blockTimeMs: 10, p2pBasePort: base, rpcBasePort: base + 3 }));
    expect(created.reused).toBe(false);
    expect(created.p2pPorts).toEqual([base + 1, base + 2]);
    expect(created.rpcPorts).toEqual([base + 3, base + 4]);
    expect(created.lock).toMatchObject({ chainId: 77n, blockTimeMs: 10, threshold: 2 });
    const node = await loadNodeDir(join(dir, nodeDirName(2)));
    expect(node.lock.lockHash).toEqual(created.lock.lockHash);

    const reused = await planDevnet(args({ dir, rpcBasePort: base + 3 }));
    expect(reused.reused).toBe(true);
    expect(reused.lock.lockHash).toEqual(created.lock.lockHash);
    expect(reused.p2pPorts).toEqual([base + 1, base + 2]);
    const same = await planDevnet(args({ dir, nodes: 2, chainId: 77n, blockTimeMs: 10, p2pBasePort: base, rpcBasePort: base + 3 }));
    expect(same.reused).toBe(true);

    await expect(planDevnet(args({ dir: join(dir, nodeDirName(1)) }))).rejects.toThrow(
      `${join(dir, nodeDirName(1))} holds a cluster lock but no node-1/: give the cluster directory (the one holding node-1 … node-2), not a node's`,
    );
    const lockFile = join(dir, CLUSTER_LOCK_FILE);
    await expect(planDevnet(args({ dir, nodes: 4 }))).rejects.toThrow(`--nodes 4 does not match the cluster in ${lockFile} (2 nodes)`);
    await expect(planDevnet(args({ dir, chainId: 901n }))).rejects.toThrow('--chain-id 901 does not match the cluster');
    await expect(planDevnet(args({ dir, blockTimeMs: 1000 }))).rejects.toThrow('--block-time 1000 does not match the cluster');
    await expect(planDevnet(args({ dir, p2pBasePort: base + 1 }))).rejects.toThrow(`--p2p-base-port ${base + 1} does not match the cluster in ${lockFile} (node 1 on p2p port ${base + 1})`);
  });

  it('refuses ports in use and ports given twice, before creating anything', async () => {
    const base = await freePorts(5);
    const server = createServer();
    await new Promise<void>((done) => server.listen(base + 4, '127.0.0.1', done));
    servers.push(server);
    const dir = join(root, 'busy');
    await expect(planDevnet(args({ dir, nodes: 2, p2pBasePort: base, rpcBasePort: base + 3 }))).rejects.toThrow(
      `port ${base + 4}, the RPC port of node 2, is in use on 127.0.0.1`,
    );
    await expect(planDevnet(args({ dir, nodes: 2, p2pBasePort: base, rpcBasePort: base + 3 }))).rejects.toBeInstanceOf(DevnetSetupError);
    await expect(planDevnet(args({ dir, nodes: 2, p2pBasePort: base, rpcBasePort: base + 1 }))).rejects.toThrow(
      `port ${base + 1} is both the RPC port of node 1 and the p2p port of node 1`,
    );
    expect(await portInUse(base + 4)).toBe(true);
    expect(await portInUse(await freePort())).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await expect(planDevnet(args({ dir, nodes: 1, p2pBasePort: base, rpcBasePort: base + 2, execute: true, executionRpcPort: base + 4 }))).rejects.toThrow(
      `port ${base + 4}, the RPC port of the execution node, is in use on 127.0.0.1 (another devnet or node still running?): stop it or choose other ports with --execution-rpc-port (or --no-execute)`,
    );
    await expect(planDevnet(args({ dir, nodes: 2, p2pBasePort: base, rpcBasePort: base + 3, execute: true, executionRpcPort: base + 3 }))).rejects.toThrow(
      `port ${base + 3} is both the RPC port of node 1 and the RPC port of the execution node`,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("a new cluster's lock funds the development account (anvil's first key) and the load accounts; the plan has the execution port", async () => {
    const dir = join(root, 'funded');
    const base = await freePorts(6);
    const plan = await planDevnet(args({ dir, nodes: 1, p2pBasePort: base, rpcBasePort: base + 2, execute: true, executionRpcPort: base + 5 }));
    expect(plan.executionRpcPort).toBe(base + 5);
    // The printed key is the address's: derived here, not copied.
    expect(prefixedHex(addressOf(parseHex('key', DEV_ACCOUNT.privateKey)))).toBe(DEV_ACCOUNT.address);
    const alloc = plan.lock.alloc!;
    expect(alloc[DEV_ACCOUNT.address]).toEqual({ balance: `0x${(10_000n * 10n ** 18n).toString(16)}` });
    const keys = devnetLoadKeys();
    expect(keys).toHaveLength(DEVNET_LOAD_ACCOUNTS);
    expect(new Set(keys.map((key) => prefixedHex(key.address))).size).toBe(DEVNET_LOAD_ACCOUNTS);
    for (const key of keys) expect(alloc[prefixedHex(key.address)]).toEqual({ balance: `0x${DEVNET_LOAD_BALANCE_WEI.toString(16)}` });
    expect(Object.keys(alloc)).toHaveLength(DEVNET_LOAD_ACCOUNTS + 1);
    // What every node loads is that lock, alloc and all.
    expect((await loadNodeDir(join(dir, nodeDirName(1)))).lock.alloc).toEqual(alloc);
    expect((await planDevnet(args({ dir, rpcBasePort: base + 2 }))).executionRpcPort).toBeUndefined();
  });
});

describe('the execution node command line', () => {
  it('follows every node, takes the lock of the cluster directory, keeps its database and log in DIR/execution', () => {
    const { file, args } = executionCommand('/c', ['ws://127.0.0.1:8545', 'ws://127.0.0.1:8546'], 8645);
    expect(file).toBe(process.execPath);
    expect(args).toEqual([...process.execArgv, process.argv[1], 'execute', '--follow', 'ws://127.0.0.1:8545,ws://127.0.0.1:8546', '--lock', '/c/cluster-lock.json',
      '--data-dir', '/c/execution/db', '--rpc-host', '127.0.0.1', '--rpc-port', '8645', '--log-level', 'info']);
    expect(nodeExecutionArgs('http://127.0.0.1:8645/')).toEqual(['--execution-rpc', 'http://127.0.0.1:8645/']);
    expect(nodeExecutionArgs(undefined)).toEqual([]);
    expect(nodeCommand('/c/node-1', 8545, ['--execution-rpc', 'http://x/']).args.slice(-2)).toEqual(['--execution-rpc', 'http://x/']);
  });
});

describe('nodeCommand', () => {
  it('runs this Node.js with its own exec arguments, the node memory flags and its script, one node directory and RPC port', () => {
    const { file, args } = nodeCommand('/c/node-3', 8547);
    expect(file).toBe(process.execPath);
    expect(args).toEqual([...process.execArgv, ...missingNodeFlags(), process.argv[1], 'run', '--dir', '/c/node-3', '--rpc-host', '127.0.0.1', '--rpc-port', '8547', '--log-level', 'info']);
    expect([...args, ...(process.env.NODE_OPTIONS ?? '').split(' ')]).toEqual(expect.arrayContaining([...NODE_PROCESS_FLAGS]));
  });
});

describe('the node process memory settings (src/node/process-settings.ts)', () => {
  it('adds the flags that neither the exec arguments nor NODE_OPTIONS set, by flag name', () => {
    expect(missingNodeFlags([], {})).toEqual([...NODE_PROCESS_FLAGS]);
    expect(missingNodeFlags(['--max-semi-space-size=8'], {})).toEqual([]);
    expect(missingNodeFlags([], { NODE_OPTIONS: '--inspect --max-semi-space-size=1' })).toEqual([]);
  });

  it('fills the environment variables not set, keeping those that are', () => {
    expect(nodeProcessEnvironment({ PATH: '/bin' })).toEqual({ PATH: '/bin', ...NODE_PROCESS_ENVIRONMENT });
    expect(nodeProcessEnvironment({ MALLOC_ARENA_MAX: '8' }).MALLOC_ARENA_MAX).toBe('8');
  });

  it('names what a node started without them lacks, and nothing when it has them', () => {
    expect(untunedRuntime([], {})).toBe('NODE_OPTIONS=--max-semi-space-size=4 MALLOC_ARENA_MAX=2');
    expect(untunedRuntime(['--max-semi-space-size=4'], {})).toBe('MALLOC_ARENA_MAX=2');
    expect(untunedRuntime(['--max-semi-space-size=4'], { MALLOC_ARENA_MAX: '2' })).toBeUndefined();
  });
});

describe('probeRpc and tcpAccepts', () => {
  const servers: HttpServer[] = [];
  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  });

  /** An HTTP server on 127.0.0.1 answering every request with `status` and `body` (or never, without a body). */
  async function serve(status: number, body: string | undefined): Promise<number> {
    const server = createHttpServer((_request, response) => {
      if (body === undefined) return;
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return (server.address() as { port: number }).port;
  }

  it('a node live: up with its head', async () => {
    const port = await serve(200, JSON.stringify({ live: true, ready: false, head: '0x1f', mempoolSize: 0, reasons: ['syncing'] }));
    expect(await probeRpc(port)).toEqual({ up: true, head: 31 });
    expect(await tcpAccepts(port)).toBe(true);
  });

  it('a node not live, something else than a node, nothing listening, no answer: down, and why', async () => {
    const notLive = await serve(503, JSON.stringify({ live: false, ready: false, head: '0x1', reasons: ['block production failed: disk full'] }));
    expect(await probeRpc(notLive)).toEqual({ up: false, refused: false, reason: 'not live (GET /livez answered HTTP 503: block production failed: disk full)' });
    const other = await serve(404, 'no such page');
    expect(await probeRpc(other)).toEqual({ up: false, refused: false, reason: "GET /livez answered HTTP 404 without a node's health" });
    const closed = await freePort();
    expect(await probeRpc(closed)).toEqual({ up: false, refused: true, reason: 'does not answer (connection refused)' });
    expect(await tcpAccepts(closed)).toBe(false);
    const silent = await serve(200, undefined);
    expect(await probeRpc(silent, 200)).toEqual({ up: false, refused: false, reason: 'does not answer (no answer within 0.2 s)' });
  });
});
