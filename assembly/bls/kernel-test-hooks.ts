/**
 * Test hooks: the generated add/sub/double/conj kernels of montgomery.ts and fpInv on a fixed region, so
 * that test/wasm/fp-addsub.test.ts and fp-inverse.test.ts can check them on edge values (limbs of 0
 * or 2^30 − 1, p, 4p − 1, 4p) in both builds. The curve and pairing code reach these kernels only
 * with the values their formulas happen to produce. Not used by any other call.
 */
import { fp2Add, fp2Conj, fp2Double, fp2Sub, fpAdd, fpDouble, fpSub } from './montgomery';
import { fpInv } from './fp';

/** a ‖ b ‖ out, 128 bytes each (an Fp2 element is 104). */
const REGION: usize = memory.data(384, 16);

export function fpTestKernelsOffset(): usize {
  return REGION;
}

/** Runs kernel `op` (0 fpAdd, 1 fpSub, 2 fpDouble, 3 fp2Add, 4 fp2Sub, 5 fp2Double, 6 fp2Conj, 7 fpInv) on pointers into the region. */
export function fpTestKernel(op: i32, out: usize, a: usize, b: usize): void {
  if (op == 0) fpAdd(out, a, b);
  else if (op == 1) fpSub(out, a, b);
  else if (op == 2) fpDouble(out, a);
  else if (op == 3) fp2Add(out, a, b);
  else if (op == 4) fp2Sub(out, a, b);
  else if (op == 5) fp2Double(out, a);
  else if (op == 6) fp2Conj(out, a);
  else fpInv(out, a);
}
