/**
 * BLS12-381 in the WebAssembly core (src/wasm/curve.ts) against its peers, in one run:
 * - threshold combine of t = 3, 7, 10 partial signatures (Lagrange coefficients + G2 MSM, bytes in,
 *   bytes out) vs herumi `bls-eth-wasm` `Signature.recover` on the same partials (target: faster) and
 *   vs @noble/curves (target: 10x faster);
 * - one G2 and one G1 scalar multiplication vs `mcl-wasm` and noble;
 * - G1 MSM of 100 and 1,000 points vs noble's Pippenger.
 * Partials come from native blst; every peer's result is checked against ours before timing. The
 * dst figures include decoding and encoding the points (bytes at the boundary); the peers get their
 * points already deserialized, which favours them.
 */
import { SecretKey } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { pippenger } from '@noble/curves/abstract/curve.js';
import bls from 'bls-eth-wasm';
import mcl from 'mcl-wasm';
import { compare } from './harness.js';
import { combineG2, g1Msm, g2Msm, shamirEvaluate, FR_MODULUS } from '../src/wasm/index.js';

const { G1, G2 } = bls12_381;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const toBytes32 = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
const randomScalar = () => BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('hex')) % FR_MODULUS;
const MESSAGE = new TextEncoder().encode('benchmark block');

function check(what: string, ok: boolean): void {
  if (!ok) throw new Error(`curve bench: ${what} disagrees with dst wasm`);
}

