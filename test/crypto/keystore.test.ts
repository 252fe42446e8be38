import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '@chainsafe/bls-keystore';
import { afterAll, describe, expect, test } from 'vitest';
import { createThresholdKey, readShareKeystores, shareKeystoreFiles, writeShareKeystores } from '../../src/crypto/index.js';

const key = createThresholdKey({ shares: 4, threshold: 3 });
const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dst-keystore-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('share keystores (EIP-2335)', () => {
  test('round trip: one keystore and password file per share, read back with their public shares', async () => {
    const dir = await freshDir();
    const files = await writeShareKeystores(dir, key.shares.slice(1, 3));
    expect(files).toEqual([shareKeystoreFiles(dir, 2), shareKeystoreFiles(dir, 3)]);
    expect((await stat(files[0]!.keystorePath)).mode & 0o777).toBe(0o600);
    // The file is a standard keystore the library decrypts on its own with the password file.
    const keystore = Keystore.parse(await readFile(files[0]!.keystorePath, 'utf8'));
    expect(keystore.pubkey).toBe(Buffer.from(key.publicShares[1]!.publicKey).toString('hex'));
    expect(await keystore.decrypt(await readFile(files[0]!.passwordPath, 'utf8'))).toEqual(key.shares[1]!.secretKey);

    const read = await readShareKeystores(dir, key.publicShares);
    expect(read).toEqual([key.shares[1], key.shares[2]]);
    await expect(writeShareKeystores(dir, key.shares.slice(2, 3))).rejects.toThrow('EEXIST');
  });

  test('wrong password', async () => {
    const dir = await freshDir();
    const [files] = await writeShareKeystores(dir, key.shares.slice(0, 1));
    await writeFile(files!.passwordPath, 'not the password');
    await expect(readShareKeystores(dir, key.publicShares)).rejects.toThrow(`${files!.keystorePath}: wrong password in ${files!.passwordPath}`);
  });

  test('truncated JSON', async () => {
    const dir = await freshDir();
    const [files] = await writeShareKeystores(dir, key.shares.slice(0, 1));
    const json = await readFile(files!.keystorePath, 'utf8');
    await writeFile(files!.keystorePath, json.slice(0, json.length / 2));
    await expect(readShareKeystores(dir, key.publicShares)).rejects.toThrow(`${files!.keystorePath}: not a valid EIP-2335 keystore`);
  });

  test('a keystore whose key does not match its public share', async () => {
    const dir = await freshDir();
    const [files] = await writeShareKeystores(dir, key.shares.slice(0, 1));
    const other = createThresholdKey({ shares: 4, threshold: 3 });
    await expect(readShareKeystores(dir, other.publicShares)).rejects.toThrow(
      `${files!.keystorePath}: public key (decrypted key) 0x${Buffer.from(key.publicShares[0]!.publicKey).toString('hex')} does not match public share 1`,
    );
    await expect(readShareKeystores(dir, key.publicShares.slice(1))).rejects.toThrow(`${files!.keystorePath}: the cluster has no public share with index 1`);
  });

  test('a missing password file, an empty directory, bad arguments', async () => {
    const dir = await freshDir();
    await expect(readShareKeystores(dir, key.publicShares)).rejects.toThrow(`readShareKeystores: no keystore-share-<index>.json file in ${dir}`);
    const [files] = await writeShareKeystores(dir, key.shares.slice(3));
    await rm(files!.passwordPath);
    await expect(readShareKeystores(dir, key.publicShares)).rejects.toThrow(`${files!.keystorePath}: cannot read its password file ${files!.passwordPath}`);
    await expect(writeShareKeystores(dir, [])).rejects.toThrow('writeShareKeystores: expected a non-empty array of key shares, got array of 0');
    await expect(writeShareKeystores(dir, [{ index: 1, secretKey: new Uint8Array(31) }])).rejects.toThrow('writeShareKeystores: shares[0].secretKey: expected 32 bytes, got 31');
  });
});
