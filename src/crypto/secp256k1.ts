/**
 * Ethereum sender recovery: the 20-byte address whose secp256k1 key made an ECDSA signature over a
 * 32-byte hash (Yellow Paper appendix F: address = the last 20 bytes of keccak-256 of the uncompressed
 * public key without its 0x04 prefix), with the native `secp256k1` binding (libsecp256k1, about 30x
 * faster than pure JavaScript). Signature rules (r, s ranges, EIP-2 low-s) are the caller's
 * (src/chain/transaction.ts); here a signature either recovers a key or does not.
 */
import secp256k1 from 'secp256k1';
import { keccak256 } from '../wasm/index.js';

/** One signature to recover from: the signed hash, r ‖ s (64 bytes), and the recovery id (0 or 1). */
export interface RecoveryItem {
  readonly hash: Uint8Array;
  readonly signature: Uint8Array;
  readonly recovery: number;
}

export const RECOVERY_HASH_LENGTH = 32;
export const RECOVERY_SIGNATURE_LENGTH = 64;
export const ADDRESS_LENGTH = 20;

/** The signer's address, or undefined when no public key recovers from the signature. */
export function recoverAddress(item: RecoveryItem): Uint8Array | undefined {
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.ecdsaRecover(item.signature, item.recovery, item.hash, false);
  } catch {
    return undefined;
  }
  return keccak256(publicKey.subarray(1)).slice(12);
}
