/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, `.cpuprofile` JSON) of a node into the stages issue 16
 * asks the CPU of a node to be split into:
 *
 *   consensus messages (encode, sign, verify) · libp2p / noise / yamux · BLS · secp256k1 · LMDB ·
 *   JSON-RPC · GC · and the rest: node logic, logging, the Node.js runtime (timers, events, streams),
 *   native code outside JavaScript ("(program)").
 *
 * How a sample is attributed. Each sample's time (its `timeDeltas` entry) goes to the stage of the
 * innermost frame of its stack that names one: the sample's own frame first, then its callers. Frames
 * of the Node.js runtime (`node:` URLs) and of libraries shared by several stages (msgpackr, native
 * bindings with no URL, …) name no stage, so a socket `writev` called from yamux counts as libp2p,
 * an `Ed25519 verify` in node:crypto called from the consensus codec as consensus messages, and a native
 * blst call from src/crypto as BLS. A stack that names no stage at all is "Node.js runtime" (timer and
 * event-emitter dispatch, stream plumbing) — except the V8 pseudo-frames: "(garbage collector)" is GC,
 * "(program)" is native code V8 could not attribute, "(idle)" is not CPU and is left out.
 *
 * `summariseProfiles(files)` returns the milliseconds per stage (and the top self-time functions);
 * run on its own it prints them:
 *
 *   tsx bench/profile-buckets.ts <file.cpuprofile | directory>... [--top N]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The stages, in the order they are printed. */
