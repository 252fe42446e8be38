/**
 * `dst devnet` as a command: --help, a usage error (exit 2), and a node that cannot start — a
 * one-node devnet whose keystore password was changed: the node's failure is reported with the file
 * at fault, and with fewer than the threshold of nodes started the devnet stops at once with exit code
 * 1 and a summary.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, KEYS_DIR, nodeDirName } from '../../src/cluster/index.js';
import { freeRange } from '../helpers/devnet-process.js';

const execFileAsync = promisify(execFile);
const dst = (...args: string[]) => execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { timeout: 60_000 });

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-devnet-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dst devnet (the command)', () => {
  it('--help explains every flag and how to run the nodes by hand', async () => {
    const { stdout } = await dst('devnet', '--help');
    for (const flag of ['--nodes', '--threshold', '--dir', '--block-time', '--chain-id', '--p2p-base-port', '--rpc-base-port', '--load', '--all-down-timeout', '--no-execute', '--execution-rpc-port', '--help']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('dst run --dir ./cluster/node-1 --rpc-port 8545');
    expect((await dst('--help')).stdout).toContain('dst devnet --help');
  });

  it('a bad flag exits with 2 and a message', async () => {
    const failure = await dst('devnet', '--nodes', 'four').catch((error) => error);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('dst devnet: --nodes: expected an integer in 1..64, got "four"');
  });

  it('reports a node that cannot start, and stops with exit code 1 once no quorum is left', async () => {
    const dir = join(root, 'broken');
    const base = await freeRange(2);
    await createCluster({ nodes: 1, chainId: 907n, blockTimeMs: 100, outDir: dir, basePort: base });
    const passwordFile = join(dir, nodeDirName(1), KEYS_DIR, 'keystore-share-1.txt');
    await writeFile(passwordFile, 'not the password');
    const failure = await dst('devnet', '--no-execute', '--dir', dir, '--rpc-base-port', String(base + 2)).catch((error) => error);
    expect(failure.code).toBe(1);
    expect(failure.stdout).toContain(`reusing the cluster in ${dir}`);
    expect(failure.stdout).toMatch(new RegExp(`^node 1 exited unexpectedly \\(exit 1\\): the node failed: .*keystore-share-1`, 'm'));
    expect(failure.stdout).toContain('node(s) 1 failed to start: only 0 of 1 nodes started, fewer than the threshold 1: no block can be signed; stopping the devnet');
    expect(failure.stdout).toMatch(/^devnet summary: [\d.]+ s \(never were all nodes up\), 0 blocks, 0 transactions/m);
    expect(failure.stdout).toMatch(/^ {2}node 1: head none, exit 1$/m);
  });
});
