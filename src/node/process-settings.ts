/**
 * How a node process (`dst run`) is best started, for its memory (issue 16: ≤ 110 MiB RSS at light load).
 *
 * Measured with `npm run bench -- footprint` (4 nodes, 4 blocks/s, 20 tx/s; RSS at the end):
 * - V8's young generation grows to 16 MiB per semi-space by default, and a node's allocation rate
 *   makes it grow all the way: 146 MiB (40 s). Capped at 4 MiB (`--max-semi-space-size=4`): 125 MiB,
 *   CPU per block unchanged within the noise. The flags reach the crypto worker thread too (V8 flags
 *   are per process).
 * - glibc gives each of the process's ~12 threads (V8's platform workers, libuv's pool, the crypto
 *   worker, blst's) its own malloc arena, each keeping freed memory: `MALLOC_ARENA_MAX=2` takes 5 MiB
 *   more off (120 MiB).
 * - 2026-12-04, 60 s runs alternated: at 4 MiB 111.8–119.1 MiB (two runs), at 2 MiB 110.7–114.7, at
 *   1 MiB 107.3–109.9 but ~7 % more CPU per block; `--optimize-for-size` with 2 MiB (V8 grows its old
 *   generation less eagerly and keeps less for speed) 101.1–103.2 MiB, CPU per block within the noise
 *   (19.05–19.45 ms against 18.9–19.35 in the next run without it); 10 minutes: see README "Footprint".
 * All must be set before the process starts (V8 sizes its heap at start-up, glibc reads the variable
 * before the first allocation), so they are not options of `dst run`, and `--optimize-for-size` is not
 * one NODE_OPTIONS accepts: the flags go on node's command line. The devnet and the systemd unit
 * (deploy/systemd/dst.service) start nodes with them, and `dst run` started without them says how to.
 * No imports: the devnet's supervisor loads it without the node's modules.
 */

/** Node.js flags a node process runs with. */
export const NODE_PROCESS_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--optimize-for-size'];
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

/**
 * What a node started without the recommended flags or environment lacks (`missing`: flags, then
 * variables) and the command that starts it with them (`command`: the variables, `node`, the flags and
 * `script`, to which the caller appends the subcommand); undefined when it lacks nothing.
 */
export function untunedRuntime(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
  script: string = process.argv[1] ?? 'dist/cli/main.js',
): { missing: string; command: string } | undefined {
  const flags = missingNodeFlags(execArgv, env);
  const variables = Object.entries(NODE_PROCESS_ENVIRONMENT).filter(([name]) => env[name] === undefined).map(([name, value]) => `${name}=${value}`);
  if (flags.length === 0 && variables.length === 0) return undefined;
  const allVariables = Object.entries(NODE_PROCESS_ENVIRONMENT).map(([name, value]) => `${name}=${value}`);
  return { missing: [...flags, ...variables].join(' '), command: [...allVariables, 'node', ...NODE_PROCESS_FLAGS, script].join(' ') };
}