export async function run(): Promise<void> {
  await bls.init(bls.BLS12_381);
  // Ethereum's ciphersuite (init's default; the typings omit the setter), so signatures match blst's
  const herumiEth = bls as unknown as { setETHmode(mode: number): void; ETH_MODE_DRAFT_07: number };
  herumiEth.setETHmode(herumiEth.ETH_MODE_DRAFT_07);
  await mcl.init(mcl.BLS12_381);
  mcl.setETHserialization(true); // ZCash point encoding, as noble and blst

  // Every other share of a 2t-node cluster (full-size Lagrange coefficients, the general case), and
  // shares 1..t, whose coefficients are small integers (±binomials): herumi's best case.
  const quorums = [
    { label: 'shares 1, 3, 5, …', indices: (t: number) => Array.from({ length: t }, (_, i) => 2 * i + 1) },
    { label: 'shares 1..t', indices: (t: number) => Array.from({ length: t }, (_, i) => i + 1) },
  ];
  for (const t of [3, 7, 10]) for (const quorum of quorums) {
    const n = 2 * t;
    const coefficients = Array.from({ length: t }, randomScalar);
    const keys = shamirEvaluate(coefficients, n).map((share) => SecretKey.fromBytes(toBytes32(share)));
    const indices = quorum.indices(t);
    const signatures = indices.map((i) => keys[i - 1]!.sign(MESSAGE));
    const partials = signatures.map((s) => s.toBytes(false));
    const expected = SecretKey.fromBytes(toBytes32(coefficients[0]!)).sign(MESSAGE).toBytes(false);
    check('combineG2', hex(combineG2(indices, partials)) === hex(expected));

    const herumiIds = indices.map((i) => {
      const id = new bls.Id();
      id.setInt(i);
      return id;
    });
    const herumiPartials = signatures.map((s) => {
      const sig = new bls.Signature();
      sig.deserialize(s.toBytes(true));
      return sig;
    });
    const herumiResult = new bls.Signature();
    const herumiRecover = () => herumiResult.recover(herumiPartials, herumiIds);
    herumiRecover();
    check('herumi Signature.recover', hex(herumiResult.serialize()) === hex(G2.Point.fromBytes(expected).toBytes(true)));

    const noblePartials = partials.map((p) => G2.Point.fromBytes(p));
    const nobleCombine = () => {
      const lambdas = lagrangeAtZeroBigInt(indices);
      let sum = G2.Point.ZERO;
      noblePartials.forEach((p, i) => (sum = sum.add(p.multiply(lambdas[i]!))));
      return sum.toBytes(false);
    };
    check('noble combine', hex(nobleCombine()) === hex(expected));

    compare({
      title: `combine t = ${t} partial signatures (Lagrange + G2 MSM), ${quorum.label}`,
      subject: { name: 'dst wasm combineG2', fn: () => combineG2(indices, partials) },
      peers: [
        { name: 'herumi bls-eth-wasm', fn: herumiRecover, target: 1 },
        { name: '@noble/curves', fn: nobleCombine, target: 10 },
      ],
    });
  }

  {
    const k = randomScalar();
    const point = G2.Point.BASE.multiply(randomScalar());
    const bytes = [point.toBytes(false)];
    const mclPoint = mcl.deserializeHexStrToG2(point.toHex(true));
    const mclScalar = new mcl.Fr();
    mclScalar.setStr(k.toString(16), 16);
    check('mcl G2 mul', mcl.mul(mclPoint, mclScalar).serializeToHexStr() === point.multiply(k).toHex(true));
    check('g2Msm', hex(g2Msm(bytes, [k])) === hex(point.multiply(k).toBytes(false)));
    compare({
      title: 'one G2 scalar multiplication',
      subject: { name: 'dst wasm g2Msm (n = 1)', fn: () => g2Msm(bytes, [k]) },
      peers: [
        { name: 'mcl-wasm', fn: () => mcl.mul(mclPoint, mclScalar) },
        { name: '@noble/curves', fn: () => point.multiply(k) },
      ],
    });
  }

  {
    const k = randomScalar();
    const point = G1.Point.BASE.multiply(randomScalar());
    const bytes = [point.toBytes(false)];
    const mclPoint = mcl.deserializeHexStrToG1(point.toHex(true));
    const mclScalar = new mcl.Fr();
    mclScalar.setStr(k.toString(16), 16);
    check('mcl G1 mul', mcl.mul(mclPoint, mclScalar).serializeToHexStr() === point.multiply(k).toHex(true));
    check('g1Msm', hex(g1Msm(bytes, [k])) === hex(point.multiply(k).toBytes(false)));
    compare({
      title: 'one G1 scalar multiplication',
      subject: { name: 'dst wasm g1Msm (n = 1)', fn: () => g1Msm(bytes, [k]) },
      peers: [
        { name: 'mcl-wasm', fn: () => mcl.mul(mclPoint, mclScalar) },
        { name: '@noble/curves', fn: () => point.multiply(k) },
      ],
    });
  }

  for (const n of [100, 1000]) {
    const step = G1.Point.BASE.multiply(randomScalar());
    const points = [step];
    for (let i = 1; i < n; i++) points.push(points[i - 1]!.add(step));
    const bytes = points.map((p) => p.toBytes(false));
    const scalars = points.map(randomScalar);
    check(`g1Msm n = ${n}`, hex(g1Msm(bytes, scalars)) === hex(pippenger(G1.Point, points, scalars).toBytes(false)));
    compare({
      title: `G1 MSM, n = ${n}`,
      subject: { name: 'dst wasm g1Msm', fn: () => g1Msm(bytes, scalars) },
      peers: [{ name: '@noble/curves pippenger', fn: () => pippenger(G1.Point, points, scalars) }],
    });
  }
}

/** λ_i at 0 in plain BigInt (noble's side of the comparison does its own field arithmetic). */
function lagrangeAtZeroBigInt(indices: readonly number[]): bigint[] {
  const r = FR_MODULUS;
  const mod = (a: bigint) => ((a % r) + r) % r;
  const inverse = (a: bigint) => {
    let [x, y, u, v] = [mod(a), r, 1n, 0n];
    while (x !== 0n) {
      const q = y / x;
      [x, y, u, v] = [y - q * x, x, v - q * u, u];
    }
    return mod(v);
  };
  return indices.map((i) => {
    let numerator = 1n;
    let denominator = 1n;
    for (const j of indices) {
      if (j === i) continue;
      numerator = mod(numerator * BigInt(j));
      denominator = mod(denominator * BigInt(j - i));
    }
    return mod(numerator * inverse(denominator));
  });
}
