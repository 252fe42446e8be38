/**
 * How a node process (`dst run`) is best started, for its memory (issue 16: ≤ 110 MiB RSS at light load).
 *
 * Measured with `npm run bench -- footprint` (4 nodes, 4 blocks/s, 20 tx/s, 40 s; RSS at the end):
 * - V8's young generation grows to 16 MiB per semi-space by default, and a node's allocation rate
 *   makes it grow all the way: 146 MiB. Capped at 4 MiB (`--max-semi-space-size=4`): 125 MiB, CPU per
 *   block unchanged within the noise (at 2 MiB: 123 MiB). The flag reaches the crypto worker thread too
 *   (V8 flags are per process).
 * - glibc gives each of the process's ~12 threads (V8's platform workers, libuv's pool, the crypto
 *   worker, blst's) its own malloc arena, each keeping freed memory: `MALLOC_ARENA_MAX=2` takes 5 MiB
 *   more off (120 MiB).
 * - Tried and left out (2026-12-04): smaller heaps cost CPU under load. At light load (the footprint,
 *   60 s runs alternated) `--max-semi-space-size=2` takes 3–5 MiB more off and `--optimize-for-size`
 *   another ~10 MiB (101–103 MiB; ten minutes: 113–115 against 125–128) at the same CPU per block. But
 *   in `npm run bench -- cluster` (two runs each, alternated) CPU per transaction under full load is
 *   1,030–1,130 µs at 4 MiB, 1,210–1,390 at 2 MiB, 1,580–2,080 with `--optimize-for-size` (either size),
 *   and the light run's blocks per second 32 / 24 / 13–26: throughput is worth more than 12 MiB.
 * Both must be set before the process starts (V8 sizes its heap at start-up, glibc reads the variable
 * before the first allocation), so they are not options of `dst run`: the devnet and the systemd unit
 * (deploy/systemd/dst.service) start nodes with them, and `dst run` started without them says so once.
 * No imports: the devnet's supervisor loads it without the node's modules.
 */

/** Node.js flags a node process runs with. */
export const NODE_PROCESS_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
/** Environment a node process runs with (the variable's value when it is not set already). */
export const NODE_PROCESS_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The flags of `NODE_PROCESS_FLAGS` that `execArgv` and NODE_OPTIONS do not set (by flag name). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string[] {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].map((flag) => flag.split('=')[0]);
  return NODE_PROCESS_FLAGS.filter((flag) => !given.includes(flag.split('=')[0]));
}

/** `env` with `NODE_PROCESS_ENVIRONMENT`'s variables added where it does not set them. */
export function nodeProcessEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result = { ...env };
  for (const [name, value] of Object.entries(NODE_PROCESS_ENVIRONMENT)) result[name] ??= value;
  return result;
}

/** What a node started without the recommended flags or environment lacks, as environment settings for one log line; undefined when nothing. */
export function untunedRuntime(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const flags = missingNodeFlags(execArgv, env);
  const missing = [...(flags.length === 0 ? [] : [`NODE_OPTIONS=${flags.join(' ')}`]), ...Object.entries(NODE_PROCESS_ENVIRONMENT).filter(([name]) => env[name] === undefined).map(([name, value]) => `${name}=${value}`)];
  return missing.length === 0 ? undefined : missing.join(' ');
}
