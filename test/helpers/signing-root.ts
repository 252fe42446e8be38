/**
 * The block signing root computed independently of src/ (README "Formats"), for tests that check
 * signatures: keccak-256 (@noble/hashes) of BLOCK_DOMAIN ‖ uint256(chainId) ‖ uint256(round) ‖ blockHash,
 * BLOCK_DOMAIN being ASCII "dst.block.v1" zero-padded to 32 bytes.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';

const BLOCK_DOMAIN = Buffer.concat([Buffer.from('dst.block.v1', 'ascii'), Buffer.alloc(20)]);

const uint256 = (value: bigint): Uint8Array => Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));

export function referenceSigningRoot(chainId: bigint, round: number, blockHash: Uint8Array): Uint8Array {
  return keccak_256(Buffer.concat([BLOCK_DOMAIN, uint256(chainId), uint256(BigInt(round)), blockHash]));
}
