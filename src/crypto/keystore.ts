/**
 * Key shares at rest as EIP-2335 keystores (eips.ethereum.org/EIPS/eip-2335), the format Charon and
 * every Ethereum validator client use (docs/architecture.md §5), through `@chainsafe/bls-keystore`.
 *
 * Layout, one pair of files per share in a directory:
 * - `keystore-share-<index>.json`: the share's secret encrypted under the password (PBKDF2-HMAC-SHA256
 *   with 2¹⁸ rounds, AES-128-CTR, SHA-256 checksum: the library's EIP-2335 defaults), with the
 *   share's public key in `pubkey`;
 * - `keystore-share-<index>.txt`: the password, 32 random bytes in hex (Charon's habit: one password
 *   file next to each keystore, protected by the file system like the keystore itself).
 *
 * Reading checks everything it can and names the file at fault: a missing or unreadable password
 * file, JSON that is not a keystore (truncated, corrupted), a wrong password (checksum mismatch), a
 * decrypted secret that is not a key, and a public key that does not match the share's public share
 * from the cluster definition.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Keystore } from '@chainsafe/bls-keystore';
import * as blst from '@chainsafe/blst';
import { assertArray, assertBytes, describe, hex } from '../bytes/index.js';
import { SECRET_KEY_LENGTH, assertDistinctIndices, assertIndex, publicShareOf, type KeyShare, type PublicShare } from './threshold.js';

/** EIP-2334 path recorded in share keystores; shares are not HD-derived, so it is Charon's fixed one. */
export const SHARE_KEYSTORE_PATH = 'm/12381/3600/0/0/0';

const KEYSTORE_FILE = /^keystore-share-(\d+)\.json$/;

export interface ShareKeystoreFiles {
  readonly index: number;
  readonly keystorePath: string;
  readonly passwordPath: string;
}

/** Paths of the keystore and password files of share `index` in `dir`. */
export function shareKeystoreFiles(dir: string, index: number): ShareKeystoreFiles {
  return {
    index,
    keystorePath: join(dir, `keystore-share-${index}.json`),
    passwordPath: join(dir, `keystore-share-${index}.txt`),
  };
}

/**
 * Writes one keystore and one password file per share into the existing directory `dir`, readable
 * by the owner only; refuses to overwrite an existing file.
 */
export async function writeShareKeystores(dir: string, shares: readonly KeyShare[]): Promise<ShareKeystoreFiles[]> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`writeShareKeystores: dir: expected a directory path, got ${describe(dir)}`);
  assertArray('writeShareKeystores', shares, { of: 'key shares', nonEmpty: true });
  const publicShares = shares.map((share, i) => {
    assertIndex(`writeShareKeystores: shares[${i}].index`, share?.index);
    assertBytes(`writeShareKeystores: shares[${i}].secretKey`, share.secretKey, SECRET_KEY_LENGTH);
    return publicShareOf(share);
  });
  assertDistinctIndices('writeShareKeystores', shares.map((s) => s.index));
  const written: ShareKeystoreFiles[] = [];
  for (let i = 0; i < shares.length; i++) {
    const files = shareKeystoreFiles(dir, shares[i]!.index);
    const password = hex(randomBytes(32));
    const keystore = await Keystore.create(password, shares[i]!.secretKey, publicShares[i]!.publicKey, SHARE_KEYSTORE_PATH,
      `dst key share ${shares[i]!.index}`);
    await writeFile(files.passwordPath, password, { mode: 0o600, flag: 'wx' });
    await writeFile(files.keystorePath, keystore.stringify(), { mode: 0o600, flag: 'wx' });
    written.push(files);
  }
  return written;
}

/**
 * Reads every `keystore-share-<index>.json` of `dir` with its password file, checks each against the
 * public share of the same index in `publicShares`, and returns the key shares by ascending index.
 */
export async function readShareKeystores(dir: string, publicShares: readonly PublicShare[]): Promise<KeyShare[]> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`readShareKeystores: dir: expected a directory path, got ${describe(dir)}`);
  assertArray('readShareKeystores: publicShares', publicShares);
  const expected = new Map<number, Uint8Array>();
  publicShares.forEach((share, i) => {
    assertIndex(`readShareKeystores: publicShares[${i}].index`, share?.index);
    expected.set(share.index, share.publicKey);
  });
  const indices = (await readdir(dir))
    .map((name) => KEYSTORE_FILE.exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
  if (indices.length === 0) throw new Error(`readShareKeystores: no keystore-share-<index>.json file in ${dir}`);
  const shares: KeyShare[] = [];
  for (const index of indices) {
    shares.push(await readShareKeystore(shareKeystoreFiles(dir, index), expected.get(index)));
  }
  return shares;
}

async function readShareKeystore(files: ShareKeystoreFiles, expectedPublicKey: Uint8Array | undefined): Promise<KeyShare> {
  const file = files.keystorePath;
  if (expectedPublicKey === undefined) throw new Error(`${file}: the cluster has no public share with index ${files.index}`);
  let password: string;
  try {
    password = (await readFile(files.passwordPath, 'utf8')).trim();
  } catch (cause) {
    throw new Error(`${file}: cannot read its password file ${files.passwordPath}: ${(cause as Error).message}`, { cause });
  }
  let keystore: Keystore;
  try {
    keystore = Keystore.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new Error(`${file}: not a valid EIP-2335 keystore (${(cause as Error).message})`, { cause });
  }
  if (!(await keystore.verifyPassword(password))) {
    throw new Error(`${file}: wrong password in ${files.passwordPath} (keystore checksum mismatch)`);
  }
  const secretKey = new Uint8Array(await keystore.decrypt(password));
  let publicKey: Uint8Array;
  try {
    publicKey = blst.SecretKey.fromBytes(secretKey).toPublicKey().toBytes(true);
  } catch (cause) {
    throw new Error(`${file}: the decrypted secret is not a BLS12-381 secret key`, { cause });
  }
  const expectedHex = hex(expectedPublicKey);
  for (const [what, actualHex] of [['decrypted key', hex(publicKey)], ['pubkey field', keystore.pubkey.replace(/^0x/, '')]] as const) {
    if (actualHex !== expectedHex) {
      throw new Error(`${file}: public key (${what}) 0x${actualHex} does not match public share ${files.index} 0x${expectedHex}`);
    }
  }
  return { index: files.index, secretKey };
}
