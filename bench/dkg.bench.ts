/**
 * The DKG ceremony (src/cluster/dkg/, issue 15) on loopback: n operators, each its own process
 * (./dkg-operator.mjs, plain node on the compiled code: `npm run build:ts` first) with its own libp2p
 * host, for n = 4, 7, 16, 32. Every operator first loads its code and definition; once all are loaded the
 * benchmark starts them together (one line on each stdin), so the figure is the ceremony's, not 32
 * processes' start-up competing for this machine's cores (which is reported apart: CPU to load one
 * operator). Reported: the ceremony's wall time (start signal to the slowest operator's end, connecting
 * and the 1 s linger of ./run.ts included), the CPU time per operator (mean, max), and the mean CPU
 * per stage (connect = libp2p start and Noise handshakes; deal; respond = waiting for and checking the
 * deals and responses; justify; decide; result; linger), with the load average at the start, since
 * every operator shares this machine's cores. Target: n = 16 under 10 s (anchors: Charon's default DKG
 * timeout is 2 minutes; Commonware's Golden DKG reports 35 s per dealer at n = 8).
 * `DST_DKG_BENCH_SIZES=4,7` picks the sizes; `DST_DKG_BENCH_PROFILE=DIR` writes a V8 CPU profile of
 * operator 1 (`--cpu-prof`) to DIR; `DST_DKG_BENCH_LOG=debug` writes each operator's log to its directory
 * and `DST_DKG_BENCH_KEEP=1` keeps the directories.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createDefinition, formatDefinition, generateIdentityKey, IDENTITY_KEY_FILE, peerIdOf, writeIdentityKey } from '../src/cluster/index.js';
import { quorumSize } from '../src/consensus/index.js';
import { freePort } from '../test/helpers/net.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OPERATOR = join(ROOT, 'bench', 'dkg-operator.mjs');

interface Stage { readonly stage: string; readonly cpuMs: number; readonly wallMs: number }
interface Ready { readonly ready: true; readonly loadMs: number; readonly loadCpuMs: number }
interface Done { readonly index: number; readonly wallMs: number; readonly cpuMs: number; readonly stages: readonly Stage[]; readonly qualified: number }

export interface CeremonyFigures {
  readonly wallMs: number;
  readonly cpuMeanMs: number;
  readonly cpuMaxMs: number;
  readonly loadCpuMeanMs: number;
  /** Mean CPU and wall per stage, in the order of the stages. */
  readonly stages: readonly Stage[];
  readonly load: number;
}

/** Starts operator `index`: resolves its ready line, then (after `go`) its result line. */
function operator(file: string, dir: string, profileDir: string | undefined) {
  const args = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), OPERATOR, file, dir];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout });
  const next: ((line: string) => void)[] = [];
  const queued: string[] = [];
  lines.on('line', (line) => (next.length > 0 ? next.shift()!(line) : queued.push(line)));
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`operator ${dir} exited with ${code}: ${stderr.trim()}`))));
  const line = (): Promise<string> => Promise.race([queued.length > 0 ? Promise.resolve(queued.shift()!) : new Promise<string>((resolve) => next.push(resolve)), exited]);
  return {
    ready: async () => JSON.parse(await line()) as Ready,
    go: async () => {
      child.stdin.write('go\n');
      return JSON.parse(await line()) as Done;
    },
    kill: () => child.kill(),
  };
}

export async function ceremony(n: number): Promise<CeremonyFigures> {
  const root = await mkdtemp(join(tmpdir(), 'dst-dkg-bench-'));
  const running: ReturnType<typeof operator>[] = [];
  try {
    const operators = [];
    for (let i = 0; i < n; i++) {
      const dir = join(root, `op-${i + 1}`);
      const key = await generateIdentityKey();
      await mkdir(dir);
      await writeIdentityKey(join(dir, IDENTITY_KEY_FILE), key);
      operators.push({ dir, peerId: peerIdOf(key), addresses: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
    }
    const definition = createDefinition({ chainId: 901n, blockTimeMs: 1000, threshold: quorumSize(n), operators: operators.map(({ peerId, addresses }) => ({ peerId, addresses })) });
    const file = join(root, 'definition.json');
    await writeFile(file, formatDefinition(definition));
    const profileDir = process.env.DST_DKG_BENCH_PROFILE;
    for (const [i, o] of operators.entries()) running.push(operator(file, o.dir, i === 0 ? profileDir : undefined));
    const ready = await Promise.all(running.map((r) => r.ready()));
    const load = loadavg()[0]!;
    const started = performance.now();
    const lines = await Promise.all(running.map((r) => r.go()));
    const wallMs = performance.now() - started;
    for (const line of lines) if (line.qualified !== n) throw new Error(`n = ${n}: ${line.qualified} dealers qualified, expected all ${n}`);
    const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
    const stages = lines[0]!.stages.map((s, k) => ({ stage: s.stage, cpuMs: mean(lines.map((l) => l.stages[k]!.cpuMs)), wallMs: mean(lines.map((l) => l.stages[k]!.wallMs)) }));
    return { wallMs, cpuMeanMs: mean(lines.map((l) => l.cpuMs)), cpuMaxMs: Math.max(...lines.map((l) => l.cpuMs)), loadCpuMeanMs: mean(ready.map((r) => r.loadCpuMs)), stages, load };
  } finally {
    for (const r of running) r.kill();
    if (process.env.DST_DKG_BENCH_KEEP) console.log(`      (kept ${root})`);
    else await rm(root, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cluster', 'index.js'))) throw new Error('dkg.bench: the operators run the compiled code: run `npm run build:ts` first');
  const sizes = (process.env.DST_DKG_BENCH_SIZES ?? '4,7,16,32').split(',').map(Number);
  console.log('DKG ceremony on loopback, one process per operator, all started together once loaded (wall: start to the slowest operator\'s end, connecting and 1 s linger included)');
  for (const n of sizes) {
    const f = await ceremony(n);
    const target = n === 16 ? `  (target < 10 s: ${f.wallMs < 10_000 ? 'met' : 'NOT met'})` : '';
    const s = (ms: number): string => (ms / 1000).toFixed(2);
    console.log(`  n = ${String(n).padStart(2)}, t = ${String(quorumSize(n)).padStart(2)}: wall ${s(f.wallMs)} s, CPU per operator mean ${s(f.cpuMeanMs)} s, max ${s(f.cpuMaxMs)} s; loading one operator ${s(f.loadCpuMeanMs)} s CPU; load ${f.load.toFixed(1)}${target}`);
    console.log(`      per stage (mean CPU / wall s): ${f.stages.map((st) => `${st.stage} ${s(st.cpuMs)}/${s(st.wallMs)}`).join(', ')}`);
  }
}
