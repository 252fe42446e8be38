/**
 * Resharing's mode of the ceremony (./ceremony.ts): verifiable secret redistribution after
 * Desmedt–Jajodia 1997 ("Redistributing secret shares to new access structures and its applications")
 * and Wong–Wing–Wang 2002 ("Verifiable secret redistribution for archive systems"), as drand's and
 * Charon's resharing do. Old operator i, holding f(i) of the old degree-(t−1) polynomial f, deals f(i) as
 * the constant term of a fresh degree-(t′−1) polynomial gᵢ to the new operators. The new share of j is
 * Σ_{i∈Q} λᵢ·gᵢ(j) with λᵢ the Lagrange coefficients at 0 of the qualified old indices Q (|Q| ≥ t);
 * the new polynomial Σ λᵢ·gᵢ has constant Σ λᵢ·f(i) = f(0), the unchanged group secret.
 *
 * Checks beyond the DKG's: a dealer's C₀ must be its public share f(i)·G1 from the old lock (a dealer
 * that reshares anything else is disqualified with its signed commitments as evidence), and the
 * outcome's group key Σ λᵢ·C_{i,0} must equal the old group key, checked before anything is written.
 * Fewer than t qualified old operators cannot reshare: the ceremony fails.
 */
import { equalBytes, prefixedHex } from '../../bytes/index.js';
import { lagrangeCoefficients } from '../../wasm/index.js';
import type { CeremonyMode } from './ceremony.js';

export interface PreviousKey {
  readonly threshold: number;
  readonly groupPublicKey: Uint8Array;
  /** The old public share of each old operator, by its old index. */
  readonly publicShares: ReadonlyMap<number, Uint8Array>;
}

export function reshareMode(previous: PreviousKey): CeremonyMode {
  return {
    kind: 'reshare',
    checkCommitments(dealer, commitments) {
      const expected = previous.publicShares.get(dealer);
      if (expected === undefined) return `dealer ${dealer} has no public share in the old lock`;
      if (!equalBytes(commitments[0]!, expected)) {
        return `its constant-term commitment ${prefixedHex(commitments[0]!)} is not its old public share ${prefixedHex(expected)}: it reshared another secret than its share`;
      }
      return undefined;
    },
    minimumQualified: previous.threshold,
    weights: (qualified) => lagrangeCoefficients(qualified),
    checkGroupKey(groupPublicKey) {
      if (equalBytes(groupPublicKey, previous.groupPublicKey)) return undefined;
      return `the reshared constant terms interpolate to ${prefixedHex(groupPublicKey)}, not to the group key ${prefixedHex(previous.groupPublicKey)}: refusing the outcome`;
    },
  };
}
