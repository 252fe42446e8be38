/**
 * Loading the DST WebAssembly core (built from `assembly/` by AssemblyScript) and the memory contract
 * every wrapper in `src/wasm/` follows.
 *
 * The module is compiled and instantiated synchronously, once per build variant, the first time it is
 * asked for: `import { keccak256 } from 'dst-sequencer/wasm'` is usable on the next line. Node has no size limit
 * on synchronous compilation, and the module is small.
 *
 * Build variants (asconfig.json):
 * - `release`: `-O3 --noAssert`, what the node and the verifier use;
 * - `debug`: assertions and bounds checks on, used by the test suite, which runs the same tests
 *   against both variants (the as-sha256 habit).
 *
 * ## Memory contract (docs/architecture.md §2)
 * - Every buffer the core reads or writes is a fixed region of linear memory laid down at compile time
 *   (`memory.data` in AssemblyScript), its offset and capacity exported as functions.
 * - The TS side takes `Uint8Array` views of those regions (views are re-created only if memory grows,
 *   which it never does in normal operation: the core has no allocator — runtime `stub` — and never
 *   calls `memory.grow`).
 * - A call copies inputs into the input region, runs, and copies results out of the output region.
 *   Whole batches cross the boundary in one call.
 * - Inputs larger than a region are processed in chunks by the wrapper or rejected with an error that
 *   says what the limit is; never a trap and never a silently truncated result.
 * - Core functions report failure by returning a negative status code; the wrapper turns it into an
 *   Error with a message. The core never throws across the boundary except through `abort`, which only
 *   the debug build reaches on a failed assertion (a bug, not bad input).
 */
import { readFileSync } from 'node:fs';

/**
 * The parts of the WebAssembly JS API used here. Node has the global at run time, but TypeScript
 * declares it only in the DOM library, which a Node project should not pull in.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  Module: new (binary: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export type WasmVariant = 'release' | 'debug';

/** The raw exports of the core: functions taking and returning numbers, plus the memory. */
export interface WasmCore {
  readonly variant: WasmVariant;
  readonly memory: WasmMemory;
  readonly exports: Record<string, (...args: number[]) => number>;
  /** A byte view of the whole linear memory, valid until memory grows. */
  bytes(): Uint8Array;
  /** A byte view of `length` bytes at `offset`. */
  view(offset: number, length: number): Uint8Array;
}

const cores = new Map<WasmVariant, WasmCore>();

/** Path of the compiled module of one variant; `src/wasm` and `dist/wasm` are both two levels down. */
export function wasmFileUrl(variant: WasmVariant): URL {
  return new URL(`../../build/dst.${variant}.wasm`, import.meta.url);
}

/** The core of one build variant, compiled and instantiated on first use, then shared. */
export function loadWasmCore(variant: WasmVariant = 'release'): WasmCore {
  let core = cores.get(variant);
  if (core === undefined) {
    core = instantiate(variant);
    cores.set(variant, core);
  }
  return core;
}

function instantiate(variant: WasmVariant): WasmCore {
  const url = wasmFileUrl(variant);
  let binary: Uint8Array;
  try {
    binary = readFileSync(url);
  } catch (cause) {
    throw new Error(
      `dst-sequencer/wasm: cannot read the ${variant} WebAssembly core at ${url.pathname}; ` +
        'run `npm run build:wasm` (npm install runs it through `prepare`)',
      { cause },
    );
  }
  let memory: WasmMemory | undefined;
  const imports = {
    env: {
      abort(messagePtr: number, filePtr: number, line: number, column: number): never {
        const text = (ptr: number) => (memory === undefined ? '?' : readAsString(memory, ptr));
        throw new Error(
          `dst-sequencer/wasm ${variant} core aborted: ${text(messagePtr)} at ${text(filePtr)}:${line}:${column}`,
        );
      },
    },
  };
  const instance = new Instance(new Module(binary), imports);
  memory = instance.exports.memory as WasmMemory;
  const mem = memory;
  let cachedBytes = new Uint8Array(mem.buffer);
  const bytes = (): Uint8Array => {
    if (cachedBytes.buffer !== mem.buffer) cachedBytes = new Uint8Array(mem.buffer);
    return cachedBytes;
  };
  return {
    variant,
    memory: mem,
    exports: instance.exports as unknown as WasmCore['exports'],
    bytes,
    view: (offset, length) => bytes().subarray(offset, offset + length),
  };
}

/** Reads an AssemblyScript string (UTF-16, byte length stored just before it); 0 means none. */
function readAsString(memory: WasmMemory, ptr: number): string {
  if (ptr === 0) return '(none)';
  const byteLength = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, byteLength >>> 1));
}

/** Looks up a core export by name, failing clearly if the build does not have it. */
export function coreFunction(core: WasmCore, name: string): (...args: number[]) => number {
  const fn = core.exports[name];
  if (typeof fn !== 'function') {
    throw new Error(`dst-sequencer/wasm: the ${core.variant} core has no export "${name}"; rebuild with npm run build:wasm`);
  }
  return fn;
}
