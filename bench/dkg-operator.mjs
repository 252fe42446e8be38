/**
 * One operator of the DKG benchmark (./dkg.bench.ts), run as its own plain-node process on the compiled
 * code (`npm run build:ts` first; under tsx each process would spend ~2 s of CPU transpiling and
 * loading the sources, 32 of them 64 s of the machine's CPU before a ceremony starts):
 * `node bench/dkg-operator.mjs DEFINITION DIR` loads the code and the definition, prints
 * `{"ready":…}` with what loading cost, waits for a line on stdin (the benchmark's start signal, once
 * every operator is loaded), then runs the DKG (src/cluster/dkg/, GJKR 1999 joint-Feldman) over libp2p
 * without writing the node directory (the keystore's PBKDF2/scrypt is not the ceremony) and prints one
 * JSON line: wall time from the start signal, the CPU time this process spent from it, and the CPU and
 * wall time of each stage (connect = the libp2p host's start and the handshakes; then the phases of
 * src/cluster/dkg/run.ts).
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const loadCpu = process.cpuUsage();
const loadStarted = performance.now();
const { parseDefinition, runDkgCeremony } = await import('../dist/cluster/index.js');
const [file, dir] = process.argv.slice(2);
// DST_DKG_BENCH_LOG=LEVEL: this operator's log (pino, JSON) to DIR/ceremony.log, for diagnosis.
const logLevel = process.env.DST_DKG_BENCH_LOG;
const logger = logLevel ? (await import('pino')).default({ level: logLevel }, (await import('pino')).default.destination(`${dir}/ceremony.log`)) : undefined;
const definition = parseDefinition(await readFile(file, 'utf8'), file);
const loadUsed = process.cpuUsage(loadCpu);
process.stdout.write(`${JSON.stringify({ ready: true, loadMs: performance.now() - loadStarted, loadCpuMs: (loadUsed.user + loadUsed.system) / 1000 })}\n`);
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once('line', resolve));
lines.close();

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const cpuStart = cpuMs();
const started = performance.now();
const stages = [];
let current = { stage: 'connect', cpu: cpuStart, at: started };
const onPhase = (phase) => {
  const cpu = cpuMs();
  const at = performance.now();
  stages.push({ stage: current.stage, cpuMs: cpu - current.cpu, wallMs: at - current.at });
  current = { stage: phase, cpu, at };
};
const result = await runDkgCeremony(definition, { dir, write: false, timeoutMs: 300_000, phaseTimeoutMs: 60_000, onPhase, logger });
const wallMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ index: result.index, wallMs, cpuMs: cpuMs() - cpuStart, stages, qualified: result.outcome.qualified.length })}\n`);
process.exit(0);
