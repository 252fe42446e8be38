/**
 * What a block signature signs (DESIGN.md §4, docs/qbft.md "Per-round partial signatures"):
 *
 *   signingRoot = keccak256(BLOCK_DOMAIN ‖ uint256(chainId) ‖ uint256(round) ‖ blockHash)
 *
 * with the integers as 32-byte big-endian words. The QBFT round is signed so that partial signatures
 * combine only within one round.
 */
import { BLOCK_DOMAIN } from '../crypto/index.js';
import { keccak256 } from '../wasm/index.js';

const WORD = 32;

function uint256(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(2 * WORD, '0'), 'hex'));
}

export function blockSigningRoot(chainId: bigint, round: number, blockHash: Uint8Array): Uint8Array {
  if (chainId < 0n || chainId >= 1n << 256n) throw new RangeError(`blockSigningRoot: chainId must be a uint256, got ${chainId}`);
  if (!Number.isSafeInteger(round) || round < 1) throw new RangeError(`blockSigningRoot: round must be an integer ≥ 1, got ${round}`);
  if (!(blockHash instanceof Uint8Array) || blockHash.length !== WORD) {
    throw new TypeError(`blockSigningRoot: blockHash must be 32 bytes, got ${blockHash instanceof Uint8Array ? `${blockHash.length} bytes` : typeof blockHash}`);
  }
  const preimage = new Uint8Array(4 * WORD);
  preimage.set(BLOCK_DOMAIN, 0);
  preimage.set(uint256(chainId), WORD);
  preimage.set(uint256(BigInt(round)), 2 * WORD);
  preimage.set(blockHash, 3 * WORD);
  return keccak256(preimage);
}