export const STAGES = [
  'consensus messages (encode, sign, verify)',
  'libp2p / noise / yamux',
  'BLS',
  'secp256k1',
  'LMDB',
  'JSON-RPC',
  'GC',
  'node logic (src/node, src/chain, src/consensus machine)',
  'logging (pino)',
  'worker pool dispatch (piscina)',
  'Node.js runtime (timers, events, streams)',
  'native, unattributed ("(program)")',
] as const;
export type Stage = (typeof STAGES)[number];

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** URL fragments (of a frame's script) → stage; the first that matches wins. */
const URL_STAGES: ReadonlyArray<readonly [string, Stage]> = [
  ['/src/p2p/consensus-codec', 'consensus messages (encode, sign, verify)'],
  ['/src/p2p/ed25519', 'consensus messages (encode, sign, verify)'],
  ['/src/node/wire', 'consensus messages (encode, sign, verify)'],
  ['/src/p2p/protocols/consensus', 'consensus messages (encode, sign, verify)'],
  ['/src/p2p/', 'libp2p / noise / yamux'],
  ['/node_modules/libp2p/', 'libp2p / noise / yamux'],
  ['/node_modules/@libp2p/', 'libp2p / noise / yamux'],
  ['/node_modules/@chainsafe/libp2p-', 'libp2p / noise / yamux'],
  ['/node_modules/@chainsafe/as-chacha20poly1305', 'libp2p / noise / yamux'],
  ['/node_modules/@chainsafe/as-sha256', 'libp2p / noise / yamux'],
  ['/node_modules/@noble/ciphers', 'libp2p / noise / yamux'],
  ['/node_modules/@multiformats/', 'libp2p / noise / yamux'],
  ['/node_modules/multiformats/', 'libp2p / noise / yamux'],
  ['/node_modules/it-', 'libp2p / noise / yamux'],
  ['/node_modules/uint8arraylist', 'libp2p / noise / yamux'],
  ['/node_modules/uint8-varint', 'libp2p / noise / yamux'],
  ['/node_modules/uint8arrays', 'libp2p / noise / yamux'],
  ['/node_modules/race-signal', 'libp2p / noise / yamux'],
  ['/node_modules/race-event', 'libp2p / noise / yamux'],
  ['/node_modules/p-queue', 'libp2p / noise / yamux'],
  ['/node_modules/main-event', 'libp2p / noise / yamux'],
  ['/node_modules/progress-events', 'libp2p / noise / yamux'],
  ['/node_modules/any-signal', 'libp2p / noise / yamux'],
  ['/node_modules/@chainsafe/blst', 'BLS'],
  ['/src/crypto/threshold', 'BLS'],
  ['/src/crypto/optimistic', 'BLS'],
  ['/src/crypto/signing-root', 'BLS'],
  ['/src/node/aggregator', 'BLS'],
  ['/src/wasm/curve', 'BLS'],
  ['/src/wasm/fr', 'BLS'],
  ['/src/wasm/points', 'BLS'],
  ['/src/wasm/pairing', 'BLS'],
  ['/src/wasm/verify', 'BLS'],
  ['/src/wasm/hash-to-curve', 'BLS'],
  ['/node_modules/secp256k1', 'secp256k1'],
  ['/src/crypto/secp256k1', 'secp256k1'],
  ['/node_modules/lmdb/', 'LMDB'],
  ['/node_modules/ordered-binary', 'LMDB'],
  ['/node_modules/weak-lru-cache', 'LMDB'],
  ['/src/node/store', 'LMDB'],
  ['/src/api/', 'JSON-RPC'],
  ['/node_modules/ws/', 'JSON-RPC'],
  ['/node_modules/prom-client', 'JSON-RPC'],
  ['node:_http_', 'JSON-RPC'],
  ['/node_modules/piscina', 'worker pool dispatch (piscina)'],
  ['/node_modules/pino', 'logging (pino)'],
  ['/node_modules/sonic-boom', 'logging (pino)'],
  ['/node_modules/thread-stream', 'logging (pino)'],
  ['/node_modules/fast-', 'logging (pino)'],
  ['/src/node/', 'node logic (src/node, src/chain, src/consensus machine)'],
  ['/src/chain/', 'node logic (src/node, src/chain, src/consensus machine)'],
  ['/src/consensus/', 'node logic (src/node, src/chain, src/consensus machine)'],
];

/** The stage a frame names, or undefined when it names none (runtime, shared libraries, native). */
export function frameStage(frame: CallFrame): Stage | undefined {
  if (frame.functionName === '(garbage collector)') return 'GC';
  if (frame.functionName === '(program)') return 'native, unattributed ("(program)")';
  // The built files (dist/<folder>/…) are the sources' (src/<folder>/…).
  const url = frame.url.replace(/\/dist\/(?=[a-z0-9-]+\/)/, '/src/');
  for (const [fragment, stage] of URL_STAGES) if (url.includes(fragment)) return stage;
  return undefined;
}

export interface ProfileSummary {
  /** CPU milliseconds (idle left out) per stage, every stage present. */
  stages: Map<Stage, number>;
  totalMs: number;
  /** Wall time the profiles cover (the longest one), in ms. */
  spanMs: number;
  /** The functions with the most self time: `function (file:line)` → ms, descending. */
  top: Array<{ frame: string; ms: number; stage: Stage }>;
  files: number;
}

const shortUrl = (url: string): string => url.replace(/^file:\/\/.*?\/(node_modules|src|dist|bench)\//, '$1/');

/**
 * A time window on the profiles' clock: microseconds of CLOCK_MONOTONIC, the clock of V8's profiler
 * timestamps and of `process.hrtime` (so any process on the machine can name one: `monotonicMicros()`).
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Now, on the profiles' clock (see `ProfileWindow`). */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Reads the profiles and attributes every sample (see the module docblock); with `window`, only the
 * samples taken inside it.
 */
export function summariseProfiles(files: readonly string[], topCount = 25, window?: ProfileWindow): ProfileSummary {
  const stages = new Map<Stage, number>(STAGES.map((stage) => [stage, 0]));
  const self = new Map<string, { ms: number; stage: Stage }>();
  let totalMs = 0;
  let spanMs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const from = Math.max(profile.startTime, window?.fromUs ?? -Infinity);
    const to = Math.min(profile.endTime, window?.toUs ?? Infinity);
    spanMs = Math.max(spanMs, Math.max(0, to - from) / 1000);
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const stageOf = new Map<number, Stage | null>();
    const resolve = (id: number): Stage | null => {
      const known = stageOf.get(id);
      if (known !== undefined) return known;
      const node = byId.get(id)!;
      const own = frameStage(node.callFrame);
      const up = parent.get(id);
      const stage = own ?? (up === undefined ? null : resolve(up));
      stageOf.set(id, stage);
      return stage;
    };
    let at = profile.startTime;
    profile.samples.forEach((id, k) => {
      const delta = profile.timeDeltas[k] ?? 0;
      at += delta;
      if (at < from || at > to) return;
      const node = byId.get(id)!;
      if (node.callFrame.functionName === '(idle)') return;
      const ms = delta / 1000;
      const stage = resolve(id) ?? 'Node.js runtime (timers, events, streams)';
      stages.set(stage, stages.get(stage)! + ms);
      totalMs += ms;
      const { functionName, url, lineNumber } = node.callFrame;
      const key = `${functionName || '(anonymous)'} (${url ? `${shortUrl(url)}:${lineNumber + 1}` : 'native'})`;
      const entry = self.get(key) ?? { ms: 0, stage };
      entry.ms += ms;
      self.set(key, entry);
    });
  }
  const top = [...self].map(([frame, { ms, stage }]) => ({ frame, ms, stage })).sort((a, b) => b.ms - a.ms).slice(0, topCount);
  return { stages, totalMs, spanMs, top, files: files.length };
}

/** Every `.cpuprofile` under the given files and directories (not recursive). */
export function profileFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(path, f))
      : [path],
  );
}

