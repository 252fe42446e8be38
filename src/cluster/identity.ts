/**
 * The operator identity key: an Ed25519 key (RFC 8032) whose libp2p peer id names the node on the
 * network and in the cluster lock, and which signs its consensus messages.
 *
 * File format (`p2p-identity.key`, owner read/write only): one line, the lower-case hex of the key's
 * libp2p protobuf encoding (libp2p peer-id spec, "Keys": `PrivateKey { Type = Ed25519 (1), Data }`,
 * with `Data` = 32-byte seed ‖ 32-byte public key), i.e. `08011240` followed by 128 hex digits — the
 * bytes `@libp2p/crypto`'s `privateKeyToProtobuf` writes and go-libp2p's `MarshalPrivateKey` reads.
 * The peer id is the identity multihash of the public key's protobuf encoding (`12D3KooW…`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { hex, tryParseHex } from '../bytes/index.js';

/** An Ed25519 private key as `@libp2p/crypto` represents it. */
export type Ed25519PrivateKey = Extract<ReturnType<typeof privateKeyFromProtobuf>, { type: 'Ed25519' }>;

export const IDENTITY_KEY_FILE = 'p2p-identity.key';

/** A fresh Ed25519 identity key from the operating system's CSPRNG. */
export async function generateIdentityKey(): Promise<Ed25519PrivateKey> {
  return generateKeyPair('Ed25519');
}

/** The base58btc peer id of an identity key. */
export function peerIdOf(key: Ed25519PrivateKey): string {
  return peerIdFromPrivateKey(key).toString();
}

/** Writes `key` to the new file `path` (mode 0600; refuses to overwrite). */
export async function writeIdentityKey(path: string, key: Ed25519PrivateKey): Promise<void> {
  await writeFile(path, `${hex(privateKeyToProtobuf(key))}\n`, { mode: 0o600, flag: 'wx' });
}

/** Reads an identity key file; every error names the file. */
export async function readIdentityKey(path: string): Promise<Ed25519PrivateKey> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (cause) {
    throw new Error(`${path}: cannot read the identity key: ${(cause as Error).message}`, { cause });
  }
  // The text is a secret: the message says what is wrong with it, never what it is.
  const bytes = text === '' ? undefined : tryParseHex(text, { prefix: false, lowerCase: true });
  if (bytes === undefined) {
    throw new Error(`${path}: expected the hex of a libp2p protobuf-encoded Ed25519 private key, got ${text.length} characters that are not lower-case hex`);
  }
  let key;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (cause) {
    throw new Error(`${path}: not a libp2p protobuf-encoded private key (${(cause as Error).message})`, { cause });
  }
  if (key.type !== 'Ed25519') throw new Error(`${path}: expected an Ed25519 identity key, got a ${key.type} key`);
  return key;
}
