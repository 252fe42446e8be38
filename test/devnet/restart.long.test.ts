/**
 * `dst devnet` driven from its standard input (issue 17): 4 real node processes (threshold 3). `stop 2`
 * and `stop 3` leave 2 nodes, fewer than the threshold: the devnet says no block can be signed and
 * keeps the survivors running (they still answer), and a survivor logs the lost quorum at warn with its
 * counts. `restart 2` starts node 2 again from the devnet: it is reported up again, the quorum is back
 * (the survivor logs that too) and blocks are signed past the height reached before. `status` and a
 * bad command answer; SIGTERM stops it all with exit code 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { probeRpc } from '../../src/devnet/index.js';
import { freeRange } from '../helpers/devnet-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));


/** Polls `check` every 200 ms until it holds; fails naming `what` after `timeoutMs`. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('dst devnet commands (4 node processes)', () => {
  let child: ChildProcess | undefined;
  let root: string | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((done) => child!.once('close', done));
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('stops and restarts nodes on request, keeping the survivors running below the threshold', async () => {
    root = await mkdtemp(join(tmpdir(), 'dst-devnet-commands-'));
    const dir = join(root, 'cluster');
    const p2pBase = await freeRange(4);
    const rpcBase = (await freeRange(4)) + 1;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'devnet', '--no-execute', '--dir', dir, '--rpc-base-port', String(rpcBase), '--p2p-base-port', String(p2pBase), '--block-time', '200', '--load', '5', '--all-down-timeout', '0'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | string>((done) => child!.once('close', (code, signal) => done(code ?? signal ?? 'unknown')));
    const lines: string[] = [];
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const waiters = new Set<() => void>();
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      for (const waiter of waiters) waiter();
    });
    /** The first line from `from` on matching `pattern`; returns its index. */
    const line = (pattern: RegExp, from = 0, timeoutMs = 90_000) =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          const at = lines.findIndex((text, i) => i >= from && pattern.test(text));
          if (at === -1) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(at);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.join('\n')}\nstderr: ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    const type = (command: string) => child!.stdin!.write(`${command}\n`);
    const nodeLog = async () => (await readFile(join(dir, 'node-1', 'node.log'), 'utf8')).split('\n').flatMap((text) => {
      try {
        return [JSON.parse(text) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    const height = (from: number) => Math.max(0, ...lines.slice(from).flatMap((text) => /^block (\d+) /.exec(text)?.slice(1) ?? []).map(Number));

    await line(/^commands \(type one and Enter\): stop <i>, restart <i>, status, help/);
    for (let i = 1; i <= 4; i++) await line(new RegExp(`^node ${i} up: `));
    await line(/^block \d+ /);

    const beforeStop = lines.length;
    type('stop 2');
    let at = await line(/^node 2 stopped as asked \(exit 0\)$/, beforeStop);
    // "stopped" once its process exits (then the hint to restart it), or "rpc … does not answer" if the
    // watcher saw its port close first — that line can come before the exit's.
    const down = await line(/^node 2 down: .*3 of 4 nodes up \(threshold 3\): the devnet goes on$/, beforeStop);
    if (/^node 2 down: stopped;/.test(lines[down]!)) await line(/^ {2}type "restart 2" to start it again/, at);
    type('stop 3');
    // "stopped" once its process exits, or "rpc … does not answer" if the watcher sees its port close first
    at = await line(/^node 3 down: .*only 2 of 4 nodes up, fewer than the threshold 3: no block can be signed until enough are back; the devnet goes on/, at);
    // The survivors run on, and node 1 logs the lost quorum.
    for (const port of [rpcBase, rpcBase + 3]) expect((await probeRpc(port)).up).toBe(true);
    await eventually('node 1 to log the lost quorum', async () => (await nodeLog()).some((entry) => String(entry.msg).startsWith('quorum lost')));
    type('restart 3');
    at = await line(/^node 3: starting again$/, at);
    type('restart 3');
    await line(/^node 3 runs already \(pid \d+\); "stop 3" first$/, at);
    type('status');
    await line(/^node 1: up \(pid \d+\), rpc http:\/\/127\.0\.0\.1:/, at);
    type('bogus');
    await line(/^unknown command "bogus"/, at);
    const before = height(0);
    type('restart 2');
    at = await line(/^node 2: starting again$/, at);
    await line(/^node 2 up again: rpc http:\/\/127\.0\.0\.1:\d+\/, pid \d+; [34] of 4 nodes up \(threshold 3\): the devnet goes on$/, at);
    for (let from = at; height(at) <= before; ) from = (await line(/^block \d+ /, from)) + 1;
    expect(height(at)).toBeGreaterThan(before);

    // Node 1 saw its quorum go and come back.
    await eventually('node 1 to log the quorum back', async () => (await nodeLog()).some((entry) => String(entry.msg).startsWith('quorum back')));
    const log = await nodeLog();
    const lost = log.find((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('quorum lost'));
    expect(lost).toMatchObject({ level: 40, connected: 1, peers: 3, needed: 2, quorum: 3 });
    expect(log.some((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('quorum back'))).toBe(true);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