/**
 * Prints the stage table: ms and share of the profiled CPU, and, given `blocks`, ms per block; then
 * the top self-time functions.
 */
export function printSummary(summary: ProfileSummary, options: { blocks?: number; indent?: string; top?: number; cpuMs?: number } = {}): void {
  const indent = options.indent ?? '  ';
  const perBlock = options.blocks !== undefined && options.blocks > 0 ? options.blocks : undefined;
  // The profiler samples by wall time: on a loaded machine a sample's interval includes time the
  // thread waited for a core, so its ms are scaled to the CPU the process really used, when known.
  const scale = options.cpuMs !== undefined && summary.totalMs > 0 ? options.cpuMs / summary.totalMs : 1;
  console.log(
    `${indent}CPU profile: ${summary.files} file(s), ${(summary.totalMs / 1000).toFixed(2)} s sampled (not idle) over ${(summary.spanMs / 1000).toFixed(1)} s` +
      (scale === 1 ? '' : `; ms scaled to the ${(options.cpuMs! / 1000).toFixed(2)} s of CPU /proc measured`) +
      (perBlock === undefined ? '' : `; ${perBlock} blocks: ${((scale * summary.totalMs) / perBlock).toFixed(2)} ms per block`),
  );
  console.log(`${indent}  ${'stage'.padEnd(58)} ${'ms'.padStart(9)} ${'share'.padStart(7)}${perBlock === undefined ? '' : ' ms/block'.padStart(10)}`);
  for (const stage of STAGES) {
    const ms = scale * summary.stages.get(stage)!;
    const share = summary.totalMs === 0 ? 0 : (100 * summary.stages.get(stage)!) / summary.totalMs;
    console.log(
      `${indent}  ${stage.padEnd(58)} ${ms.toFixed(0).padStart(9)} ${`${share.toFixed(1)} %`.padStart(7)}` +
        (perBlock === undefined ? '' : (ms / perBlock).toFixed(3).padStart(10)),
    );
  }
  const top = summary.top.slice(0, options.top ?? 15);
  if (top.length === 0) return;
  console.log(`${indent}  top self time (sampled ms, not scaled):`);
  for (const { frame, ms, stage } of top) {
    console.log(`${indent}    ${ms.toFixed(0).padStart(7)} ms ${`${((100 * ms) / summary.totalMs).toFixed(1)} %`.padStart(7)}  ${frame}  [${stage}]`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 25 : Number(args[topAt + 1]);
  const paths = args.filter((a, i) => !a.startsWith('--') && (topAt === -1 || i !== topAt + 1));
  if (paths.length === 0) {
    console.error('usage: tsx bench/profile-buckets.ts <file.cpuprofile | directory>... [--top N]');
    process.exit(2);
  }
  const files = profileFiles(paths);
  if (files.length === 0) {
    console.error(`no .cpuprofile in ${paths.join(', ')}`);
    process.exit(1);
  }
  printSummary(summariseProfiles(files, top), { top });
}
