/**
 * `dst devnet` end to end: the real command (from sources) runs 4 real `dst run` processes with its
 * load generator. Checked: each node comes up and its log file fills; block lines appear with
 * transactions; every node holds the same chain, and every block verifies against the group key of the
 * lock (blst, test/e2e/node-process.ts); a node killed with SIGKILL is reported with its exit and the
 * others keep producing; SIGTERM stops everything with exit code 0 and a summary naming each node's
 * exit; started again on the same directory, the devnet reuses the cluster and the chain continues.
 *
 * Supervision by ports: a node killed by pid and started again by hand (the `dst run --dir` command
 * the devnet prints) is reported down, then up again "not started by the devnet"; with it, a second
 * node killed leaves a quorum (the devnet goes on and blocks are signed, where counting only its own
 * processes it used to stop); the summary says how long all were up and not, and which node was down,
 * and the devnet leaves the hand-started node running. A one-node devnet with no node answering stops
 * after --all-down-timeout, and not while a hand-started node answers.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpc, spawnDst, verifySignedBlock, type DstProcess } from '../e2e/node-process.js';
import { eventually, freeRange, ROOT, spawnDevnet, type DevnetProcess } from '../helpers/devnet-process.js';
const NODES = 4;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The `dst run` the devnet runs for a node, started by hand from the sources (its pid is the node's). */
const runByHand = (nodeDir: string, rpcPort: number): DstProcess =>
  spawnDst(['run', '--dir', nodeDir, '--rpc-host', '127.0.0.1', '--rpc-port', String(rpcPort), '--log-level', 'info']);

const blockHeights = (lines: string[]) => lines.flatMap((line) => /^block (\d+) /.exec(line)?.slice(1) ?? []).map(Number);

