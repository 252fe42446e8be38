/**
 * `npm run build:browser`: bundles dst-sequencer/verifier (src/verifier/index.ts) for browsers with esbuild —
 * one ES module, no Node built-ins (the native blst backend and the `ws` fallback are imported by
 * computed specifiers, so they stay out and the WebAssembly backend is used) — and copies the release
 * WebAssembly core next to it. Writes dst-verifier.js and dst.release.wasm into this folder (or the
 * folder given as the first argument), which then serves as a static site.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = resolve(process.argv[2] ?? here);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src/verifier/index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: join(out, 'dst-verifier.js'),
  logLevel: 'warning',
});
copyFileSync(join(root, 'build/dst.release.wasm'), join(out, 'dst.release.wasm'));
console.log(`wrote ${join(out, 'dst-verifier.js')} and ${join(out, 'dst.release.wasm')}`);
