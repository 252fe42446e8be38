/**
 * Lagrange coefficients at x = 0 for t = 3, 7, 10, 100 consecutive share indices: the WebAssembly core
 * (one call, batch inversion) against a plain BigInt implementation (one modular inversion per
 * coefficient, test/helpers/fr-reference.ts).
 */
import { compare } from './harness.js';
import { lagrangeCoefficients } from '../src/wasm/index.js';
import { lagrangeAtZeroReference } from '../test/helpers/fr-reference.js';

export function run(): void {
  for (const t of [3, 7, 10, 100]) {
    // A realistic subset: every other share of a 2t-node cluster, not simply 1..t.
    const indices = Array.from({ length: t }, (_, i) => 2 * i + 1);
    compare({
      title: `Lagrange coefficients at x = 0, t = ${t}`,
      subject: { name: 'dst wasm', fn: () => lagrangeCoefficients(indices) },
      peers: [{ name: 'plain BigInt', fn: () => lagrangeAtZeroReference(indices) }],
    });
  }
}
