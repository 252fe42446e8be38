/**
 * One operator of the DKG benchmark (./dkg.bench.ts), run as its own process:
 * `tsx bench/dkg-operator.ts DEFINITION DIR` runs the DKG (src/cluster/dkg/, GJKR 1999 joint-Feldman)
 * over libp2p without writing the node directory (the keystore's PBKDF2 is not the ceremony) and prints
 * one JSON line: wall time from the start of the ceremony (connecting included) and the CPU time this
 * process spent in it.
 */
import { readFile } from 'node:fs/promises';
import { parseDefinition, runDkgCeremony } from '../src/cluster/index.js';

const [file, dir] = process.argv.slice(2);
const definition = parseDefinition(await readFile(file!, 'utf8'), file!);
const cpu = process.cpuUsage();
const started = performance.now();
const result = await runDkgCeremony(definition, { dir: dir!, write: false, timeoutMs: 300_000, phaseTimeoutMs: 60_000 });
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ index: result.index, wallMs, cpuMs: (used.user + used.system) / 1000, qualified: result.outcome.qualified.length })}\n`);
process.exit(0);
