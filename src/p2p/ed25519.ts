/**
 * Ed25519 (RFC 8032) signing and verification with an operator's libp2p identity key, through
 * node:crypto key objects made once per key: building one per message (what libp2p's own `sign` and
 * `verify` do) costs as much as the signature operation. Used by the consensus envelopes
 * (consensus-codec.ts), the ceremony messages of the DKG and resharing (src/cluster/dkg/messages.ts)
 * and the operators' signatures on a cluster lock (src/cluster/lock.ts). Every caller prefixes what it
 * signs with its own domain constant, so a signature made for one purpose is never valid for another
 * (the same key also signs Noise handshakes).
 */
import { createPrivateKey, createPublicKey, sign as signBytes, verify as verifyBytes } from 'node:crypto';
import type { PrivateKey, PublicKey } from '@libp2p/interface';

/** An Ed25519 signature is 64 bytes. */
export const ED25519_SIGNATURE_BYTES = 64;

const jwk = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** A signing function of an Ed25519 identity key. */
export function ed25519Signer(identity: PrivateKey): (message: Uint8Array) => Uint8Array {
  if (identity.type !== 'Ed25519') throw new TypeError(`identity: expected an Ed25519 key, got ${identity.type}`);
  // libp2p's Ed25519 private key `raw` is the 32-byte seed followed by the 32-byte public key.
  const key = createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: jwk(identity.raw.subarray(0, 32)), x: jwk(identity.publicKey.raw) } });
  return (message) => new Uint8Array(signBytes(null, message, key));
}

/** A verifying function of an Ed25519 public key: false for a signature of the wrong length or value. */
export function ed25519Verifier(publicKey: PublicKey, name = 'public key'): (message: Uint8Array, signature: Uint8Array) => boolean {
  if (publicKey.type !== 'Ed25519') throw new TypeError(`${name}: expected an Ed25519 identity key, got ${publicKey.type}`);
  const key = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: jwk(publicKey.raw) } });
  return (message, signature) => signature instanceof Uint8Array && signature.length === ED25519_SIGNATURE_BYTES && verifyBytes(null, message, key, signature);
}
