/**
 * A single-node sequencer's directory (`dst run --single --data-dir DIR`): the node directory of a
 * 1-of-1 cluster, the very files `createCluster` writes as node-1 for nodes = threshold = 1
 * (./create.ts `createSingleNodeDir`), checked and loaded by `loadNodeDir` (./load.ts) like any node's:
 *
 *   DIR/cluster-lock.json                 the 1-of-1 lock: chain id, block time, group public key = the
 *                                         public share, one operator at SINGLE_NODE_ADDRESS
 *   DIR/p2p-identity.key                  the operator's identity key (names it in the lock)
 *   DIR/keys/keystore-share-1.{json,txt}  the key share (the whole key) and its password
 *   DIR/db/                               the node's LMDB database (written by the node)
 *
 * `prepareSingleNodeDir` makes DIR such a directory before the node loads it: it leaves one that has a
 * cluster-lock.json as it is, creates a missing or empty DIR, and migrates in place a directory of the
 * earlier single-node format, which had `cluster.json` (chain id, n = t = 1, self = 1, group public key,
 * public shares, as hex) instead of the lock and the identity key: it writes p2p-identity.key (a fresh
 * identity) and a 1-of-1 cluster-lock.json from cluster.json's chain id, group key and public share,
 * and keeps keys/, db/ and cluster.json itself untouched (cluster.json is no longer read). A directory
 * that cannot be migrated is a `SingleNodeMigrationError` saying why and what to do.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHex } from '../bytes/index.js';
import { createSingleNodeDir, KEYS_DIR, SINGLE_NODE_ADDRESS } from './create.js';
import { generateIdentityKey, IDENTITY_KEY_FILE, peerIdOf, readIdentityKey, writeIdentityKey } from './identity.js';
import { CLUSTER_LOCK_FILE, formatClusterLock, parseClusterLock, sealClusterLock, type ClusterLock } from './lock.js';

/** The cluster definition of the earlier single-node data directory. */
export const LEGACY_CLUSTER_FILE = 'cluster.json';

export type SingleNodeDirState =
  /** DIR already had a cluster-lock.json: nothing was written. */
  | { readonly kind: 'existing' }
  /** DIR was missing or empty: a new 1-of-1 cluster was created in it. */
  | { readonly kind: 'created'; readonly lock: ClusterLock }
  /** DIR had a cluster.json and no lock: the identity key and the lock were written from it. */
  | { readonly kind: 'migrated'; readonly lock: ClusterLock; readonly identityCreated: boolean };

/** A directory of the earlier single-node format that cannot be migrated; the message says why and what to do. */
export class SingleNodeMigrationError extends Error {}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * Makes `dir` a single node's directory (see the module docblock) and says what it did. `chainId` is
 * that of a new directory (a migrated one keeps its own); `blockTimeMs` goes into the lock of a new or
 * a migrated one. Does not check an existing lock: `loadNodeDir` does.
 */
export async function prepareSingleNodeDir(dir: string, fresh: { chainId: bigint; blockTimeMs: number }): Promise<SingleNodeDirState> {
  if (await exists(join(dir, CLUSTER_LOCK_FILE))) return { kind: 'existing' };
  if (await exists(join(dir, LEGACY_CLUSTER_FILE))) return migrateLegacySingleNode(dir, fresh.blockTimeMs);
  return { kind: 'created', lock: await createSingleNodeDir({ dir, chainId: fresh.chainId, blockTimeMs: fresh.blockTimeMs }) };
}

/** The public part of a 1-of-1 cluster.json: chain id, and the group key (= share 1's public key). */
function readLegacyCluster(path: string, text: string): { chainId: bigint; groupPublicKey: Uint8Array; publicShare: Uint8Array } {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(`not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (file === null || typeof file !== 'object') throw new Error('expected a JSON object');
  const { chainId, nodes, threshold, self, groupPublicKey, publicShares } = file;
  if (nodes !== 1 || threshold !== 1 || self !== 1) {
    throw new Error(`it describes node ${JSON.stringify(self)} of a ${JSON.stringify(nodes)}-node cluster with threshold ${JSON.stringify(threshold)}, ` +
      'not the 1-of-1 cluster of a single node');
  }
  if (typeof chainId !== 'string' || !/^[1-9]\d*$/.test(chainId)) throw new Error(`chainId: expected a positive decimal string, got ${JSON.stringify(chainId)}`);
  const shares = publicShares as Array<{ index?: unknown; publicKey?: unknown }> | undefined;
  if (!Array.isArray(shares) || shares.length !== 1 || shares[0]?.index !== 1) throw new Error('publicShares: expected the one entry of share 1');
  return { chainId: BigInt(chainId), groupPublicKey: parseHex('groupPublicKey', groupPublicKey, { length: 48 }), publicShare: parseHex('publicShares[0].publicKey', shares[0].publicKey, { length: 48 }) };
}

async function migrateLegacySingleNode(dir: string, blockTimeMs: number): Promise<SingleNodeDirState> {
  const legacyPath = join(dir, LEGACY_CLUSTER_FILE);
  const lockPath = join(dir, CLUSTER_LOCK_FILE);
  const refuse = (why: string): never => {
    throw new SingleNodeMigrationError(
      `${dir} is a single-node data directory of the earlier format (${LEGACY_CLUSTER_FILE}, no ${CLUSTER_LOCK_FILE}) and cannot be ` +
        `migrated: ${why}. A single node's directory is now a 1-of-1 cluster's node directory (${CLUSTER_LOCK_FILE}, ` +
        `${IDENTITY_KEY_FILE}, ${KEYS_DIR}/, db/). Repair what is named and start again to migrate it in place (the key and ` +
        `the chain in db/ are kept), or start a new chain with an empty --data-dir.`,
    );
  };
  let legacy;
  try {
    legacy = readLegacyCluster(legacyPath, await readFile(legacyPath, 'utf8'));
  } catch (error) {
    return refuse(`${legacyPath}: ${(error as Error).message}`);
  }
  for (const file of ['keystore-share-1.json', 'keystore-share-1.txt']) {
    if (!(await exists(join(dir, KEYS_DIR, file)))) refuse(`${join(dir, KEYS_DIR, file)} is missing`);
  }
  // An identity key without a lock is a migration that stopped half-way: keep that identity.
  const identityPath = join(dir, IDENTITY_KEY_FILE);
  const identityCreated = !(await exists(identityPath));
  let identity;
  try {
    identity = identityCreated ? await generateIdentityKey() : await readIdentityKey(identityPath);
  } catch (error) {
    return refuse((error as Error).message);
  }
  const lock = sealClusterLock({
    chainId: legacy.chainId,
    blockTimeMs,
    threshold: 1,
    groupPublicKey: legacy.groupPublicKey,
    operators: [{ index: 1, peerId: peerIdOf(identity), addresses: [SINGLE_NODE_ADDRESS], publicShare: legacy.publicShare }],
  });
  const lockText = formatClusterLock(lock);
  // Every check a node makes of a lock (the chain id's range, the group key against the share), before anything is written.
  try {
    parseClusterLock(lockText, legacyPath);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (identityCreated) await writeIdentityKey(identityPath, identity);
  await writeFile(lockPath, lockText, { flag: 'wx' });
  return { kind: 'migrated', lock, identityCreated };
}
