/**
 * The node supervisor (src/devnet/supervisor.ts) on stand-in node processes (a few lines of Node.js that
 * log like a node): the "rpc listening" line, the events in order, the kept logs and stderr, the log
 * file, a clean SIGTERM, SIGKILL after the grace period for a process that ignores SIGTERM, SIGKILL, and a
 * process that exits before it listens. Real `dst run` processes go through it in test/e2e and in the
 * devnet tests.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnNode, stopNodes, type NodeEvent } from '../../src/devnet/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-supervisor-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A stand-in node: logs "rpc listening" and one stored block, then waits; `ignoreTerm` makes SIGTERM do nothing. */
function standIn(options: { ignoreTerm?: boolean; failEarly?: boolean } = {}): string {
  return `
    const log = (fields) => console.log(JSON.stringify({ level: 30, ...fields }));
    if (${Boolean(options.failEarly)}) { console.error('dst: cannot start'); process.exit(3); }
    console.log('not json');
    log({ msg: 'rpc listening', url: 'http://127.0.0.1:1/', wsUrl: 'ws://127.0.0.1:1/', chainId: '5' });
    log({ msg: 'block signed and stored', number: 1, hash: '0xab', round: 1, transactions: 2, proposer: 1, timeToSignatureMs: 3 });
    console.error('a warning on stderr');
    process.on('SIGTERM', () => { if (!${Boolean(options.ignoreTerm)}) { log({ msg: 'stopped', exitCode: 0 }); process.exit(0); } });
    setInterval(() => {}, 1000);
  `;
}

describe('spawnNode', () => {
  it('reports the listening line and the events in order, keeps the logs, and stops on SIGTERM', async () => {
    const events: NodeEvent[] = [];
    const stderrLines: string[] = [];
    const logFile = join(root, 'node.log');
    const node = spawnNode({ file: process.execPath, args: ['-e', standIn()], keepLogs: true, logFile, onEvent: (event) => events.push(event), onStderrLine: (line) => stderrLines.push(line) });
    const listening = await node.listening;
    expect(listening.url).toBe('http://127.0.0.1:1/');
    expect(listening.line).toMatchObject({ wsUrl: 'ws://127.0.0.1:1/', chainId: '5' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(node.running).toBe(true);
    expect(await node.stop()).toBe(0);
    expect(node.running).toBe(false);
    expect(events.map((event) => event.kind)).toEqual(['listening', 'block', 'stopped']);
    expect(node.logs.map((line) => line.msg)).toEqual(['rpc listening', 'block signed and stored', 'stopped']);
    expect(node.stderr()).toBe('a warning on stderr\n');
    expect(stderrLines).toEqual(['a warning on stderr']);
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('not json\n');
    expect(log).toContain('"msg":"rpc listening"');
    expect(log).toContain('a warning on stderr\n');
    node.signal('SIGTERM'); // after the exit: nothing
  });

  it('SIGKILLs what still runs after the grace period; kill() is SIGKILL at once', async () => {
    const stubborn = spawnNode({ file: process.execPath, args: ['-e', standIn({ ignoreTerm: true })] });
    const other = spawnNode({ file: process.execPath, args: ['-e', standIn()] });
    await Promise.all([stubborn.listening, other.listening]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stuck: number[] = [];
    const exits = await stopNodes([stubborn, other], { graceMs: 500, onGraceExpired: (nodes) => stuck.push(...nodes.map((node) => node.pid!)) });
    expect(exits).toEqual(['SIGKILL', 0]);
    expect(stuck).toEqual([stubborn.pid]);
    expect(stubborn.logs).toEqual([]); // not kept without keepLogs

    const crashed = spawnNode({ file: process.execPath, args: ['-e', standIn({ ignoreTerm: true })] });
    await crashed.listening;
    expect(await crashed.kill()).toBe('SIGKILL');
  });

  it('a process that exits before it listens rejects listening with its exit and stderr', async () => {
    const node = spawnNode({ file: process.execPath, args: ['-e', standIn({ failEarly: true })], keepLogs: true, name: 'stand-in' });
    await expect(node.listening).rejects.toThrow('stand-in: exited (3) before listening; stderr: dst: cannot start');
    expect(await node.exited).toBe(3);
  });
});
