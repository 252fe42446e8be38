/**
 * A single node's directory is a 1-of-1 cluster's node directory (src/cluster/single.ts): created with
 * the files `createCluster` writes as node-1, loaded by `loadNodeDir`; and a directory of the earlier
 * format (cluster.json, keys/, db/, written here as the earlier `dst run --single` wrote it) migrated
 * in place. The migration is checked through the real binary on a directory whose db/ already holds a
 * signed block: the node comes up with the same group key and chain id, serves the old block (verified
 * with blst, test/e2e/node-process.ts) and extends the chain; --block-time and --chain-id that
 * contradict the lock are usage errors. Directories that cannot be migrated are refused with what to
 * do, and nothing is written to them.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_LOCK_FILE,
  createCluster,
  IDENTITY_KEY_FILE,
  KEYS_DIR,
  LEGACY_CLUSTER_FILE,
  loadNodeDir,
  nodeDirName,
  prepareSingleNodeDir,
  SINGLE_NODE_ADDRESS,
  SingleNodeMigrationError,
} from '../../src/cluster/index.js';
import { createThresholdKey, MainThreadExecutor, writeShareKeystores } from '../../src/crypto/index.js';
import { startNode } from '../../src/node/index.js';
import { rpc, spawnDst, verifySignedBlock, whenListening } from '../e2e/node-process.js';
import { hexToBytes, signTransfers, testAccounts } from '../node/wallets.js';

const toHex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dst-single-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A data directory as the earlier `dst run --single` created it (src/node/datadir.ts, now removed). */
async function legacyDataDir(dir: string, chainId: bigint, cluster: Record<string, unknown> = {}) {
  const key = createThresholdKey({ shares: 1, threshold: 1 });
  await mkdir(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  await writeShareKeystores(join(dir, 'keys'), key.shares);
  const file = {
    chainId: chainId.toString(),
    nodes: 1,
    threshold: 1,
    self: 1,
    groupPublicKey: toHex(key.groupPublicKey),
    publicShares: key.publicShares.map((share) => ({ index: share.index, publicKey: toHex(share.publicKey) })),
    ...cluster,
  };
  await writeFile(join(dir, 'cluster.json'), `${JSON.stringify(file, null, 2)}\n`, { flag: 'wx' });
  return key;
}

describe('prepareSingleNodeDir', () => {
  it('creates the node directory createCluster writes as node-1, then leaves it alone', async () => {
    const dir = join(root, 'new');
    const state = await prepareSingleNodeDir(dir, { chainId: 77n, blockTimeMs: 250 });
    expect(state.kind).toBe('created');
    const cluster = join(root, 'reference');
    await createCluster({ nodes: 1, chainId: 77n, blockTimeMs: 250, outDir: cluster });
    expect((await readdir(dir)).sort()).toEqual((await readdir(join(cluster, nodeDirName(1)))).sort());
    expect((await readdir(join(dir, KEYS_DIR))).sort()).toEqual(['keystore-share-1.json', 'keystore-share-1.txt']);
    const node = await loadNodeDir(dir);
    expect(node.lock).toMatchObject({ chainId: 77n, blockTimeMs: 250, threshold: 1 });
    expect(node.lock.operators).toHaveLength(1);
    expect(node.operator.addresses).toEqual([SINGLE_NODE_ADDRESS]);
    expect(toHex(node.lock.groupPublicKey)).toBe(toHex(node.operator.publicShare));
    const lockText = await readFile(join(dir, CLUSTER_LOCK_FILE), 'utf8');
    expect(await prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 0 })).toEqual({ kind: 'existing' });
    expect(await readFile(join(dir, CLUSTER_LOCK_FILE), 'utf8')).toBe(lockText);
  });

  it('refuses a non-empty directory that is no node directory', async () => {
    const dir = join(root, 'occupied');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 0 })).rejects.toThrow(
      `${dir}: a new node directory is not empty (1 entries); refusing to overwrite it`,
    );
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('migrates a cluster.json directory in place: the key and chain id kept, keys/ untouched', async () => {
    const dir = join(root, 'legacy');
    const key = await legacyDataDir(dir, 903n);
    const keystore = await readFile(join(dir, KEYS_DIR, 'keystore-share-1.json'), 'utf8');
    const state = await prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 40 });
    expect(state).toMatchObject({ kind: 'migrated', identityCreated: true });
    const node = await loadNodeDir(dir);
    expect(node.lock).toMatchObject({ chainId: 903n, blockTimeMs: 40, threshold: 1 });
    expect(toHex(node.lock.groupPublicKey)).toBe(toHex(key.groupPublicKey));
    expect(toHex(node.key.share.secretKey)).toBe(toHex(key.shares[0]!.secretKey));
    expect(await readFile(join(dir, KEYS_DIR, 'keystore-share-1.json'), 'utf8')).toBe(keystore);
    expect(await readdir(dir)).toContain(LEGACY_CLUSTER_FILE);
    expect(await prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 0 })).toEqual({ kind: 'existing' });
  });

  it('a migration stopped after the identity key keeps that key', async () => {
    const dir = join(root, 'half-migrated');
    await legacyDataDir(dir, 904n);
    await prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 40 });
    const identity = await readFile(join(dir, IDENTITY_KEY_FILE), 'utf8');
    await rm(join(dir, CLUSTER_LOCK_FILE));
    expect(await prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 40 })).toMatchObject({ kind: 'migrated', identityCreated: false });
    expect(await readFile(join(dir, IDENTITY_KEY_FILE), 'utf8')).toBe(identity);
    await loadNodeDir(dir);
  });

  it.each([
    ['a cluster.json of a 4-node cluster', { nodes: 4, threshold: 3, self: 2 }, 'it describes node 2 of a 4-node cluster with threshold 3, not the 1-of-1 cluster of a single node'],
    ['a chain id that is not a decimal string', { chainId: 903 }, 'chainId: expected a positive decimal string, got 903'],
    ['a group key that is not its public share', { groupPublicKey: toHex(createThresholdKey({ shares: 1, threshold: 1 }).groupPublicKey) }, 'interpolate to'],
  ])('refuses %s, writing nothing', async (_, fields, why) => {
    const dir = await mkdtemp(join(root, 'bad-'));
    await legacyDataDir(dir, 903n, fields);
    const before = (await readdir(dir)).sort();
    const failure = prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 0 });
    await expect(failure).rejects.toBeInstanceOf(SingleNodeMigrationError);
    await expect(failure).rejects.toThrow(why);
    await expect(failure).rejects.toThrow(`${dir} is a single-node data directory of the earlier format (cluster.json, no cluster-lock.json) and cannot be migrated`);
    await expect(failure).rejects.toThrow('or start a new chain with an empty --data-dir');
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('refuses a cluster.json directory without its keystore', async () => {
    const dir = join(root, 'no-keystore');
    await legacyDataDir(dir, 903n);
    await rm(join(dir, KEYS_DIR, 'keystore-share-1.txt'));
    await expect(prepareSingleNodeDir(dir, { chainId: 1n, blockTimeMs: 0 })).rejects.toThrow(`${join(dir, KEYS_DIR, 'keystore-share-1.txt')} is missing`);
    expect(await readdir(dir)).not.toContain(CLUSTER_LOCK_FILE);
  });
});

