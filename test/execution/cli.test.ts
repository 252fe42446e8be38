/**
 * `dst execute`'s command line: flags parsed and checked with the flag named; --help from a real
 * `dst execute` process; the exit codes and messages of the command for bad usage (2), a bad lock (1)
 * and a bad alloc (2, the account and field named).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createCluster } from '../../src/cluster/index.js';
import { parseExecuteCommand, runExecuteCommand, EXECUTE_HELP } from '../../src/cli/execute.js';
import { UsageError } from '../../src/cli/usage.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'dst-execute-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command in this process, capturing what it writes on stderr. */
async function execute(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await runExecuteCommand(args), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('dst execute flags', () => {
  const base = ['--follow', 'ws://127.0.0.1:8545', '--lock', 'lock.json', '--data-dir', 'db'];
  it('parses the flags with their defaults', () => {
    expect(parseExecuteCommand(base)).toEqual({
      follow: ['ws://127.0.0.1:8545'],
      lockFile: 'lock.json',
      dataDir: 'db',
      allocFile: undefined,
      feeRecipient: undefined,
      rpcHost: '127.0.0.1',
      rpcPort: 8645,
      logLevel: 'info',
    });
    expect(parseExecuteCommand(['--help'])).toBe('help');
    expect(EXECUTE_HELP).toContain('--fee-recipient');
  });

  it('names the flag of a bad or missing value', () => {
    expect(() => parseExecuteCommand(base.slice(2))).toThrow(new UsageError('--follow is required'));
    expect(() => parseExecuteCommand([...base.slice(0, 2), '--data-dir', 'db'])).toThrow('--lock is required');
    expect(() => parseExecuteCommand(['--follow', 'ftp://x', ...base.slice(2)])).toThrow(/--follow: "ftp:\/\/x" is not a ws:\/\/ or http:\/\/ URL/);
    expect(() => parseExecuteCommand([...base, '--rpc-port', '70000'])).toThrow(/--rpc-port: expected an integer in 0..65535/);
    expect(() => parseExecuteCommand([...base, '--fee-recipient', '0x12'])).toThrow(/--fee-recipient: expected 0x-prefixed hex of 20 bytes/);
    expect(() => parseExecuteCommand([...base, '--log-level', 'loud'])).toThrow(/--log-level: expected one of/);
  });

  it('a real process prints --help and exits 0', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'execute', '--help'], { timeout: 60_000 });
    expect(stdout).toContain('Usage: dst execute');
  });

  it('bad usage and a bad alloc exit 2, a bad lock 1, each with the reason', async () => {
    const usage = await execute(['--lock', 'x']);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('--follow is required') });
    const alloc = join(dir, 'alloc.json');
    writeFileSync(alloc, JSON.stringify({ '0x00000000000000000000000000000000000000aa': { balance: 'plenty' } }));
    const notALock = join(dir, 'lock.json');
    writeFileSync(notALock, '{}');
    const badLock = await execute(['--follow', 'ws://127.0.0.1:1', '--lock', notALock, '--data-dir', join(dir, 'db'), '--alloc', alloc]);
    expect(badLock.code).toBe(1);
    expect(badLock.stderr).toContain(notALock);
    await createCluster({ nodes: 1, chainId: 901n, blockTimeMs: 1000, outDir: join(dir, 'cluster') });
    const lock = join(dir, 'cluster', 'node-1', 'cluster-lock.json');
    const badAlloc = await execute(['--follow', 'ws://127.0.0.1:1', '--lock', lock, '--data-dir', join(dir, 'db'), '--alloc', alloc]);
    expect(badAlloc.code).toBe(2);
    expect(badAlloc.stderr).toMatch(/alloc 0x0+aa balance: expected a hex quantity/);
  });
});
