/**
 * `dst test` as commands (issue 17), in process (the real processes run in pre-flight.long.test.ts):
 * `dst test --help` and each check's --help name every flag; a missing --dir, an unknown check, a bad
 * flag value and a directory without a lock exit with 2 and a message naming the problem.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runTestCommand } from '../../src/cli/pre-flight.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const run = async (...args: string[]) => {
  out = '';
  err = '';
  const code = await runTestCommand(args);
  return { code, stdout: out, stderr: err };
};

describe('dst test (the commands)', () => {
  it('explains itself', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('dst test machine');
    expect(help.stdout).toContain('dst test peers --dir NODE_DIR');
    const machine = await run('machine', '--help');
    for (const flag of ['--dir', '--block-time', '--threshold', '--data-dir', '--duration', '--json', '--help']) expect(machine.stdout).toContain(flag);
    const peers = await run('peers', '--help');
    for (const flag of ['--dir', '--p2p-listen', '--timeout', '--samples', '--json', '--help', '50 ms', '240 ms']) expect(peers.stdout).toContain(flag);
  });

  it('refuses bad usage with exit code 2 and says why', async () => {
    expect(await run('peers')).toMatchObject({ code: 2, stderr: expect.stringContaining('dst test peers: --dir NODE_DIR is required') });
    expect(await run('disk')).toMatchObject({ code: 2, stderr: expect.stringContaining('dst test: unknown check "disk"') });
    expect(await run('machine', '--block-time', 'fast')).toMatchObject({ code: 2, stderr: expect.stringContaining('--block-time: expected an integer') });
    expect(await run('machine', '--nope')).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--nope'") });
    expect(await run('peers', '--dir', '/nonexistent-dst-dir')).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read /nonexistent-dst-dir/cluster-lock.json') });
    expect(await run('machine', '--dir', '/nonexistent-dst-dir')).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read /nonexistent-dst-dir/cluster-lock.json') });
  });
});
