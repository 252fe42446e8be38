/**
 * `dst devnet` piece by piece, without starting nodes: the flags (src/cli/devnet.ts), the node log
 * lines (written by the node's own pino logger, src/api createLogger), the live block lines and the
 * summary, the plan (new cluster, reused cluster, flags that contradict it, ports in use: a
 * DevnetSetupError) and the child command line.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/api/index.js';
import { CLUSTER_LOCK_FILE, loadNodeDir, nodeDirName } from '../../src/cluster/index.js';
import { parseDevnetArgs } from '../../src/cli/devnet.js';
import { UsageError } from '../../src/cli/usage.js';
import {
  ChainTracker,
  DevnetSetupError,
  formatDevnetSummary,
  nodeCommand,
  parseNodeLine,
  planDevnet,
  portInUse,
  type DevnetOptions,
  type StoredBlock,
} from '../../src/devnet/index.js';
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
    });
  });

  it('reads every flag', () => {
    const args = ['--nodes', '7', '--threshold', '6', '--dir', 'x', '--block-time', '0', '--chain-id', '18446744073709551615', '--p2p-base-port', '9100',
      '--rpc-base-port', '18545', '--load', '12.5'];
    expect(parseDevnetArgs(args)).toEqual({
      nodes: 7, threshold: 6, dir: 'x', blockTimeMs: 0, chainId: 2n ** 64n - 1n, p2pBasePort: 9100, rpcBasePort: 18545, loadTps: 12.5,
    });
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
  it('gives a line the first time any node stores a height, and sums each height once', () => {
    const tracker = new ChainTracker(4);
    const line = tracker.blockStored(2, block(5, { transactions: 7, round: 2, proposer: 3 }));
    expect(line).toBe(`block 5  hash 0x00000000…  txs 7  proposer 3  round 2  signed in 3.1 ms  (first on node 2)`);
    for (const node of [1, 3, 4]) expect(tracker.blockStored(node, block(5, { transactions: 7, round: 2 }))).toBeUndefined();
    expect(tracker.blockStored(1, block(6))).toContain('block 6');
    expect(tracker.blockStored(3, block(6))).toBeUndefined();
    tracker.advanceHead(4, 3);
    tracker.node(2).exit = 0;
    tracker.node(4).exit = 'SIGKILL';
    const summary = tracker.summary(3_000, 2_000);
    expect(summary).toEqual({
      elapsedMs: 3_000,
      allUpMs: 2_000,
      blocks: 2,
      firstHeight: 5,
      lastHeight: 6,
      transactions: 17,
      blocksAfterRoundOne: 1,
      nodes: [
        { index: 1, head: 6, exit: undefined },
        { index: 2, head: 5, exit: 0 },
        { index: 3, head: 6, exit: undefined },
        { index: 4, head: 5, exit: 'SIGKILL' },
      ],
    });
    expect(formatDevnetSummary(summary).split('\n')).toEqual([
      'devnet summary: 3.0 s (all nodes up for 2.0 s), 2 blocks (heights 5..6), 17 transactions, 8.5 tx/s while all were up, 1 blocks needed more than one round',
      '  node 1: head 6, exit still running',
      '  node 2: head 5, exit 0',
      '  node 3: head 6, exit still running',
      '  node 4: head 5, exit SIGKILL',
    ]);
  });

  it('a head never goes back', () => {
    const tracker = new ChainTracker(1);
    tracker.advanceHead(1, 9);
    tracker.blockStored(1, block(4));
    expect(tracker.node(1).head).toBe(9);
    expect(formatDevnetSummary(tracker.summary(0, 0))).toContain('1 blocks (heights 4..4), 10 transactions, 0.0 tx/s');
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

  /** A base port whose next `count` ports are free now. */
  async function freeRange(count: number): Promise<number> {
    for (;;) {
      const base = 20_000 + Math.floor(Math.random() * 30_000);
      const used = await Promise.all(Array.from({ length: count }, (_, i) => portInUse(base + i)));
      if (!used.includes(true)) return base;
    }
  }

  const args = (fields: Partial<DevnetOptions>): DevnetOptions => ({ ...parseDevnetArgs([]) as DevnetOptions, ...fields });

  it('creates a cluster in a new directory, then reuses it; flags that contradict it are refused', async () => {
    const dir = join(root, 'reuse');
    const base = await freeRange(6);
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
    const base = await freeRange(5);
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
  });
});

describe('nodeCommand', () => {
  it('runs this Node.js with its own exec arguments and script, one node directory and RPC port', () => {
    const { file, args } = nodeCommand('/c/node-3', 8547);
    expect(file).toBe(process.execPath);
    expect(args).toEqual([...process.execArgv, process.argv[1], 'run', '--dir', '/c/node-3', '--rpc-host', '127.0.0.1', '--rpc-port', '8547', '--log-level', 'info']);
  });
});