describe('dst run --single on a data directory of the earlier format', () => {
  it('migrates it, serves the chain it had and extends it; flags that contradict the lock are refused', async () => {
    const dir = join(root, 'legacy-run');
    const chainId = 908n;
    const key = await legacyDataDir(dir, chainId);
    // A chain in db/ signed with the old key: one block.
    const account = testAccounts(1, 'dst-single-migration')[0]!;
    const raws = (await signTransfers(account, Number(chainId), 0, 2)).map(hexToBytes);
    const before = await startNode({
      dbPath: join(dir, 'db'),
      chainId,
      key: { share: key.shares[0]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: 1 },
      blockTimeMs: 0,
      logger: pino({ level: 'silent' }),
      executor: new MainThreadExecutor(),
    });
    await before.sequencer.submitTransaction(raws[0]!, 'test');
    await new Promise<void>((resolve) => (before.sequencer.headNumber() >= 1 ? resolve() : before.sequencer.onBlock(() => resolve())));
    const oldBlock = before.sequencer.getBlockByNumber(1)!;
    await before.stop();

    const args = ['run', '--single', '--data-dir', dir, '--rpc-port', '0', '--block-time', '20'];
    const node = await whenListening(spawnDst(args));
    try {
      const migrated = node.logs.find((line) => line.msg.startsWith('migrated the data directory from cluster.json'));
      expect(migrated, JSON.stringify(node.logs)).toMatchObject({ dataDir: dir, chainId: chainId.toString(), blockTimeMs: 20, identityCreated: true });
      expect(node.groupPublicKey).toBe(toHex(key.groupPublicKey));
      const listening = node.logs.find((line) => line.msg === 'rpc listening')!;
      expect(listening).toMatchObject({ chainId: chainId.toString(), blockTimeMs: 20, node: 1, nodes: 1, threshold: 1 });
      expect((await rpc(node.url, 'eth_chainId')).result).toBe(`0x${chainId.toString(16)}`);
      const served = (await rpc(node.url, 'dst_getSignedBlock', ['0x1'])).result;
      expect(served.hash).toBe(toHex(oldBlock.block.hash));
      expect(verifySignedBlock(served, toHex(key.groupPublicKey))).toBe(true);
      await rpc(node.url, 'eth_sendRawTransaction', [toHex(raws[1]!)]);
      for (let head = 1; head < 2; await new Promise((r) => setTimeout(r, 20))) head = Number((await rpc(node.url, 'eth_blockNumber')).result);
      expect(verifySignedBlock((await rpc(node.url, 'dst_getSignedBlock', ['0x2'])).result, toHex(key.groupPublicKey))).toBe(true);
    } finally {
      expect(await node.stop()).toBe(0);
    }
    expect((await loadNodeDir(dir)).lock).toMatchObject({ chainId, blockTimeMs: 20 });

    // Started again: nothing to migrate; the lock's block time and chain id are the directory's.
    const again = await whenListening(spawnDst(['run', '--single', '--data-dir', dir, '--rpc-port', '0']));
    expect(again.logs.some((line) => line.msg.startsWith('migrated'))).toBe(false);
    expect(Number((await rpc(again.url, 'eth_blockNumber')).result)).toBe(2);
    expect(await again.stop()).toBe(0);
    for (const [flag, value, message] of [
      ['--block-time', '1000', `--block-time 1000 does not match block time 20 ms in the lock of the data directory ${dir}: leave it out to use the lock's`],
      ['--chain-id', '901', `--chain-id 901 does not match chain id ${chainId} of the data directory ${dir}`],
    ] as const) {
      const refused = spawnDst(['run', '--single', '--data-dir', dir, '--rpc-port', '0', flag, value]);
      expect(await refused.exited).toBe(2);
      expect(refused.stderr()).toContain(`dst: ${message}`);
    }
  });
});
