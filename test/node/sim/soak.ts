/**
 * `npm run soak:node [-- COUNT [FIRST]]`: the whole-node simulator (./simulator.ts) over many seeds
 * (default 20,000 from seed 1), printing progress and every failure with its replay command.
 * `NODE_SIM_SEED=<seed>` replays one seed; with `NODE_SIM_TRACE=1` every node's debug log is printed.
 */
import { pino } from 'pino';
import { describeScenario, makeFixtures, randomScenario, runSeed } from './scenario.js';
import { simulate } from './simulator.js';

const fixtures = await makeFixtures();
const single = process.env.NODE_SIM_SEED;
if (single !== undefined) {
  const seed = Number(single);
  const scenario = randomScenario(seed);
  console.log(`seed ${seed}: ${describeScenario(scenario)}`);
  const log = process.env.NODE_SIM_TRACE ? pino({ level: 'debug' }) : undefined;
  const result = await simulate(scenario, fixtures, log);
  console.log(result.violations.length === 0 ? 'no violations' : result.violations.join('\n'));
  console.log(`blocks ${result.blocks}, acknowledged ${result.acknowledged}, virtual ${result.virtualMs} ms, messages ${result.delivered}`);
  process.exit(result.violations.length === 0 ? 0 : 1);
}
const count = Number(process.argv[2] ?? 20_000);
const first = Number(process.argv[3] ?? 1);
let failures = 0;
const started = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const { failure } = await runSeed(seed, fixtures);
  if (failure) {
    failures++;
    console.log(failure.text);
  }
  if ((seed - first + 1) % 500 === 0) console.log(`${seed - first + 1} seeds, ${failures} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(`${count} seeds from ${first}: ${failures} failing`);
process.exit(failures === 0 ? 0 : 1);