describe('dst devnet (4 node processes)', () => {
  let root: string;
  let dir: string;
  let rpcBase: number;
  let p2pBase: number;
  const running: DevnetProcess[] = [];
  const byHand: DstProcess[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dst-devnet-e2e-'));
    dir = join(root, 'cluster');
    p2pBase = await freeRange(NODES);
    rpcBase = (await freeRange(NODES)) + 1;
  });

  afterAll(async () => {
    for (const node of byHand) await node.stop();
    for (const devnet of running) {
      if (devnet.child.exitCode === null) devnet.child.kill('SIGTERM');
      await devnet.exited;
    }
    await rm(root, { recursive: true, force: true });
  });

  it('runs the cluster under load, survives a killed node, stops cleanly, and restarts on the same chain', async () => {
    const first = spawnDevnet(['--no-execute', '--dir', dir, '--nodes', String(NODES), '--block-time', '100', '--chain-id', '906',
      '--p2p-base-port', String(p2pBase), '--rpc-base-port', String(rpcBase), '--load', '40']);
    running.push(first);
    await first.line(/^created a cluster in /);
    const pids: number[] = [];
    for (let i = 1; i <= NODES; i++) {
      const [, url, pid] = (await first.line(new RegExp(`^node ${i} up: rpc (\\S+), p2p port ${p2pBase + i}, pid (\\d+)`)))!;
      expect(url).toBe(`http://127.0.0.1:${rpcBase + i - 1}/`);
      pids.push(Number(pid));
    }
    await first.line(/^load: 40 tx\/s over 4 nodes/);
    // Blocks carrying the load's transactions.
    await first.line(/^block \d+ {2}hash 0x[0-9a-f]{8}… {2}txs [1-9]\d* {2}proposer [1-4] {2}round \d+ {2}signed in [\d.]+ ms {2}\(first on node [1-4]\)$/);
    await first.line(/^block 5 /);

    // Every node holds the same verified blocks up to the lowest head.
    const lock = JSON.parse(await readFile(join(dir, 'cluster-lock.json'), 'utf8')) as { groupPublicKey: string };
    const urls = Array.from({ length: NODES }, (_, i) => `http://127.0.0.1:${rpcBase + i}/`);
    const heads = await Promise.all(urls.map(async (url) => Number((await rpc(url, 'eth_blockNumber')).result)));
    const common = Math.min(...heads);
    expect(common).toBeGreaterThanOrEqual(1);
    for (let number = 1; number <= common; number++) {
      const blocks = await Promise.all(urls.map(async (url) => (await rpc(url, 'dst_getSignedBlock', [`0x${number.toString(16)}`])).result));
      for (const signed of blocks) {
        expect(signed.hash).toBe(blocks[0].hash);
        expect(verifySignedBlock(signed, lock.groupPublicKey)).toBe(true);
      }
    }

    // Kill node 3: reported, and the other three keep producing.
    process.kill(pids[2]!, 'SIGKILL');
    await first.line(/^node 3 exited unexpectedly \(exit SIGKILL\)/);
    await first.line(/^node 3 down: its process exited; 3 of 4 nodes up \(threshold 3\): the devnet goes on$/);
    const heightAtKill = Math.max(...blockHeights(first.lines));
    await eventually('2 blocks past the kill', async () => Math.max(...blockHeights(first.lines)) >= heightAtKill + 2);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const output = first.lines.join('\n');
    expect(output).toMatch(/^load summary \(chain id 906\): [\d.]+ s, sent \d+, accepted \d+, rejected \d+/m);
    expect(output).toContain('stopping 3 node(s): SIGTERM');
    const summary = /^devnet summary: [\d.]+ s \(all nodes up for [\d.]+ s, not all up for [\d.]+ s\), (\d+) blocks \(heights 1\.\.(\d+)\), (\d+) transactions/m.exec(output);
    expect(summary).not.toBeNull();
    const lastHeight = Number(summary![2]);
    expect(Number(summary![1])).toBe(lastHeight);
    expect(Number(summary![3])).toBeGreaterThan(0);
    for (const i of [1, 2, 4]) expect(output).toMatch(new RegExp(`^  node ${i}: head \\d+, exit 0$`, 'm'));
    expect(output).toMatch(/^ {2}node 3: head \d+, exit SIGKILL; down once for [\d.]+ s; down at the end$/m);
    for (let i = 1; i <= NODES; i++) {
      const log = await readFile(join(dir, `node-${i}`, 'node.log'), 'utf8');
      expect(log).toContain('"msg":"rpc listening"');
      expect(log).toContain('"msg":"block signed and stored"');
    }

    // Started again on the same directory: the cluster is reused and the chain goes on from its head.
    const second = spawnDevnet(['--no-execute', '--dir', dir, '--rpc-base-port', String(rpcBase)]);
    running.push(second);
    await second.line(new RegExp(`^reusing the cluster in ${escape(dir)}$`));
    await second.line(/^devnet: 4 nodes, threshold 3, chain id 906, block time 100 ms$/);
    for (let i = 1; i <= NODES; i++) await second.line(new RegExp(`^node ${i} up: `));
    // No load: an empty chain makes no blocks, so send one transaction through the load generator's CLI.
    const load = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'load', '--rpc', urls[0]!, '--tps', '5', '--duration', '1'], { cwd: ROOT, stdio: 'ignore' });
    expect(await new Promise((done) => load.once('close', done))).toBe(0);
    const [, height] = (await second.line(/^block (\d+) /))!;
    expect(Number(height)).toBeGreaterThan(lastHeight);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    for (let i = 1; i <= NODES; i++) expect(second.lines.join('\n')).toMatch(new RegExp(`^  node ${i}: head \\d+, exit 0$`, 'm'));
  });

  it('goes on when a node killed by pid is started again by hand, and reports it down, up again, and in the summary', async () => {
    const restartDir = join(root, 'restart');
    const p2p = await freeRange(NODES);
    const rpcPort = (await freeRange(NODES)) + 1;
    const devnet = spawnDevnet(['--no-execute', '--dir', restartDir, '--nodes', String(NODES), '--block-time', '100', '--chain-id', '908',
      '--p2p-base-port', String(p2p), '--rpc-base-port', String(rpcPort), '--load', '20']);
    running.push(devnet);
    const pids: number[] = [];
    for (let i = 1; i <= NODES; i++) pids.push(Number((await devnet.line(new RegExp(`^node ${i} up: rpc \\S+, p2p port ${p2p + i}, pid (\\d+)`)))[1]));
    await devnet.line(/^load: 20 tx\/s over 4 nodes \(4 up\)$/);
    await devnet.line(/^block 3 /);

    // Node 2's process killed by pid: down, with the command to run it again.
    const node2Dir = join(restartDir, 'node-2');
    const node2Url = `http://127.0.0.1:${rpcPort + 1}/`;
    process.kill(pids[1]!, 'SIGKILL');
    await devnet.line(/^node 2 exited unexpectedly \(exit SIGKILL\)/);
    await devnet.line(/^node 2 down: its process exited; 3 of 4 nodes up \(threshold 3\): the devnet goes on$/);
    await devnet.line(new RegExp(`^  type "restart 2" to start it again \\(or run it by hand: dst run --dir ${escape(node2Dir)} --rpc-host 127\\.0\\.0\\.1 --rpc-port ${rpcPort + 1}\\)$`));

    // Started again by hand, the same command: up again, not the devnet's.
    const hand = runByHand(node2Dir, rpcPort + 1);
    byHand.push(hand);
    await hand.listening;
    await devnet.line(new RegExp(`^node 2 up again: rpc ${escape(node2Url)}, not started by the devnet; 4 of 4 nodes up \\(threshold 3\\): the devnet goes on$`));
    await eventually('node 2 (by hand) ready', async () => (await rpc(node2Url, 'dst_health')).result?.ready === true);

    // Node 3's process killed too: two of the devnet's processes are left, but three nodes answer, a
    // quorum with the hand-started one: the devnet goes on and the chain grows.
    process.kill(pids[2]!, 'SIGKILL');
    await devnet.line(/^node 3 down: its process exited; 3 of 4 nodes up \(threshold 3\): the devnet goes on$/);
    const heightAtKill = Math.max(...blockHeights(devnet.lines));
    // Any block line past it: a block the hand-started node stored first reaches the devnet's nodes by
    // sync, which prints no block line for it.
    await eventually('3 blocks past the kill', async () => Math.max(...blockHeights(devnet.lines)) >= heightAtKill + 3);
    expect(devnet.child.exitCode).toBeNull();
    expect(devnet.lines.join('\n')).not.toMatch(/stopping the devnet/);

    devnet.child.kill('SIGTERM');
    expect(await devnet.exited).toBe(0);
    const output = devnet.lines.join('\n');
    expect(output).toContain('stopping 2 node(s): SIGTERM');
    expect(output).toContain(`node 2 was not started by the devnet: left running (rpc ${node2Url}); stop it yourself`);
    // "All nodes up" only over the time every one was: less than the whole run, and said so.
    const summary = /^devnet summary: ([\d.]+) s \(all nodes up for ([\d.]+) s, not all up for ([\d.]+) s\), (\d+) blocks/m.exec(output);
    expect(summary, output).not.toBeNull();
    const [elapsed, allUp, notAllUp] = [Number(summary![1]), Number(summary![2]), Number(summary![3])];
    expect(notAllUp).toBeGreaterThan(0);
    expect(allUp + notAllUp).toBeLessThanOrEqual(elapsed + 0.1);
    expect(output).not.toMatch(/^devnet summary: [\d.]+ s \(all nodes up for [\d.]+ s\)/m);
    expect(output).toMatch(/^ {2}node 2: head \d+, exit SIGKILL; down once for [\d.]+ s; up at the end, not started by the devnet \(left running\)$/m);
    expect(output).toMatch(/^ {2}node 3: head \d+, exit SIGKILL; down once for [\d.]+ s; down at the end$/m);
    for (const i of [1, 4]) expect(output).toMatch(new RegExp(`^  node ${i}: head \\d+, exit 0$`, 'm'));

    // Left running indeed: node 2 still answers; the test stops it by its pid.
    expect(hand.running).toBe(true);
    expect(Number((await rpc(node2Url, 'eth_blockNumber')).result)).toBeGreaterThan(0);
    expect(await hand.stop()).toBe(0);
  });

  it('a one-node devnet with no node answering stops after --all-down-timeout, not while a hand-started node answers', async () => {
    // Long enough for a node started by hand from the sources (tsx, the keystore decrypted) to come up
    // before it: the generous wait of this test, not a threshold it checks.
    const ALL_DOWN_TIMEOUT_S = 20;
    const soloDir = join(root, 'solo');
    const p2p = await freeRange(1);
    const rpcPort = (await freeRange(1)) + 1;
    const devnet = spawnDevnet(['--no-execute', '--dir', soloDir, '--nodes', '1', '--block-time', '100', '--p2p-base-port', String(p2p), '--rpc-base-port', String(rpcPort), '--all-down-timeout', String(ALL_DOWN_TIMEOUT_S)]);
    running.push(devnet);
    const pid = Number((await devnet.line(/^node 1 up: rpc \S+, p2p port \d+, pid (\d+)/))[1]);
    process.kill(pid, 'SIGKILL');
    await devnet.line(/^node 1 down: its process exited; only 0 of 1 nodes up, fewer than the threshold 1: no block can be signed until enough are back; the devnet goes on \(Ctrl-C stops it\)$/);
    await devnet.line(new RegExp(`^no node answers and none of the devnet's node processes runs: it stops in ${ALL_DOWN_TIMEOUT_S} s unless one comes back$`));

    const hand = runByHand(join(soloDir, 'node-1'), rpcPort);
    byHand.push(hand);
    await hand.listening;
    await devnet.line(/^node 1 up again: rpc \S+, not started by the devnet; 1 of 1 nodes up \(threshold 1\): the devnet goes on$/);
    await devnet.line(/^a node answers again: the devnet goes on$/);
    expect(devnet.child.exitCode).toBeNull();

    expect(await hand.stop()).toBe(0);
    await devnet.line(/^node 1 down: rpc \S+ does not answer \(connection refused\); only 0 of 1 nodes up/);
    await devnet.line(new RegExp(`^no node has answered for ${ALL_DOWN_TIMEOUT_S} s: stopping the devnet$`), 120_000);
    expect(await devnet.exited).toBe(1);
    expect(devnet.lines.join('\n')).toMatch(/^ {2}node 1: head \S+, exit SIGKILL; down 2 times for [\d.]+ s in all; down at the end$/m);
  });
});
