/**
 * A real `dst devnet` process for the operator tests (issue 17: the dashboard in Chromium, the
 * Prometheus alerts, `dst test peers`): started from the sources (`node --import tsx src/cli/main.ts
 * devnet …`) on free loopback ports (with `--no-execute` unless `--execution-rpc-port` is given), its output lines kept, with `line(pattern)` waiting for one, the
 * pids and RPC URLs of its nodes from its "node i up" lines, and `stop()` (SIGTERM, then the exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { portInUse } from '../../src/devnet/index.js';
import { FREE_PORTS } from './net.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface DevnetProcess {
  child: ChildProcess;
  lines: string[];
  rpcBase: number;
  p2pBase: number;
  exited: Promise<number | string>;
  /** The first line (printed or to come) matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Waits for every node's "up" line: node i → { url, pid }. */
  nodesUp(nodes: number): Promise<Array<{ url: string; pid: number }>>;
  stop(): Promise<void>;
}

/** A base port with `count` free ports after it. */
export async function freeRange(count: number): Promise<number> {
  for (;;) {
    // Below the ephemeral range (as freePort): a port there can become another test's outgoing local
    // port between this check and the node's listen (seen: EADDRINUSE for a devnet node's p2p port).
    const base = FREE_PORTS.from + Math.floor(Math.random() * (FREE_PORTS.to - FREE_PORTS.from - count - 1));
    const used = await Promise.all(Array.from({ length: count }, (_, i) => portInUse(base + 1 + i)));
    if (!used.includes(true)) return base;
  }
}

/** Starts `dst devnet --dir DIR --nodes N …extra` on free ports (no execution node unless `--execution-rpc-port` is given). */
export async function startDevnet(dir: string, nodes: number, extra: string[]): Promise<DevnetProcess> {
  const p2pBase = await freeRange(nodes);
  const rpcBase = (await freeRange(nodes)) + 1;
  // No execution node unless asked for (with its port): tests run side by side, and 8645 is one port.
  const execution = extra.includes('--execution-rpc-port') ? [] : ['--no-execute'];
  return spawnDevnet(['--dir', dir, '--nodes', String(nodes), '--p2p-base-port', String(p2pBase), '--rpc-base-port', String(rpcBase), ...execution, ...extra], { rpcBase, p2pBase });
}

/** Starts `dst devnet …args` from the sources as given (the caller chose its ports), its output lines kept. */
export function spawnDevnet(args: string[], ports: { rpcBase: number; p2pBase: number } = { rpcBase: 0, p2pBase: 0 }): DevnetProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'devnet', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    lines.push(text);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | string>((done) => child.once('close', (code, signal) => done(code ?? signal ?? 'unknown')));
  // Once it exited (its output read to the end) no line will come: a waiter fails at once, not at its timeout.
  let closed = false;
  void exited.then(() => {
    closed = true;
    for (const waiter of waiters) waiter();
  });
  const line = (pattern: RegExp, timeoutMs = 90_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        for (const text of lines) {
          const match = pattern.exec(text);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
            return;
          }
        }
        if (closed) fail(`the devnet exited (${child.exitCode ?? child.signalCode}) with no line matching ${pattern}`);
      };
      const fail = (why: string) => {
        waiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`${why}; output:\n${lines.join('\n')}\nstderr: ${stderr}`));
      };
      const timer = setTimeout(() => fail(`no devnet line matching ${pattern} within ${timeoutMs} ms`), timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    child,
    lines,
    ...ports,
    exited,
    line,
    async nodesUp(count) {
      const up = [];
      for (let i = 1; i <= count; i++) {
        const [, url, pid] = (await line(new RegExp(`^node ${i} up: rpc (\\S+), p2p port \\d+, pid (\\d+)`)))!;
        up.push({ url: url!, pid: Number(pid) });
      }
      return up;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `check` every 100 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
