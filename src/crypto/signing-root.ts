/**
 * What the cluster signs for a block: its signing root,
 *
 *   signingRoot = keccak256(domain ‖ uint256(chainId) ‖ uint256(round) ‖ blockHash),
 *
 * integers as 32-byte big-endian words. It follows the OP Stack's block-gossip signature
 * (`BlockSigningHash`: domain ‖ chainId ‖ payload hash), with BLS in place of secp256k1, and adds the
 * QBFT round in which the block was decided. The domain separates kinds of signed messages and the chain
 * id separates chains, so a signature over one can never be replayed as the other.
 *
 * Why the round (docs/architecture.md §4): partial signatures
 * ride on COMMIT messages, and without the round, partials sent in different rounds combine. An honest
 * node may legitimately commit different values in different rounds of one height, so t partials on a
 * block could then exist without any round having decided it — the sequencer would have signed two
 * blocks at one height. A per-height signing guard prevents that but lets one Byzantine node stall a
 * height forever (docs/qbft.md). With the round signed, t ≥ quorum partials on (round, block) are a
 * COMMIT quorum of one round, i.e. a QBFT decision, and QBFT's agreement makes it unique per height.
 * A verifier therefore needs the round, which travels with every signed block.
 *
 * keccak-256 is the WebAssembly core's.
 */
import { keccak256 } from '../wasm/index.js';
import { assertBytes, bigIntToBytes, concatBytes, describe } from '../bytes/index.js';

/** Bytes of a signing domain, a chain id, a block hash and a signing root. */
export const DOMAIN_LENGTH = 32;

/**
 * Domain of a sequencer block signature: the ASCII bytes of `dst.block.v1`, zero-padded on the right
 * to 32 bytes. Distinct from the OP Stack's block domain (32 zero bytes), and versioned so that a
 * future change of the block format gets a new domain rather than an ambiguous signature.
 */
export const BLOCK_DOMAIN: Uint8Array = (() => {
  const domain = new Uint8Array(DOMAIN_LENGTH);
  domain.set(new TextEncoder().encode('dst.block.v1'));
  return domain;
})();

const MAX_UINT256 = (1n << 256n) - 1n;

/** Largest QBFT round a signing root accepts: rounds are counted in a JS number. */
const MAX_ROUND = Number.MAX_SAFE_INTEGER;

/** keccak256(domain ‖ uint256(chainId) ‖ uint256(round) ‖ blockHash), 32 bytes; round ≥ 1. */
export function signingRoot(domain: Uint8Array, chainId: bigint | number, round: number, blockHash: Uint8Array): Uint8Array {
  assertBytes('signingRoot: domain', domain, DOMAIN_LENGTH);
  if (!Number.isSafeInteger(round) || round < 1 || round > MAX_ROUND) {
    throw new RangeError(`signingRoot: round: expected an integer ≥ 1 (QBFT rounds start at 1), got ${describe(round)}`);
  }
  assertBytes('signingRoot: blockHash', blockHash, 32);
  const id = typeof chainId === 'number' && Number.isSafeInteger(chainId) ? BigInt(chainId) : chainId;
  if (typeof id !== 'bigint' || id < 0n || id > MAX_UINT256) {
    throw new RangeError(`signingRoot: chainId: expected an integer in 0..2^256-1 (a safe-integer number or a bigint), got ${describe(chainId)}`);
  }
  return keccak256(concatBytes([domain, bigIntToBytes(id, 32), bigIntToBytes(BigInt(round), 32), blockHash]));
}
