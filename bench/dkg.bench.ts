/**
 * The DKG ceremony (src/cluster/dkg/, issue 15) on loopback: n operators, each its own process
 * (./dkg-operator.ts) with its own libp2p host, for n = 4, 7, 16, 32; reports the ceremony's wall time
 * (the slowest operator, connecting included) and the CPU time per operator (mean and max). Targets:
 * n = 16 under 10 s on this machine (anchors: Charon's default DKG timeout is 2 minutes; Commonware's
 * Golden DKG reports 35 s per dealer at n = 8). `DST_DKG_BENCH_SIZES=4,7` picks the sizes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDefinition, formatDefinition, generateIdentityKey, IDENTITY_KEY_FILE, peerIdOf, writeIdentityKey } from '../src/cluster/index.js';
import { quorumSize } from '../src/consensus/index.js';
import { freePort } from '../test/helpers/net.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function ceremony(n: number): Promise<{ wallMs: number; cpuMeanMs: number; cpuMaxMs: number }> {
  const root = await mkdtemp(join(tmpdir(), 'dst-dkg-bench-'));
  try {
    const operators = [];
    for (let i = 0; i < n; i++) {
      const dir = join(root, `op-${i + 1}`);
      const key = await generateIdentityKey();
      await exec('mkdir', ['-p', dir]);
      await writeIdentityKey(join(dir, IDENTITY_KEY_FILE), key);
      operators.push({ dir, peerId: peerIdOf(key), addresses: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
    }
    const definition = createDefinition({ chainId: 901n, blockTimeMs: 1000, threshold: quorumSize(n), operators: operators.map(({ peerId, addresses }) => ({ peerId, addresses })) });
    const file = join(root, 'definition.json');
    await writeFile(file, formatDefinition(definition));
    const runs = await Promise.all(operators.map((o) => exec(process.execPath, ['--import', 'tsx', 'bench/dkg-operator.ts', file, o.dir], { cwd: ROOT, maxBuffer: 16 << 20 })));
    const lines = runs.map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { wallMs: number; cpuMs: number; qualified: number });
    for (const line of lines) if (line.qualified !== n) throw new Error(`n = ${n}: ${line.qualified} dealers qualified, expected all ${n}`);
    return {
      wallMs: Math.max(...lines.map((l) => l.wallMs)),
      cpuMeanMs: lines.reduce((sum, l) => sum + l.cpuMs, 0) / n,
      cpuMaxMs: Math.max(...lines.map((l) => l.cpuMs)),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const sizes = (process.env.DST_DKG_BENCH_SIZES ?? '4,7,16,32').split(',').map(Number);
  console.log('DKG ceremony on loopback, one process per operator (wall: slowest operator, connecting included; CPU per operator)');
  for (const n of sizes) {
    const { wallMs, cpuMeanMs, cpuMaxMs } = await ceremony(n);
    const target = n === 16 ? `  (target < 10 s: ${wallMs < 10_000 ? 'met' : 'NOT met'})` : '';
    console.log(`  n = ${String(n).padStart(2)}, t = ${String(quorumSize(n)).padStart(2)}: wall ${(wallMs / 1000).toFixed(2)} s, CPU per operator mean ${(cpuMeanMs / 1000).toFixed(2)} s, max ${(cpuMaxMs / 1000).toFixed(2)} s${target}`);
  }
}
