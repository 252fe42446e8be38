/**
 * `dst create cluster`: the real binary (through src/cli/main.ts) for help and one small cluster, and
 * `runCreateCommand` in-process for the usage errors.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCreateCommand } from '../../src/cli/create.js';
import { CLUSTER_LOCK_FILE, loadNodeDir, nodeDirName } from '../../src/cluster/index.js';

const run = promisify(execFile);
const dst = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-cluster-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dst create cluster (the binary)', () => {
  it('explains every flag', async () => {
    const { stdout } = await dst('create', 'cluster', '--help');
    for (const flag of ['--nodes', '--threshold', '--chain-id', '--block-time', '--out', '--base-port', '--addresses', '--help']) {
      expect(stdout).toContain(flag);
    }
  });

  it('creates a cluster whose node directory loads, with the flags in its lock', async () => {
    const out = join(root, 'one');
    const { stdout } = await dst('create', 'cluster', '--nodes', '1', '--chain-id', '42', '--block-time', '100', '--out', out,
      '--addresses', '/dns4/sequencer.example/tcp/4001');
    expect(stdout).toContain(`Created a 1-of-1 cluster in ${out}`);
    const node = await loadNodeDir(join(out, nodeDirName(1)));
    expect(node.lock).toMatchObject({ chainId: 42n, blockTimeMs: 100, threshold: 1 });
    expect(node.operator.addresses).toEqual(['/dns4/sequencer.example/tcp/4001']);
    expect(await readFile(join(out, CLUSTER_LOCK_FILE), 'utf8')).toBe(await readFile(join(out, nodeDirName(1), CLUSTER_LOCK_FILE), 'utf8'));
  });
});

describe('runCreateCommand usage errors', () => {
  let stderr: string;
  beforeAll(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    stderr = '';
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  const base = ['cluster', '--chain-id', '7', '--block-time', '0'];
  it.each([
    [['cluster', '--chain-id', '7', '--block-time', '0', '--out', 'x'], '--nodes is required'],
    [[...base, '--nodes', '4'], '--out is required'],
    [[...base, '--nodes', 'four', '--out', 'x'], '--nodes: expected an integer in 1..64, got "four"'],
    [[...base, '--nodes', '0', '--out', 'x'], '--nodes: expected an integer in 1..64, got "0"'],
    [['cluster', '--nodes', '4', '--block-time', '0', '--out', 'x'], '--chain-id is required'],
    [['cluster', '--nodes', '4', '--chain-id', '0x10', '--block-time', '0', '--out', 'x'], '--chain-id: expected a decimal integer in 1..2^64-1, got "0x10"'],
    [['cluster', '--nodes', '4', '--chain-id', '18446744073709551616', '--block-time', '0', '--out', 'x'], '--chain-id: expected a decimal integer in 1..2^64-1'],
    [['cluster', '--nodes', '4', '--chain-id', '7', '--block-time=-1', '--out', 'x'], '--block-time: expected an integer in 0..3600000, got "-1"'],
    [['cluster', '--nodes', '4', '--chain-id', '7', '--block-time', '1.5', '--out', 'x'], '--block-time: expected an integer in 0..3600000, got "1.5"'],
    [[...base, '--nodes', '4', '--threshold', '2', '--out', 'x'], '--threshold: threshold 2 is below the quorum 3 of 4 nodes: partial signatures ride on COMMIT'],
    [[...base, '--nodes', '4', '--threshold', '5', '--out', 'x'], '--threshold: threshold 5 is above the number of nodes 4'],
    [[...base, '--nodes', '4', '--base-port', '65533', '--out', 'x'], '--base-port: expected an integer in 0..65531'],
    [[...base, '--nodes', '2', '--base-port', '1', '--addresses', '/ip4/1.2.3.4/tcp/1,/ip4/1.2.3.5/tcp/1', '--out', 'x'], '--base-port and --addresses exclude each other'],
    [[...base, '--nodes', '2', '--addresses', '/ip4/1.2.3.4/tcp/1', '--out', 'x'], '--addresses: expected 2 comma-separated multiaddrs (one per node), got 1'],
    [[...base, '--nodes', '1', '--addresses', '1.2.3.4:9000', '--out', 'x'], '--addresses: entry 1: not a multiaddr: "1.2.3.4:9000"'],
    [[...base, '--nodes', '1', '--out', 'x', '--colour'], "Unknown option '--colour'"],
    [['clusters'], 'unknown command "create clusters": expected "create cluster"'],
    [[], 'missing what to create: expected "create cluster"'],
  ])('%j', async (args, message) => {
    expect(await runCreateCommand(args)).toBe(2);
    expect(stderr).toContain(`dst: ${message}`);
    expect(stderr).toContain('Run "dst create cluster --help" for the options.');
  });

  it('a non-empty output directory fails without touching it', async () => {
    const out = join(root, 'occupied');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    expect(await runCreateCommand([...base, '--nodes', '1', '--out', out])).toBe(1);
    expect(stderr).toContain(`dst: ${out}: the output directory is not empty (1 entries); refusing to overwrite it`);
    expect(await readdir(out)).toEqual(['notes.txt']);
  });
});
