/**
 * What the cluster signs for a block: its signing root (DESIGN.md §4),
 *
 *   signingRoot = keccak256(domain ‖ chainId as a 32-byte big-endian uint256 ‖ blockHash),
 *
 * the construction of the OP Stack's block-gossip signature (`BlockSigningHash`), with BLS in place of
 * secp256k1. The domain separates kinds of signed messages and the chain id separates chains, so a
 * signature over one can never be replayed as the other. keccak-256 is the WebAssembly core's.
 */
import { keccak256 } from '../wasm/index.js';
import { assertBytes, describe } from '../wasm/errors.js';

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

/** keccak256(domain ‖ uint256(chainId) ‖ blockHash), 32 bytes. */
export function signingRoot(domain: Uint8Array, chainId: bigint | number, blockHash: Uint8Array): Uint8Array {
  assertBytes('signingRoot: domain', domain, DOMAIN_LENGTH);
  assertBytes('signingRoot: blockHash', blockHash, 32);
  const id = typeof chainId === 'number' && Number.isSafeInteger(chainId) ? BigInt(chainId) : chainId;
  if (typeof id !== 'bigint' || id < 0n || id > MAX_UINT256) {
    throw new RangeError(`signingRoot: chainId: expected an integer in 0..2^256-1 (a safe-integer number or a bigint), got ${describe(chainId)}`);
  }
  const preimage = new Uint8Array(3 * 32);
  preimage.set(domain, 0);
  preimage.set(Buffer.from(id.toString(16).padStart(64, '0'), 'hex'), 32);
  preimage.set(blockHash, 64);
  return keccak256(preimage);
}
