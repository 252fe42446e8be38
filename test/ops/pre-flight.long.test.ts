/**
 * `dst test peers` and `dst test machine` (issue 17) as real processes against a real 4-node `dst
 * devnet` (threshold 3) under load. Node 4 is stopped (SIGKILL) — the pre-flight runs before its node
 * does — and `dst test peers --dir node-4` connects with node 4's identity to operators 1–3: all
 * reachable, round trips and clock offsets measured, blocks fetched over the sync protocol (throughput),
 * exit 0; the table names every peer and a verdict. With node 3 stopped too, peer 3 is unreachable
 * (exit 1), and the two left with node 4 still make the threshold. `dst test machine --dir node-4`
 * takes the block time from its lock and prints every figure with a verdict. The reports are saved
 * under test-artifacts/ (test-peers.json, test-peers-one-down.txt, test-machine.json).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, startDevnet, type DevnetProcess } from '../helpers/devnet-process.js';
import type { PeersReport } from '../../src/cli/test-peers.js';
import type { MachineReport } from '../../src/cli/test-machine.js';

const execFileAsync = promisify(execFile);
/** Runs `dst …` from the sources; resolves with its exit code and output whatever the code. */
async function dst(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('dst test peers / machine against a devnet', () => {
  let root: string | undefined;
  let devnet: DevnetProcess | undefined;

  afterAll(async () => {
    await devnet?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  // A 4-node devnet and its checks on a loaded 2-core machine: minutes, not the suite's default 2.
  it('measures the peers of a stopped node, then reports one peer down; measures the machine', { timeout: 300_000 }, async () => {
    root = await mkdtemp(join(tmpdir(), 'dst-pre-flight-'));
    const cluster = join(root, 'cluster');
    devnet = await startDevnet(cluster, 4, ['--block-time', '200', '--load', '20']);
    const nodes = await devnet.nodesUp(4);
    await devnet.line(/^block 3 /);
    process.kill(nodes[3]!.pid, 'SIGKILL');
    await devnet.line(/^node 4 exited unexpectedly/);
    const node4 = join(cluster, 'node-4');

    const [all, help] = await Promise.all([dst('test', 'peers', '--dir', node4, '--samples', '10', '--json'), dst('--help')]);
    expect(help.stdout).toContain('dst test --help');
    expect(all.stderr).toBe('');
    const report = JSON.parse(all.stdout) as PeersReport;
    // Whether a round trip is good or poor is this machine's business: the exit code follows the verdicts.
    expect(all.code, all.stdout).toBe(report.peers.every((peer) => peer.verdict === 'good' || peer.verdict === 'fair') ? 0 : 1);
    expect(report).toMatchObject({ self: 4, nodes: 4, threshold: 3, quorumReachable: true });
    expect(report.peers.map((peer) => peer.index)).toEqual([1, 2, 3]);
    for (const peer of report.peers) {
      expect(peer.reachable).toBe(true);
      expect(peer.rttMs!.samples).toBe(10);
      expect(peer.rttMs!.p50).toBeGreaterThan(0);
      expect(peer.rttMs!.p99).toBeGreaterThanOrEqual(peer.rttMs!.p50);
      expect(Number.isFinite(peer.clockOffsetMs)).toBe(true);
      expect(peer.throughputBytesPerSecond).toBeGreaterThan(0);
      expect(['good', 'fair', 'poor']).toContain(peer.verdict);
    }

    const machine = await dst('test', 'machine', '--dir', node4, '--duration', '100', '--json');
    expect([0, 1]).toContain(machine.code);
    const figures = JSON.parse(machine.stdout) as MachineReport;
    expect(figures).toMatchObject({ blockTimeMs: 200, threshold: 3 });
    expect(figures.figures.map((figure) => figure.name)).toEqual(['partial sign', 'combine 3 partials', 'verify group signature', 'secp256k1 sender recovery', 'keccak-256 (120 bytes)', 'LMDB commit with fsync (12 KB)']);
    for (const figure of figures.figures) expect(figure.perSecond).toBeGreaterThan(0);
    expect(figures.verdict).toBe(figures.blocksPerSecond >= 10 ? 'good' : figures.blocksPerSecond >= 5 ? 'marginal' : 'too slow');
    expect(machine.code).toBe(figures.verdict === 'too slow' ? 1 : 0);

    process.kill(nodes[2]!.pid, 'SIGKILL');
    await devnet.line(/^node 3 exited unexpectedly/);
    const oneDown = await dst('test', 'peers', '--dir', node4, '--samples', '5', '--timeout', '3');
    // The reports as test artifacts, for a look at this machine's figures.
    await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
    await writeFile(join(ROOT, 'test-artifacts', 'test-peers.json'), all.stdout);
    await writeFile(join(ROOT, 'test-artifacts', 'test-peers-one-down.txt'), oneDown.stdout);
    await writeFile(join(ROOT, 'test-artifacts', 'test-machine.json'), machine.stdout);
    expect(oneDown.code).toBe(1);
    expect(oneDown.stdout).toMatch(/^dst test peers: operator 4 of 4 \(threshold 3\), 3 peers$/m);
    expect(oneDown.stdout).toMatch(/^ {2}1 +\/ip4\/127\.0\.0\.1\/tcp\/\d+ +yes +[\d.]+ ms +[\d.]+ ms +[\d.]+ ms +[+-]?[\d.]+ ms +[\d.]+ [kM]B\/s +(good|fair|poor)$/m);
    expect(oneDown.stdout).toMatch(/^ {2}3 +\/ip4\/127\.0\.0\.1\/tcp\/\d+ +no +— +— +— +— +— +unreachable$/m);
    expect(oneDown.stdout).toContain('peer 3: not connected within 3 s');
    expect(oneDown.stdout).toMatch(/^summary: 2 of 3 peers reachable; with this node they can sign blocks/m);
  });
});
