/**
 * The DKG's mode of the ceremony (./ceremony.ts): joint-Feldman (Pedersen 1991, "A threshold
 * cryptosystem without a trusted party"; GJKR 1999, "Secure Distributed Key Generation for
 * Discrete-Log Based Cryptosystems", §3) with GJKR's complaints and disqualification. Every operator
 * deals a random polynomial; the group secret is the sum of the qualified dealers' constant terms (never
 * computed anywhere), so the group key is the sum of their C₀ and every share the sum of their shares.
 *
 * **Key bias, accepted.** GJKR show that an adversary controlling dealers can bias the distribution
 * of the joint-Feldman key (it sees the honest commitments before it decides whether its own dealers
 * end up disqualified) and remove it with Pedersen commitments in the first phase. DST accepts the bias,
 * as drand and Charon's `pedersen` DKG do: the key is used only for BLS signatures, and Gennaro,
 * Jarecki, Krawczyk and Rabin ("Secure Applications of Pedersen's Distributed Key Generation
 * Protocol", CT-RSA 2003) prove that threshold Schnorr/BLS-style schemes stay secure with a key from
 * joint-Feldman — the bias gives the adversary no advantage in forging. Removing it costs a second
 * commitment round and a second generator; nothing DST does needs a uniform key.
 *
 * `minimumQualified` is the threshold t: with t ≥ quorum > f, QUAL holds at least one honest dealer,
 * whose random constant hides the secret from the others.
 */
import type { CeremonyMode } from './ceremony.js';

export function dkgMode(threshold: number): CeremonyMode {
  return {
    kind: 'dkg',
    checkCommitments: () => undefined,
    minimumQualified: threshold,
    weights: (qualified) => qualified.map(() => 1n),
    checkGroupKey: () => undefined,
  };
}
