/**
 * Loading the DST WebAssembly core (built from `assembly/` by AssemblyScript) and the memory contract
 * every wrapper in `src/wasm/` follows.
 *
 * The module is compiled and instantiated once per build variant, the first time a function needs it.
 * In Node it is read from `build/` and compiled synchronously: `import { keccak256 } from 'dst-sequencer/wasm'`
 * is usable on the next line (Node has no size limit on synchronous compilation). Elsewhere — a
 * browser, an edge worker — there is no file system: `await initWasm(source)` compiles the release core
 * from its bytes or a `fetch` of `build/dst.release.wasm` before the first call. Nothing here imports a
 * Node built-in (Node's `fs` is reached through `process.getBuiltinModule` when it exists), so the
 * module bundles for the browser as it is. The top-level functions of every wrapper are bound lazily
 * (`releaseApi`), so importing them does not load anything.
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
  compile(binary: Uint8Array): Promise<object>;
  compileStreaming?(source: unknown): Promise<object>;
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Node's `fs.readFileSync`, when this runs in Node (20.16+, 22, 24); undefined in a browser. */
function nodeReadFileSync(): ((url: URL) => Uint8Array) | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as { readFileSync(url: URL): Uint8Array } | undefined;
  return fs?.readFileSync;
}

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

/**
 * Compiles the release core from its bytes, a `Response` or a promise of one (`fetch(url)`), for
 * places with no file system (a browser, an edge worker); in Node it is optional. Resolves once the
 * core is ready; later calls return the core already loaded.
 */
export async function initWasm(source: Uint8Array | ArrayBuffer | Response | PromiseLike<Response>): Promise<void> {
  if (cores.has('release')) return;
  const awaited = await source;
  let module: object;
  if (awaited instanceof Uint8Array || awaited instanceof ArrayBuffer) {
    module = await webAssembly.compile(awaited instanceof Uint8Array ? awaited : new Uint8Array(awaited));
  } else if (typeof webAssembly.compileStreaming === 'function' && awaited.headers?.get('content-type') === 'application/wasm') {
    module = await webAssembly.compileStreaming(awaited);
  } else {
    module = await webAssembly.compile(new Uint8Array(await awaited.arrayBuffer()));
  }
  if (!cores.has('release')) cores.set('release', instantiate('release', module));
}

function readBinary(variant: WasmVariant): Uint8Array {
  const url = wasmFileUrl(variant);
  const readFileSync = nodeReadFileSync();
  if (readFileSync === undefined) {
    throw new Error(
      `dst-sequencer/wasm: the ${variant} WebAssembly core is not loaded, and there is no file system to read it from here; ` +
        'call `await initWasm(fetch(URL of build/dst.release.wasm))` first',
    );
  }
  try {
    return readFileSync(url);
  } catch (cause) {
    throw new Error(
      `dst-sequencer/wasm: cannot read the ${variant} WebAssembly core at ${url.pathname}; ` +
        'run `npm run build:wasm` (npm install runs it through `prepare`)',
      { cause },
    );
  }
}

function instantiate(variant: WasmVariant, module: object = new Module(readBinary(variant))): WasmCore {
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
  const instance = new Instance(module, imports);
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

/**
 * The functions of a wrapper (`keccakApi`, `verifyApi`, …) over the release core, each bound on its
 * first call: the core is loaded then (or taken from `initWasm`), not when the module is imported.
 * Destructure the result: `export const { keccak256 } = releaseApi(keccakApi)`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function releaseApi<Api extends Record<string, (...args: any[]) => any>>(factory: (core: WasmCore) => Api): Api {
  let api: Api | undefined;
  const bound = () => (api ??= factory(loadWasmCore('release')));
  return new Proxy({} as Api, {
    get: (_target, name) => (...args: unknown[]) => bound()[name as keyof Api]!(...args),
  });
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
