/**
 * Optimistic combine, the consensus path's way to turn a quorum of partial signatures into the
 * block's group signature without letting one bad partial stall the block (issue 4; Lodestar's
 * optimistic batch verification with a one-by-one fallback, as Lodestar does):
 *
 * 1. partials whose bytes blst cannot deserialize with subgroup and infinity checks are invalid;
 * 2. combine the first t remaining partials and verify the result once against the group key —
 *    the common case, one pairing check for the whole block;
 * 3. only if that fails, check every remaining partial against its public share in one randomized
 *    batch (one by one if the batch fails, `findInvalidSets`), drop the invalid ones, and combine t
 *    valid ones if that many remain.
 *
 * The result always names the share indices found invalid, so the caller can report the nodes.
 */
import { assertArray, assertBytes, assertInteger } from '../bytes/index.js';
import { findInvalidSets } from './tasks.js';
import {
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  assertDistinctIndices,
  assertIndex,
  combineDecodedPoint,
  decodePublicKey,
  tryDecodeSignature,
  verifyPoint,
  type PartialSignature,
  type PublicShare,
} from './threshold.js';
import type * as blst from '@chainsafe/blst';

export interface OptimisticCombineInput {
  readonly threshold: number;
  /** The group public key, 48 bytes compressed. */
  readonly groupPublicKey: Uint8Array;
  /** The public share of every index that may appear among the partials. */
  readonly publicShares: readonly PublicShare[];
  readonly message: Uint8Array;
  /** Partial signatures from distinct shares, in the order they arrived. */
  readonly partials: readonly PartialSignature[];
}

export interface OptimisticCombineResult {
  /** The group signature (96 bytes compressed), or undefined when fewer than t valid partials remain. */
  readonly signature: Uint8Array | undefined;
  /** Share indices of the partials found invalid, ascending. */
  readonly invalidIndices: number[];
}

export function optimisticCombine(input: OptimisticCombineInput): OptimisticCombineResult {
  const { threshold, groupPublicKey, publicShares, message, partials } = input;
  assertInteger('optimisticCombine: threshold', threshold, 1);
  decodePublicKey('optimisticCombine: groupPublicKey', groupPublicKey);
  assertBytes('optimisticCombine: message', message);
  assertArray('optimisticCombine: publicShares', publicShares);
  assertArray('optimisticCombine: partials', partials);
  const publicKeyOf = new Map<number, Uint8Array>();
  publicShares.forEach((share, i) => {
    assertIndex(`optimisticCombine: publicShares[${i}].index`, share?.index);
    assertBytes(`optimisticCombine: publicShares[${i}].publicKey`, share.publicKey, PUBLIC_KEY_LENGTH);
    publicKeyOf.set(share.index, share.publicKey);
  });
  assertDistinctIndices('optimisticCombine: publicShares', publicShares.map((s) => s.index));

  const invalid: number[] = [];
  const decoded: Array<{ index: number; bytes: Uint8Array; signature: blst.Signature }> = [];
  partials.forEach((partial, i) => {
    assertIndex(`optimisticCombine: partials[${i}].index`, partial?.index);
    if (!publicKeyOf.has(partial.index)) {
      throw new RangeError(`optimisticCombine: partials[${i}]: no public share with index ${partial.index}`);
    }
    assertBytes(`optimisticCombine: partials[${i}].signature`, partial.signature);
    const signature = partial.signature.length === SIGNATURE_LENGTH ? tryDecodeSignature(partial.signature) : undefined;
    if (signature === undefined) invalid.push(partial.index);
    else decoded.push({ index: partial.index, bytes: partial.signature, signature });
  });
  assertDistinctIndices('optimisticCombine: partials', partials.map((p) => p.index));

  // Each partial is deserialized (with its subgroup check) once, above; the combined point is verified
  // as blst holds it, not serialized and decoded again (combineDecodedPoint).
  const combineFirstT = (candidates: typeof decoded): { bytes: Uint8Array; point: blst.Signature } => {
    const chosen = candidates.slice(0, threshold);
    return combineDecodedPoint(chosen.map((c) => c.index), chosen.map((c) => c.signature));
  };
  const finish = (signature: Uint8Array | undefined): OptimisticCombineResult => ({
    signature,
    invalidIndices: invalid.sort((a, b) => a - b),
  });

  if (decoded.length < threshold) return finish(undefined);
  let first: { bytes: Uint8Array; point: blst.Signature } | undefined;
  try {
    first = combineFirstT(decoded);
  } catch {
    // Crafted partials can cancel out to the point at infinity: that is a failed check, not an error.
  }
  if (first !== undefined && verifyPoint(groupPublicKey, message, first.point)) return finish(first.bytes);

  const bad = new Set(
    findInvalidSets(decoded.map((d) => ({ publicKey: publicKeyOf.get(d.index)!, message, signature: d.bytes })))
      .map((position) => decoded[position]!.index),
  );
  invalid.push(...bad);
  const valid = decoded.filter((d) => !bad.has(d.index));
  if (valid.length < threshold) return finish(undefined);
  const second = combineFirstT(valid);
  if (!verifyPoint(groupPublicKey, message, second.point)) {
    throw new Error('optimisticCombine: valid partial signatures combine to a signature the group key rejects; ' +
      'the threshold is wrong or the public shares do not belong to this group public key');
  }
  return finish(second.bytes);
}
