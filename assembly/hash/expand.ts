/**
 * expand_message_xmd over SHA-256 (RFC 9380 §5.3.1) and hash_to_field into Fp2 (RFC 9380 §5.2) for
 * the suite BLS12381G2_XMD:SHA-256_SSWU_RO_ (L = 64, m = 2, count = 2: len_in_bytes = 256).
 *
 * b_0 = H(Z_pad ‖ msg ‖ I2OSP(len_in_bytes, 2) ‖ I2OSP(0, 1) ‖ DST_prime): Z_pad is one all-zero
 * block, so b_0 starts from a generated constant state (SHA256_ZPAD_STATE) instead of compressing
 * it; the message may be absorbed in pieces (expandMessageXmdStart, sha256Update, …Finish), which is
 * how a streamed message is hashed to the curve. b_i = H(strxor(b_0, b_(i−1)) ‖ I2OSP(i, 1) ‖ DST_prime).
 *
 * hash_to_field reduces each 64-byte big-endian chunk e = hi·2^256 + lo modulo p with two Montgomery
 * products: hi·(2^256·R^2) and lo·R^2 give hi·2^256·R and lo·R, whose sum is e in Montgomery form
 * (both halves are below 2^256 < p, so they are valid multiplicands as they stand).
 *
 * Contracts: DST is 1..255 bytes (the oversize rule of RFC 9380 §5.3.3 is the caller's), len_in_bytes
 * is 1..EXPAND_MAX_BYTES. Nothing is checked here.
 */
import { fpAdd, fpMul } from '../bls/fp';
import { FP2_BYTES, fp2Join } from '../bls/fp2';
import { FP_LIMBS, LIMB_MASK, R2_MONT } from '../bls/params';
import { H2F_HI_FACTOR, SHA256_ZPAD_STATE } from './constants';
import { SHA256_CONTEXT_BYTES, sha256Final, sha256InitFrom, sha256Unsafe, sha256Update } from './sha256';

/** Longest DST used as it is (longer ones are first hashed, RFC 9380 §5.3.3). */
export const DST_MAX_BYTES: i32 = 255;
/** Most output bytes of expand_message_xmd: ell = ceil(len / 32) ≤ 255. */
export const EXPAND_MAX_BYTES: i32 = 255 * 32;
/** Output of expand_message_xmd that hash_to_field needs for two Fp2 elements: 2 · 2 · 64. */
export const H2F_UNIFORM_BYTES: i32 = 256;

/** I2OSP(len_in_bytes, 2) ‖ I2OSP(0, 1) ‖ DST ‖ I2OSP(len(DST), 1). */
const B0_TAIL: usize = memory.data(4 + DST_MAX_BYTES, 16);
/** strxor(b_0, b_(i−1)) ‖ I2OSP(i, 1) ‖ DST_prime. */
const BI_INPUT: usize = memory.data(34 + DST_MAX_BYTES, 16);
const B0: usize = memory.data(32, 16);
const BI: usize = memory.data(32, 16);
const CONTEXT: usize = memory.data(SHA256_CONTEXT_BYTES, 16);
const HI: usize = memory.data(FP_LIMBS * 4, 16);
const LO: usize = memory.data(FP_LIMBS * 4, 16);
const C0: usize = memory.data(FP_LIMBS * 4, 16);
const C1: usize = memory.data(FP_LIMBS * 4, 16);

/** Starts b_0 in `ctx` (a SHA-256 context): Z_pad absorbed; the message follows by sha256Update. */
export function expandMessageXmdStart(ctx: usize): void {
  sha256InitFrom(ctx, SHA256_ZPAD_STATE, 64);
}

/** Finishes b_0 (message already absorbed into ctx) and writes `lenInBytes` uniform bytes to out. */
export function expandMessageXmdFinish(out: usize, lenInBytes: i32, ctx: usize, dst: usize, dstLength: i32): void {
  store<u8>(B0_TAIL, <u8>(lenInBytes >> 8));
  store<u8>(B0_TAIL + 1, <u8>lenInBytes);
  store<u8>(B0_TAIL + 2, 0);
  memory.copy(B0_TAIL + 3, dst, <usize>dstLength);
  store<u8>(B0_TAIL + 3 + <usize>dstLength, <u8>dstLength);
  sha256Update(ctx, B0_TAIL, dstLength + 4);
  sha256Final(ctx, B0);

  memory.copy(BI_INPUT, B0, 32);
  memory.copy(BI_INPUT + 33, dst, <usize>dstLength);
  store<u8>(BI_INPUT + 33 + <usize>dstLength, <u8>dstLength);
  const ell = (lenInBytes + 31) >> 5;
  for (let i = 1; i <= ell; i++) {
    if (i > 1) {
      for (let k: usize = 0; k < 32; k += 8) store<u64>(BI_INPUT + k, load<u64>(B0 + k) ^ load<u64>(BI + k));
    }
    store<u8>(BI_INPUT + 32, <u8>i);
    sha256Unsafe(BI, BI_INPUT, 34 + dstLength);
    const at = (i - 1) << 5;
    memory.copy(out + <usize>at, BI, <usize>min(32, lenInBytes - at));
  }
}

/** out = expand_message_xmd(msg, DST, lenInBytes). */
export function expandMessageXmdUnsafe(out: usize, lenInBytes: i32, message: usize, messageLength: i32, dst: usize, dstLength: i32): void {
  expandMessageXmdStart(CONTEXT);
  sha256Update(CONTEXT, message, messageLength);
  expandMessageXmdFinish(out, lenInBytes, CONTEXT, dst, dstLength);
}

/** 32 big-endian bytes as 13 plain (non-Montgomery) 30-bit limbs. */
function loadBe256(out: usize, bytes: usize): void {
  let acc: u64 = 0;
  let bits: u32 = 0;
  let limb: usize = 0;
  for (let k = 31; k >= 0; k--) {
    acc |= <u64>load<u8>(bytes + <usize>k) << bits;
    bits += 8;
    if (bits >= 30) {
      store<u32>(out + (limb << 2), <u32>(acc & LIMB_MASK));
      limb++;
      acc >>= 30;
      bits -= 30;
    }
  }
  store<u32>(out + (limb << 2), <u32>acc);
  for (limb++; limb < <usize>FP_LIMBS; limb++) store<u32>(out + (limb << 2), 0);
}

/** out (Fp, Montgomery) = OS2IP(64 bytes at `bytes`) mod p. */
function fpFromUniform(out: usize, bytes: usize): void {
  loadBe256(HI, bytes);
  loadBe256(LO, bytes + 32);
  fpMul(HI, HI, H2F_HI_FACTOR);
  fpMul(LO, LO, R2_MONT);
  fpAdd(out, HI, LO);
}

/** out (Fp2) = the element hash_to_field reads from 128 uniform bytes: c0 from the first 64, c1 from the next. */
export function fp2FromUniform(out: usize, bytes: usize): void {
  fpFromUniform(C0, bytes);
  fpFromUniform(C1, bytes + 64);
  fp2Join(out, C0, C1);
}

/** u0 ‖ u1 (two Fp2 elements, 2 · 104 bytes at out) = hash_to_field(msg, 2) from its 256 uniform bytes. */
export function hashToFieldFp2x2(out: usize, uniform: usize): void {
  fp2FromUniform(out, uniform);
  fp2FromUniform(out + <usize>FP2_BYTES, uniform + 128);
}
