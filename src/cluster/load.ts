/**
 * `loadNodeDir`: reads and checks a node directory made by `dst create cluster` (layout in
 * ./create.ts) or by `dst dkg` / `dst reshare` (./dkg/output.ts) before the node starts, in this order:
 *
 * 1. `cluster-lock.json`: structure, lock hash, threshold rule, public shares consistent with the
 *    group key, and for a ceremony's lock (version 2) every operator's signature over the lock hash
 *    (`parseClusterLock`, ./lock.ts);
 * 2. `p2p-identity.key`: an Ed25519 key whose peer id is one of the lock's operators — that
 *    operator is this node;
 * 3. `keys/`: exactly one keystore, `keystore-share-<i>.json` for this operator's index i, with its
 *    password file, decrypting to a secret whose public key is operator i's public share.
 *
 * Every failure is an Error whose message starts with the file at fault and says what is wrong.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readShareKeystores } from '../crypto/index.js';
import type { NodeKey } from '../node/index.js';
import { KEYS_DIR } from './create.js';
import { IDENTITY_KEY_FILE, peerIdOf, readIdentityKey, type Ed25519PrivateKey } from './identity.js';
import { CLUSTER_LOCK_FILE, parseClusterLock, type ClusterLock, type Operator } from './lock.js';

export interface NodeDir {
  readonly dir: string;
  readonly lock: ClusterLock;
  /** This node's entry in the lock. */
  readonly operator: Operator;
  /** The operator's identity key (its peer id is `operator.peerId`). */
  readonly identityKey: Ed25519PrivateKey;
  /** This node's key share with the cluster's public keys, as the sequencer takes them. */
  readonly key: NodeKey;
}

export async function loadNodeDir(dir: string): Promise<NodeDir> {
  const lockPath = join(dir, CLUSTER_LOCK_FILE);
  let lockText: string;
  try {
    lockText = await readFile(lockPath, 'utf8');
  } catch (cause) {
    throw new Error(`${lockPath}: cannot read the cluster lock: ${(cause as Error).message}`, { cause });
  }
  const lock = parseClusterLock(lockText, lockPath);

  const identityPath = join(dir, IDENTITY_KEY_FILE);
  const identityKey = await readIdentityKey(identityPath);
  const peerId = peerIdOf(identityKey);
  const operator = lock.operators.find((entry) => entry.peerId === peerId);
  if (operator === undefined) {
    throw new Error(`${identityPath}: its peer id ${peerId} is not an operator of the cluster in ${lockPath}: the identity key belongs to another cluster`);
  }

  const keysDir = join(dir, KEYS_DIR);
  let names: string[];
  try {
    names = await readdir(keysDir);
  } catch (cause) {
    throw new Error(`${keysDir}: cannot read the keystore directory: ${(cause as Error).message}`, { cause });
  }
  const expected = `keystore-share-${operator.index}.json`;
  const keystores = names.filter((name) => /^keystore-share-\d+\.json$/.test(name));
  if (keystores.length !== 1 || keystores[0] !== expected) {
    throw new Error(`${keysDir}: expected exactly the keystore ${expected} of operator ${operator.index} (whose peer id ${peerId} ` +
      `is that of ${identityPath}), found ${keystores.length === 0 ? 'none' : keystores.join(', ')}`);
  }
  const publicShares = lock.operators.map((entry) => ({ index: entry.index, publicKey: entry.publicShare }));
  const [share] = await readShareKeystores(keysDir, [publicShares[operator.index - 1]!]);
  return {
    dir,
    lock,
    operator,
    identityKey,
    key: { share: share!, publicShares, groupPublicKey: lock.groupPublicKey, threshold: lock.threshold },
  };
}
